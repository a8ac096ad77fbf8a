import signal
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import CustomerFactory, QueueFactory
from tests.workers.conftest import wait_for
from tickets import services
from tickets.models import (
    BusinessCalendar,
    SLAEvent,
    SLAEventKind,
    SLAMetric,
    SLAPolicy,
    SLATarget,
    Ticket,
)

pytestmark = pytest.mark.worker


def _policy(minutes=1):
    calendar = BusinessCalendar.objects.create(name="24/7", always_open=True, holiday_country="")
    policy = SLAPolicy.objects.create(name="Fast", calendar=calendar, escalate_notify=False)
    for priority in (1, 2, 3, 4):
        SLATarget.objects.create(
            policy=policy,
            priority=priority,
            first_response_minutes=minutes,
            resolution_minutes=minutes * 100,
        )
    return policy


def test_beat_breaches_a_past_due_ticket_through_the_worker(start_worker):
    _policy(minutes=1)
    ticket = services.create_ticket(
        customer=CustomerFactory(), subject="late", body="b", queue=QueueFactory(code="q")
    )
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_due_at=timezone.now() - timedelta(seconds=1),
        sla_next_check_at=timezone.now() - timedelta(seconds=1),
    )
    start_worker(beat=True)
    event = wait_for(
        lambda: SLAEvent.objects.filter(ticket=ticket, kind=SLAEventKind.BREACH).first()
    )
    assert event.metric == SLAMetric.FIRST_RESPONSE
    ticket.refresh_from_db()
    assert ticket.sla_breached and ticket.priority == 3


def test_worker_killed_mid_sweep_leaves_whole_tickets_and_next_sweep_finishes(start_worker):
    """5,000 tickets due at once; the worker is killed while it works through them. Every ticket
    is either fully handled (event + flag + next check) or not at all, and the next sweep finishes
    the rest with exactly one breach per ticket."""
    policy = _policy(minutes=1)
    queue, customer = QueueFactory(code="bulk"), CustomerFactory()
    past = timezone.now() - timedelta(minutes=5)
    Ticket.objects.bulk_create(
        [
            Ticket(
                subject=f"t{i}",
                customer=customer,
                queue=queue,
                reference=f"K{i:04d}-TEST"[:9],
                sla_policy=policy,
                sla_targets={
                    "calendar": policy.calendar_id,
                    "first_response": 1,
                    "resolution": 100,
                },
                first_response_due_at=past,
                first_response_warn_at=past,
                resolution_due_at=past + timedelta(days=1),
                resolution_warn_at=past + timedelta(days=1),
                sla_next_check_at=past,
            )
            for i in range(5000)
        ],
        batch_size=1000,
    )
    total = 5000
    worker = start_worker(beat=True)
    wait_for(lambda: SLAEvent.objects.filter(kind=SLAEventKind.BREACH).count() > 0, every=0.02)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    done = SLAEvent.objects.filter(kind=SLAEventKind.BREACH).count()
    assert 0 < done < total, "the sweep should have been cut off mid-way"
    # Nothing half-done: a ticket has its breach event if and only if it is flagged breached.
    flagged = set(Ticket.objects.filter(sla_breached=True).values_list("id", flat=True))
    with_event = set(
        SLAEvent.objects.filter(kind=SLAEventKind.BREACH).values_list("ticket_id", flat=True)
    )
    assert flagged == with_event

    start_worker(beat=True)
    wait_for(lambda: Ticket.objects.filter(sla_breached=True).count() == total, timeout=120)
    assert SLAEvent.objects.filter(kind=SLAEventKind.BREACH).count() == total
    assert not Ticket.objects.filter(sla_next_check_at__lte=timezone.now()).exists()
