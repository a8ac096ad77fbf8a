from datetime import timedelta

import pytest
from django.utils import timezone

from tests.concurrency import in_threads, postgres_only
from tests.factories import (
    AgentFactory,
    CustomerFactory,
    QueueFactory,
    ReasonFactory,
    SkillFactory,
    TicketFactory,
)
from tickets import routing, services
from tickets.models import AgentProfile, Presence, Ticket, TicketStatus

pytestmark = pytest.mark.django_db


def online(username, queue, *, skills=(), languages=("vi", "en"), capacity=10):
    user = AgentFactory(username=username, queues=[queue])
    profile = user.agent_profile
    profile.presence = Presence.ONLINE
    profile.capacity = capacity
    profile.languages = list(languages)
    profile.save()
    profile.skills.set(skills)
    return user


def waiting(queue, **kwargs):
    return TicketFactory(queue=queue, **kwargs)


def route(ticket):
    return routing.route_ticket(ticket_id=ticket.pk)


def test_routes_to_online_agent_of_the_queue(queue, other_queue):
    online("elsewhere", other_queue)
    agent = online("an", queue)
    offline = AgentFactory(username="offline", queues=[queue])
    assert offline.agent_profile.presence == Presence.OFFLINE
    ticket = waiting(queue)
    assert route(ticket) == agent
    assert Ticket.objects.get(pk=ticket.pk).assignee == agent
    assert AgentProfile.objects.get(user=agent).last_assigned_at is not None


def test_requires_every_skill_of_queue_and_reason(queue):
    billing, warranty = SkillFactory(code="billing"), SkillFactory(code="warranty")
    queue.required_skills.add(billing)
    reason = ReasonFactory()
    reason.required_skills.add(warranty)
    online("billing-only", queue, skills=[billing])
    both = online("both", queue, skills=[billing, warranty])
    assert route(waiting(queue, reason=reason)) == both
    assert route(waiting(queue)) in {
        both,
        AgentFactory._meta.model.objects.get(username="billing-only"),
    }


def test_requires_the_tickets_language(queue):
    online("vi-only", queue, languages=["vi"])
    assert route(waiting(queue, language="en")) is None
    english = online("en", queue, languages=["en"])
    assert route(waiting(queue, language="en")) == english


def test_least_loaded_then_longest_idle(queue):
    busy = online("busy", queue)
    idle = online("idle", queue)
    waiting(queue, assignee=busy, status=TicketStatus.OPEN)
    assert route(waiting(queue)) == idle  # load 0 beats load 1
    # both at load 1 now; busy was never routed to (idle first = null last_assigned_at first)
    assert route(waiting(queue)) == busy


def test_equal_agents_take_turns(queue):
    agents = [online(f"a{i}", queue, capacity=100) for i in range(3)]
    order = []
    for _ in range(6):
        # Solve each ticket at once so load stays equal and only idleness decides.
        agent = route(waiting(queue))
        order.append(agent.username)
        Ticket.objects.filter(assignee=agent).update(status=TicketStatus.SOLVED)
    assert order[:3] == order[3:] and set(order) == {a.username for a in agents}


def test_solved_tickets_do_not_count_as_load(queue):
    agent = online("one", queue, capacity=1)
    waiting(queue, assignee=agent, status=TicketStatus.SOLVED)
    assert route(waiting(queue)) == agent


def test_full_agents_leave_the_ticket_in_the_queue_until_someone_comes_online(
    queue, django_capture_on_commit_callbacks
):
    full = online("full", queue, capacity=1)
    waiting(queue, assignee=full, status=TicketStatus.OPEN)
    ticket = waiting(queue)
    assert route(ticket) is None
    assert routing.waiting_ticket_ids() == [ticket.pk]
    later = AgentFactory(username="later", queues=[queue])
    with django_capture_on_commit_callbacks(execute=True):
        routing.set_presence(profile=later.agent_profile, presence=Presence.ONLINE)
    assert Ticket.objects.get(pk=ticket.pk).assignee == later


def test_assigned_solved_or_manual_queue_tickets_are_not_routed(queue):
    agent = online("agent-x", queue)
    assert route(waiting(queue, assignee=agent)) is None
    assert route(waiting(queue, status=TicketStatus.PENDING)) is None
    manual = QueueFactory(code="manual", auto_assign=False)
    online("manual-agent", manual)
    assert route(waiting(manual)) is None


def test_new_ticket_is_routed_after_commit(queue, customer, django_capture_on_commit_callbacks):
    agent = online("on-duty", queue)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.create_ticket(customer=customer, subject="s", body="b", queue=queue)
    assert Ticket.objects.get(pk=ticket.pk).assignee == agent


def test_waiting_task_routes_oldest_first(queue):
    from tickets.tasks import route_waiting_tickets_task

    agent = online("single", queue, capacity=1)
    old = waiting(queue, created_at=timezone.now() - timedelta(hours=2))
    waiting(queue)
    assert route_waiting_tickets_task.delay().get() == 1
    assert Ticket.objects.get(pk=old.pk).assignee == agent


def test_candidates_query_count_is_constant(queue, django_assert_num_queries):
    for i in range(3):
        online(f"c{i}", queue, skills=[SkillFactory(code=f"s{i}")])
    ticket = waiting(queue, reason=ReasonFactory())
    ticket = Ticket.objects.select_related("queue", "reason").get(pk=ticket.pk)
    with django_assert_num_queries(3):  # queue skills, reason skills, candidates
        routing.candidates(ticket)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_routing_never_exceeds_capacity_nor_double_assigns():
    queue = QueueFactory(code="race")
    agents = [online(f"racer{i}", queue, capacity=3) for i in range(4)]
    customer = CustomerFactory()
    tickets = [TicketFactory(queue=queue, customer=customer) for _ in range(40)]
    ids = [t.pk for t in tickets]

    # Four workers each try to route every ticket, in different orders, at the same time.
    def work(i):
        for ticket_id in ids[i::1] if i % 2 == 0 else reversed(ids):
            routing.route_ticket(ticket_id=ticket_id)

    in_threads(4, work)
    loads = {a.username: Ticket.objects.filter(assignee=a).count() for a in agents}
    assert all(load <= 3 for load in loads.values()), loads
    assert sum(loads.values()) == 12  # every agent filled exactly to capacity
    history_assignments = Ticket.history.filter(history_change_reason="routed").count()
    assert history_assignments == 12  # no ticket was assigned twice
