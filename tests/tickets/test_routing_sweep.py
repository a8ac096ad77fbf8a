"""The routing sweep works per queue where an online agent has room; a ticket skipped because
someone else held its row is tried again; solving frees capacity and routes at once."""

import threading

import pytest
from django.db import transaction

from tests.concurrency import in_threads, postgres_only
from tests.factories import (
    AgentFactory,
    CustomerFactory,
    QueueFactory,
    SkillFactory,
    TicketFactory,
)
from tickets import routing, services, tasks
from tickets.models import Presence, Ticket, TicketStatus

pytestmark = pytest.mark.django_db


def online(username, queues, *, capacity=10, skills=(), languages=("vi", "en")):
    user = AgentFactory(username=username, queues=list(queues))
    profile = user.agent_profile
    profile.presence = Presence.ONLINE
    profile.capacity = capacity
    profile.languages = list(languages)
    profile.save()
    profile.skills.set(skills)
    return user


def waiting(queue, count, **kwargs):
    customer = CustomerFactory()
    return [TicketFactory(queue=queue, customer=customer, **kwargs) for _ in range(count)]


@pytest.fixture
def attempts(monkeypatch):
    """Counts route attempts, so the tests can see that cost follows assignable work."""
    tried = []
    real = routing.route_ticket_outcome

    def counting(*, ticket_id, now=None):
        tried.append(ticket_id)
        return real(ticket_id=ticket_id, now=now)

    monkeypatch.setattr(routing, "route_ticket_outcome", counting)
    return tried


def test_a_backlog_in_an_unstaffed_queue_hides_nothing_and_costs_nothing(attempts):
    unstaffed, staffed = QueueFactory(code="unstaffed"), QueueFactory(code="staffed")
    waiting(unstaffed, 250)  # older than everything in the staffed queue, and more than 200
    mine = waiting(staffed, 3)
    agent = online("an", [staffed])

    assert tasks.route_waiting_tickets_task() == 3
    assert set(Ticket.objects.filter(assignee=agent).values_list("pk", flat=True)) == {
        t.pk for t in mine
    }
    assert set(attempts) == {t.pk for t in mine}  # the unstaffed backlog was never looked at


def test_the_sweep_takes_only_as_many_as_there_is_room_for(attempts):
    queue = QueueFactory(code="busy")
    tickets = waiting(queue, 30)
    agent = online("an", [queue], capacity=4)
    TicketFactory(queue=queue, assignee=agent, status=TicketStatus.OPEN)  # load 1, room 3

    assert routing.sweep() == 3
    assert (
        list(Ticket.objects.filter(assignee=agent, status=TicketStatus.NEW).order_by("pk"))
        == tickets[:3]
    )  # oldest first
    assert len(attempts) == 3
    assert routing.sweep() == 0  # full: nothing tried at all
    assert len(attempts) == 3


def test_nobody_online_means_no_work():
    queue = QueueFactory(code="night")
    waiting(queue, 5)
    AgentFactory(username="asleep", queues=[queue])
    assert routing.free_capacity_by_queue() == {}
    assert routing.sweep() == 0


def test_tickets_an_agent_cannot_take_are_passed_over_for_younger_ones_they_can():
    queue = QueueFactory(code="mixed")
    waiting(queue, 5, language="en")  # oldest, but the online agent speaks only Vietnamese
    vi = waiting(queue, 2, language="vi")
    agent = online("vi-only", [queue], languages=("vi",))
    assert routing.sweep() == 2
    assert set(Ticket.objects.filter(assignee=agent)) == set(vi)


def test_tickets_needing_a_missing_skill_do_not_block_the_queue():
    queue = QueueFactory(code="skills")
    from tests.factories import ReasonFactory

    reason = ReasonFactory()
    reason.required_skills.add(SkillFactory(code="warranty"))
    waiting(queue, 4, reason=reason)
    plain = waiting(queue, 1)
    agent = online("plain", [queue])
    assert routing.sweep() == 1
    assert list(Ticket.objects.filter(assignee=agent)) == plain


def test_each_staffed_queue_is_served(attempts):
    queues = [QueueFactory(code=f"q{i}") for i in range(4)]
    for queue in queues:
        waiting(queue, 3)
    online("two-queues", queues[:2], capacity=4)
    online("third", [queues[2]], capacity=1)
    # queues[3] has nobody
    assert routing.sweep() == 5
    per_queue = {
        q.code: Ticket.objects.filter(queue=q, assignee__isnull=False).count() for q in queues
    }
    assert per_queue["q2"] == 1 and per_queue["q3"] == 0
    assert per_queue["q0"] + per_queue["q1"] == 4


def test_solving_frees_capacity_and_routes_the_agents_queues_at_once(
    django_capture_on_commit_callbacks,
):
    queue = QueueFactory(code="one-at-a-time")
    agent = online("an", [queue], capacity=1)
    first, second = waiting(queue, 2)
    assert routing.sweep() == 1
    first.refresh_from_db()
    assert first.assignee == agent
    assert Ticket.objects.get(pk=second.pk).assignee is None

    with django_capture_on_commit_callbacks(execute=True):
        services.solve_ticket(ticket=first, by=agent)
    assert Ticket.objects.get(pk=second.pk).assignee == agent


def test_a_locked_ticket_is_retried_by_the_task(monkeypatch):
    queue = QueueFactory(code="locked")
    (ticket,) = waiting(queue, 1)
    online("an", [queue])
    scheduled = []
    monkeypatch.setattr(
        routing, "route_ticket_outcome", lambda **kw: (None, routing.Outcome.LOCKED)
    )
    monkeypatch.setattr(
        tasks.route_ticket_task,
        "apply_async",
        lambda args, kwargs, countdown, retry: scheduled.append((args, kwargs, countdown)),
    )
    tasks.route_ticket_task(ticket.pk)
    assert scheduled == [((ticket.pk,), {"tries": 1}, 2)]
    # Bounded: after the last try the beat sweep is what reaches it.
    scheduled.clear()
    tasks.route_ticket_task(ticket.pk, tries=tasks.RETRY_TRIES)
    assert scheduled == []


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_ticket_locked_by_someone_who_did_not_assign_it_is_routed_after_all():
    """The sentiment task (or an agent) holds the row while the router looks: the router says
    LOCKED, not 'taken', and the retry routes it once the lock is gone."""
    queue = QueueFactory(code="held")
    (ticket,) = waiting(queue, 1)
    agent = online("an", [queue])
    holding, release = threading.Event(), threading.Event()

    def hold(i):
        with transaction.atomic():
            Ticket.objects.select_for_update().get(pk=ticket.pk)
            Ticket.objects.filter(pk=ticket.pk).update(priority=1)
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=in_threads, args=(1, hold))
    holder.start()
    assert holding.wait(10)
    try:
        assert routing.route_ticket_outcome(ticket_id=ticket.pk) == (None, routing.Outcome.LOCKED)
    finally:
        release.set()
        holder.join()
    # The retry (run here as the worker would, a moment later) now routes it.
    tasks.route_ticket_task(ticket.pk, tries=1)
    assert Ticket.objects.get(pk=ticket.pk).assignee == agent


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_fill_capacity_exactly_and_leave_nothing_routable():
    queues = [QueueFactory(code=f"race{i}") for i in range(3)]
    waiting(QueueFactory(code="nobody"), 50)
    for queue in queues:
        waiting(queue, 15)
    agents = [
        online(f"racer{i}", [queues[i % 3], queues[(i + 1) % 3]], capacity=4) for i in range(6)
    ]

    in_threads(4, lambda i: routing.sweep())

    loads = {a.username: Ticket.objects.filter(assignee=a).count() for a in agents}
    assert all(load <= 4 for load in loads.values()), loads
    assert sum(loads.values()) == 24  # every agent filled to capacity
    assert Ticket.history.filter(history_change_reason="routed").count() == 24
    assert routing.free_capacity_by_queue() == {}
