"""Routing under contention on PostgreSQL: sweeps racing each other, a 'sentiment task' holding
ticket rows while it raises priorities, and agents solving tickets (which frees capacity). No
agent ever goes over capacity, no ticket is assigned twice, and once the next beat sweep has
run nothing waits while an online agent of its queue has room."""

import random

import pytest
from django.db import transaction

from tests.concurrency import in_threads, postgres_only
from tests.factories import AgentFactory, CustomerFactory, QueueFactory, TicketFactory
from tickets import routing, services
from tickets.models import OPEN_STATUSES, Presence, Ticket, TicketStatus

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CAPACITY = 3


def _online(username, queues):
    user = AgentFactory(username=username, queues=queues)
    profile = user.agent_profile
    profile.presence = Presence.ONLINE
    profile.capacity = CAPACITY
    profile.languages = ["vi", "en"]
    profile.save()
    return user


def test_routing_under_contention_never_exceeds_capacity_and_leaves_nothing_routable():
    sales, support, night = (QueueFactory(code=c) for c in ("sales", "support", "night"))
    customer = CustomerFactory()
    for queue, count in ((night, 60), (sales, 20), (support, 20)):
        for _ in range(count):
            TicketFactory(queue=queue, customer=customer)
    agents = [_online("both", [sales, support]), _online("sales", [sales])]
    agents.append(_online("support", [support]))
    ids = list(Ticket.objects.values_list("pk", flat=True))
    over = []

    def check_capacity():
        for agent in agents:
            load = Ticket.objects.filter(assignee=agent, status__in=OPEN_STATUSES).count()
            if load > CAPACITY:
                over.append((agent.username, load))

    def work(i):
        rng = random.Random(i)
        if i < 2:  # two beat sweeps at once, several times
            for _ in range(5):
                routing.sweep()
                check_capacity()
        elif i == 2:  # the sentiment task: holds rows while it raises priority
            for _ in range(40):
                with transaction.atomic():
                    pk = rng.choice(ids)
                    Ticket.objects.select_for_update().filter(pk=pk).update(priority=1)
        else:  # agents solve what they have, which frees capacity and routes their queues
            for _ in range(6):
                mine = Ticket.objects.filter(
                    assignee__in=agents, status__in=(TicketStatus.NEW, TicketStatus.OPEN)
                ).first()
                if mine is not None:
                    services.solve_ticket(ticket=mine, by=mine.assignee)
                check_capacity()

    in_threads(4, work)
    assert over == []
    routing.sweep()  # the next beat
    check_capacity()
    assert over == []
    assert (
        routing.free_capacity_by_queue() == {}
        or not Ticket.objects.filter(
            assignee__isnull=True, status__in=routing.ROUTABLE, queue__in=[sales, support]
        ).exists()
    )
    assert routing.free_capacity_by_queue() == {}  # 40 tickets, 9 places: everyone is full
    routed = Ticket.history.filter(history_change_reason="routed")
    assert routed.count() == len(set(routed.values_list("id", flat=True)))  # none twice
    assert not Ticket.objects.filter(queue=night, assignee__isnull=False).exists()
