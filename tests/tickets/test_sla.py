from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from customers.models import ChannelKind
from tests.factories import QueueFactory, SegmentFactory, UserFactory
from tickets import services, sla
from tickets.models import (
    BusinessCalendar,
    OpeningHours,
    Priority,
    SLAEvent,
    SLAEventKind,
    SLAMetric,
    SLAPolicy,
    SLATarget,
    Ticket,
    TicketStatus,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
S = TicketStatus
pytestmark = pytest.mark.django_db


def at(*args):
    return datetime(*args, tzinfo=HCM)


@pytest.fixture
def always():
    return BusinessCalendar.objects.create(name="24/7", always_open=True, holiday_country="")


@pytest.fixture
def office():
    calendar = BusinessCalendar.objects.create(name="Office", holiday_country="VN")
    for day in range(5):
        OpeningHours.objects.create(calendar=calendar, weekday=day, opens=time(8), closes=time(12))
        OpeningHours.objects.create(calendar=calendar, weekday=day, opens=time(13), closes=time(17))
    return calendar


def make_policy(calendar, *, name="Standard", position=100, fr=60, nr=30, res=480, **kwargs):
    queues = kwargs.pop("queues", [])
    segments = kwargs.pop("segments", [])
    policy = SLAPolicy.objects.create(name=name, calendar=calendar, position=position, **kwargs)
    policy.queues.set(queues)
    policy.segments.set(segments)
    for priority in Priority.values:
        SLATarget.objects.create(
            policy=policy,
            priority=priority,
            first_response_minutes=fr,
            next_response_minutes=nr,
            resolution_minutes=res,
        )
    return policy


def new_ticket(customer, queue, **kwargs):
    return services.create_ticket(customer=customer, subject="s", body="b", queue=queue, **kwargs)


def fresh(ticket):
    return Ticket.objects.get(pk=ticket.pk)


def test_due_times_on_a_24_7_calendar(always, customer, queue):
    make_policy(always)
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        ticket = new_ticket(customer, queue)
    assert ticket.first_response_due_at == at(2026, 11, 23, 10, 0)
    assert ticket.first_response_warn_at == at(2026, 11, 23, 9, 48)  # 80 %
    assert ticket.resolution_due_at == at(2026, 11, 23, 17, 0)
    assert ticket.next_response_due_at is None
    assert ticket.sla_next_check_at == ticket.first_response_warn_at


def test_due_times_skip_nights_weekends_and_vietnamese_holidays(office, customer, queue):
    make_policy(office, fr=120)
    with time_machine.travel(at(2026, 11, 20, 16, 0), tick=False):  # Friday 16:00
        friday = new_ticket(customer, queue)
    assert friday.first_response_due_at == at(2026, 11, 23, 9, 0)  # Monday 09:00
    with time_machine.travel(
        at(2026, 11, 23, 16, 0), tick=False
    ):  # Monday; Tuesday 24/11 is a holiday
        monday = new_ticket(customer, queue)
    assert monday.first_response_due_at == at(2026, 11, 25, 9, 0)
    with time_machine.travel(at(2027, 2, 3, 16, 30), tick=False):  # just before lunar Tết 2027
        tet = new_ticket(customer, queue)
    assert tet.first_response_due_at == at(2027, 2, 11, 9, 30)


def test_policy_precedence_and_conditions(always, customer, queue, other_queue):
    vip = SegmentFactory(code="vip")
    make_policy(always, name="Fallback", position=100, fr=600)
    make_policy(always, name="Complaints", position=10, fr=30, queues=[other_queue])
    make_policy(
        always, name="VIP urgent", position=5, fr=5, segments=[vip], priorities=[Priority.URGENT]
    )
    make_policy(always, name="Zalo", position=1, fr=1, channels=[ChannelKind.ZALO], is_active=False)
    assert new_ticket(customer, queue).sla_policy.name == "Fallback"
    assert new_ticket(customer, other_queue).sla_policy.name == "Complaints"
    customer.segment = vip
    customer.save()
    assert new_ticket(customer, queue, priority=Priority.URGENT).sla_policy.name == "VIP urgent"
    assert new_ticket(customer, queue, priority=Priority.HIGH).sla_policy.name == "Fallback"


def test_no_policy_means_no_clock(customer, queue):
    ticket = new_ticket(customer, queue)
    assert ticket.sla_policy is None
    assert ticket.first_response_due_at is None and ticket.sla_next_check_at is None


def test_first_reply_meets_first_response(always, customer, queue, agent):
    make_policy(always)
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        ticket = new_ticket(customer, queue)
    with time_machine.travel(at(2026, 11, 23, 9, 10), tick=False):
        services.reply(ticket=ticket, by=agent, body="ok")
    ticket = fresh(ticket)
    assert ticket.first_responded_at <= ticket.first_response_due_at
    assert ticket.sla_next_check_at == ticket.resolution_warn_at


def test_customer_message_starts_next_response_and_reply_meets_it(always, customer, queue, agent):
    make_policy(always, nr=30)
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        ticket = new_ticket(customer, queue)
        services.reply(ticket=ticket, by=agent, body="ok")
    with time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):
        services.add_customer_message(ticket=ticket, body="still broken")
    assert fresh(ticket).next_response_due_at == at(2026, 11, 23, 10, 30)
    with time_machine.travel(at(2026, 11, 23, 10, 20), tick=False):
        # a second message does not push the clock back
        services.add_customer_message(ticket=ticket, body="hello?")
    assert fresh(ticket).next_response_due_at == at(2026, 11, 23, 10, 30)
    with time_machine.travel(at(2026, 11, 23, 10, 25), tick=False):
        services.reply(ticket=ticket, by=agent, body="fixed")
    assert fresh(ticket).next_response_due_at is None


def test_pending_pauses_and_resuming_shifts_by_paused_business_time(office, customer, queue, agent):
    make_policy(office, fr=60, res=240)
    with time_machine.travel(at(2026, 11, 25, 9, 0), tick=False):  # Wednesday
        ticket = new_ticket(customer, queue)
    assert ticket.resolution_due_at == at(2026, 11, 25, 14, 0)
    with time_machine.travel(at(2026, 11, 25, 9, 30), tick=False):
        services.reply(ticket=ticket, by=agent, body="need your order number", status=S.PENDING)
    paused = fresh(ticket)
    assert paused.sla_paused_at == at(2026, 11, 25, 9, 30)
    assert paused.sla_next_check_at is None
    with time_machine.travel(at(2026, 11, 26, 9, 30), tick=False):  # one business day later
        services.add_customer_message(ticket=ticket, body="it is 12345")
    resumed = fresh(ticket)
    assert resumed.status == S.OPEN and resumed.sla_paused_at is None
    # 3.5 business hours were left at 09:30 on Wednesday: 09:30 + 2.5h, lunch, + 1h = 14:00 Thu.
    assert resumed.resolution_due_at == at(2026, 11, 26, 14, 0)


def test_solving_stops_resolution_and_reopening_resumes_it(always, customer, queue, agent):
    make_policy(always, res=120)
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        ticket = new_ticket(customer, queue)
    with time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):
        services.solve_ticket(ticket=ticket, by=agent)
    assert fresh(ticket).sla_next_check_at is None
    with time_machine.travel(at(2026, 11, 24, 10, 0), tick=False):
        services.reopen_ticket(ticket=ticket, by=agent)
    assert fresh(ticket).resolution_due_at == at(2026, 11, 24, 11, 0)


def test_closing_stops_every_clock(always, customer, queue, agent):
    make_policy(always)
    ticket = new_ticket(customer, queue)
    services.close_ticket(ticket=ticket, by=agent)
    assert fresh(ticket).sla_next_check_at is None


def test_policy_edit_applies_to_new_tickets_only(always, customer, queue, agent):
    policy = make_policy(always, nr=30)
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        old = new_ticket(customer, queue)
        services.reply(ticket=old, by=agent, body="ok")
    policy.targets.update(next_response_minutes=300)
    with time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):
        services.add_customer_message(ticket=old, body="again")
        new = new_ticket(customer, queue)
        services.reply(ticket=new, by=agent, body="ok")
        services.add_customer_message(ticket=new, body="again")
    assert fresh(old).next_response_due_at == at(2026, 11, 23, 10, 30)
    assert fresh(new).next_response_due_at == at(2026, 11, 23, 15, 0)


# --- the sweep


@pytest.fixture
def lead(queue):
    user = UserFactory(username="lead", email="lead@example.vn")
    queue.lead = user
    queue.save()
    return user


def test_sweep_warns_then_breaches_once_and_escalates(
    always, customer, queue, agent, lead, django_capture_on_commit_callbacks
):
    escalation = QueueFactory(code="escalation")
    make_policy(always, fr=60, res=600, escalate_to_queue=escalation)
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        ticket = new_ticket(customer, queue)
        services.assign_ticket(ticket=ticket, agent=agent, by=lead)
    assert sla.sweep(now=at(2026, 11, 23, 9, 47)).tickets == 0

    warned = sla.sweep(now=at(2026, 11, 23, 9, 50))
    assert (warned.warnings, warned.breaches) == (1, 0)
    assert fresh(ticket).sla_next_check_at == at(2026, 11, 23, 10, 0)

    with django_capture_on_commit_callbacks(execute=True):
        breached = sla.sweep(now=at(2026, 11, 23, 10, 1))
    assert (breached.warnings, breached.breaches) == (0, 1)
    ticket = fresh(ticket)
    assert ticket.sla_breached
    assert ticket.priority == Priority.HIGH
    assert ticket.queue == escalation and ticket.assignee is None
    assert ticket.sla_next_check_at == ticket.resolution_warn_at
    event = SLAEvent.objects.get(kind=SLAEventKind.BREACH)
    assert (event.metric, event.due_at) == (SLAMetric.FIRST_RESPONSE, at(2026, 11, 23, 10, 0))
    assert (event.queue, event.assignee) == (queue, agent)
    # the breach mail went out through the eager task to assignee and lead
    [message] = mail.outbox
    assert sorted(message.to) == ["agent@example.com", "lead@example.vn"]
    assert ticket.reference in message.subject
    assert SLAEvent.objects.get(pk=event.pk).notified_at is not None

    # Running again, or re-checking past thresholds after a transition, records nothing new.
    assert sla.sweep(now=at(2026, 11, 23, 10, 2)).tickets == 0
    Ticket.objects.filter(pk=ticket.pk).update(sla_next_check_at=at(2026, 11, 23, 9, 0))
    again = sla.sweep(now=at(2026, 11, 23, 10, 3))
    assert (again.tickets, again.warnings, again.breaches) == (1, 0, 0)
    assert SLAEvent.objects.count() == 2
    assert fresh(ticket).priority == Priority.HIGH
    assert len(mail.outbox) == 1


def test_a_met_target_never_breaches(always, customer, queue, agent):
    make_policy(always, fr=60, res=600)
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        ticket = new_ticket(customer, queue)
    with time_machine.travel(at(2026, 11, 23, 9, 30), tick=False):
        services.reply(ticket=ticket, by=agent, body="ok")
    sla.sweep(now=at(2026, 11, 23, 11, 0))
    assert not SLAEvent.objects.filter(metric=SLAMetric.FIRST_RESPONSE).exists()
    assert not fresh(ticket).sla_breached


def test_paused_ticket_is_not_swept(always, customer, queue, agent):
    make_policy(always, fr=60)
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        ticket = new_ticket(customer, queue)
        services.change_status(ticket=ticket, to=S.PENDING, by=agent)
    assert sla.sweep(now=at(2026, 11, 30, 9, 0)).tickets == 0
    assert not SLAEvent.objects.exists()


def test_sweep_reads_only_due_tickets(always, customer, queue, django_assert_max_num_queries):
    make_policy(always, fr=60, res=6000)
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        due = [new_ticket(customer, queue) for _ in range(3)]
    with time_machine.travel(at(2026, 11, 23, 12, 0), tick=False):
        for _ in range(20):
            new_ticket(customer, queue)
    result = sla.sweep(now=at(2026, 11, 23, 10, 30))
    assert result.tickets == 3 and result.breaches == 3
    assert {e.ticket_id for e in SLAEvent.objects.filter(kind="breach")} == {t.pk for t in due}


def test_sweep_batches_until_nothing_is_due(always, customer, queue):
    make_policy(always, fr=60)
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        for _ in range(7):
            new_ticket(customer, queue)
    result = sla.sweep(now=at(2026, 11, 23, 10, 30), batch_size=3)
    assert result.tickets == 7 and result.breaches == 7


def test_sla_sweep_task_twice_gives_the_same_events(always, customer, queue):
    from tickets.tasks import sla_sweep_task

    make_policy(always, fr=1, res=2)
    with time_machine.travel(datetime.now(UTC) - timedelta(minutes=10), tick=False):
        new_ticket(customer, queue)
    first = sla_sweep_task.delay().get()
    second = sla_sweep_task.delay().get()
    assert first["breaches"] == 2 and second["breaches"] == 0
    assert SLAEvent.objects.filter(kind="breach").count() == 2
