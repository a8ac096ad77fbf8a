"""The rollup path (facts + daily rollups, refreshed incrementally) gives exactly the figures a
direct computation from the source tables gives, on generated data."""

import math
import random
import statistics
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from channels.models import Action, ActionKind, Event, Interaction, Outcome
from cim_site.analytics.metrics import journey_metrics, operations_metrics
from cim_site.analytics.models import InteractionDayRollup, TicketFact
from cim_site.analytics.refresh import rebuild_all, refresh_changed
from tests.factories import AgentFactory, CustomerFactory, QueueFactory
from tickets import services
from tickets.errors import TicketError
from tickets.models import (
    OPEN_STATUSES,
    AuthorType,
    MessageKind,
    Ticket,
    TicketMessage,
)
from tickets.models_activity import Activity, ActivityKind

from .conftest import at

pytestmark = pytest.mark.django_db
START = date(2026, 1, 1)
DAYS = 20
PERIOD = {"date_from": date(2026, 1, 3), "date_to": date(2026, 1, 17)}


def generate(rng, *, policy, reasons, channels, segment):
    queues = [QueueFactory(code=f"q{i}", name=f"Queue {i}") for i in range(2)]
    agents = [AgentFactory(username=f"a{i}", queues=queues) for i in range(3)]
    customers = [CustomerFactory(segment=segment if i % 2 else None) for i in range(6)]
    kinds = list(ActivityKind.objects.all())
    for _ in range(30):
        customer = rng.choice(customers)
        created = at(2026, 1, 1) + timedelta(minutes=rng.randrange(DAYS * 24 * 60))
        with time_machine.travel(created, tick=False):
            ticket = services.create_ticket(
                customer=customer,
                subject="s",
                body="b",
                queue=rng.choice(queues),
                channel=rng.choice(["email", "phone", "web_chat"]),
                reason=rng.choice([*reasons, None]),
            )
        moment = created
        for _step in range(rng.randrange(5)):
            moment += timedelta(minutes=rng.randrange(5, 600))
            action = rng.choice(["reply", "reply", "solve", "customer", "pending", "move"])
            with time_machine.travel(moment, tick=False):
                try:
                    if action == "reply":
                        services.reply(ticket=ticket, by=rng.choice(agents), body="r")
                    elif action == "pending":
                        services.reply(ticket=ticket, by=agents[0], body="r", status="pending")
                    elif action == "solve":
                        services.solve_ticket(ticket=ticket, by=agents[0])
                    elif action == "customer":
                        services.add_customer_message(ticket=ticket, body="c")
                    else:
                        services.move_ticket(ticket=ticket, queue=rng.choice(queues), by=agents[0])
                except TicketError:
                    pass
    for _ in range(40):
        customer = rng.choice(customers)
        started = at(2026, 1, 1) + timedelta(minutes=rng.randrange(DAYS * 24 * 60))
        kind = rng.choice(["email", "phone", "web_chat"])
        ticket = rng.choice([None, *Ticket.objects.filter(customer=customer)])
        interaction = Interaction.objects.create(
            customer=customer,
            channel=channels[kind],
            started_at=started,
            ticket=ticket,
            agent=rng.choice([None, *agents]),
            outcome=rng.choice(["", Outcome.ABANDONED]) if kind == "phone" else "",
        )
        action_kinds = {
            "phone": [ActionKind.IVR, ActionKind.AGENT],
            "web_chat": [ActionKind.BOT, ActionKind.AGENT],
            "email": [ActionKind.MESSAGE],
        }[kind]
        for action_kind in rng.sample(action_kinds, rng.randrange(len(action_kinds) + 1)):
            begin = started + timedelta(minutes=rng.randrange(3))
            action = Action.objects.create(
                interaction=interaction,
                kind=action_kind,
                started_at=begin,
                ended_at=begin + timedelta(seconds=rng.randrange(30, 900)),
                outcome=rng.choice(["", Outcome.RESOLVED, Outcome.TRANSFERRED]),
            )
            for _e in range(rng.randrange(4)):
                Event.objects.create(action=action, interaction=interaction, kind="e")
        if rng.random() < 0.5:
            activity = services.log_activity(
                kind=rng.choice(kinds),
                agent=agents[0],
                interaction=interaction,
                ticket=interaction.ticket,
                minutes=rng.randrange(1, 20),
            )
            Activity.objects.filter(pk=activity.pk).update(
                created_at=started + timedelta(minutes=30)
            )


# --- the direct computation, from the source tables only ------------------------------------


def local(dt):
    return timezone.localtime(dt).date() if dt else None


def median(values):
    return round(statistics.median(values), 1) if values else None


def p90(values):
    return round(sorted(values)[math.ceil(0.9 * len(values)) - 1], 1) if values else None


def rate(a, b):
    return round(a / b, 4) if b else None


def inside(d):
    return d is not None and PERIOD["date_from"] <= d <= PERIOD["date_to"]


def direct_ticket_figures():
    tickets = list(Ticket.objects.all())
    fr, res, solved, fcr, reopened = [], [], 0, 0, 0
    fr_due = fr_met = res_due = res_met = 0
    created = sum(inside(local(t.created_at)) for t in tickets)
    now = timezone.now()
    for t in tickets:
        history = list(t.history.order_by("history_date", "history_id"))
        reopens = sum(
            1
            for a, b in zip(history, history[1:], strict=False)
            if a.status in ("solved", "closed") and b.status in OPEN_STATUSES
        )
        if t.first_responded_at and inside(local(t.first_responded_at)):
            fr.append(round((t.first_responded_at - t.created_at).total_seconds() / 60, 2))
        if t.solved_at and inside(local(t.solved_at)):
            solved += 1
            res.append(round((t.solved_at - t.created_at).total_seconds() / 60, 2))
            replies = TicketMessage.objects.filter(
                ticket=t, kind=MessageKind.PUBLIC, author_type=AuthorType.AGENT
            ).count()
            repeat = Ticket.objects.filter(
                customer=t.customer,
                reason=t.reason,
                created_at__gt=t.created_at,
                created_at__lte=t.solved_at + timedelta(days=7),
            ).exclude(pk=t.pk)
            fcr += replies <= 1 and reopens == 0 and not repeat.exists()
            reopened += reopens > 0
        running = t.status not in ("solved", "closed") and t.sla_paused_at is None
        for due, done, kind in (
            (t.first_response_due_at, t.first_responded_at, "fr"),
            (t.resolution_due_at, t.solved_at, "res"),
        ):
            if due is None or not inside(local(due)):
                continue
            met = (done <= due) if done else (False if running and due <= now else None)
            if met is None:
                continue
            if kind == "fr":
                fr_due, fr_met = fr_due + 1, fr_met + met
            else:
                res_due, res_met = res_due + 1, res_met + met
    end = PERIOD["date_to"]
    backlog = sum(
        1
        for t in tickets
        if local(t.created_at) <= end and (t.solved_at is None or local(t.solved_at) > end)
    )
    return {
        "tickets_created": created,
        "tickets_solved": solved,
        "backlog": backlog,
        "first_response_minutes_median": median(fr),
        "first_response_minutes_p90": p90(fr),
        "resolution_minutes_median": median(res),
        "resolution_minutes_p90": p90(res),
        "fcr_rate": rate(fcr, solved),
        "reopen_rate": rate(reopened, solved),
        "sla_first_response_compliance": rate(fr_met, fr_due),
        "sla_resolution_compliance": rate(res_met, res_due),
    }


def direct_interaction_figures():
    interactions = [i for i in Interaction.objects.all() if inside(local(i.started_at))]
    talk = handled = actions = events = 0
    bot = contained = handoff = ivr = abandoned = returned = 0
    for i in interactions:
        mine = list(i.actions.all())
        actions += len(mine)
        events += i.events.count()
        agent_actions = [a for a in mine if a.kind == ActionKind.AGENT]
        handled += bool(agent_actions)
        talk += sum((a.ended_at - a.started_at).total_seconds() for a in agent_actions)
        for a in mine:
            if a.kind == ActionKind.BOT:
                bot += 1
                if a.outcome == Outcome.TRANSFERRED:
                    handoff += 1
                elif not Ticket.objects.filter(
                    customer=i.customer,
                    created_at__gte=a.started_at,
                    created_at__lte=a.started_at + timedelta(hours=24),
                ).exists():
                    contained += 1
        if i.channel.kind == "phone" and any(a.kind == ActionKind.IVR for a in mine):
            ivr += 1
            if i.outcome == Outcome.ABANDONED or any(a.outcome == "abandoned" for a in mine):
                abandoned += 1
                returned += (
                    Interaction.objects.filter(
                        customer=i.customer,
                        started_at__gt=i.started_at,
                        started_at__lte=i.started_at + timedelta(days=7),
                    )
                    .exclude(channel__kind="phone")
                    .exists()
                )
    activity = [a for a in Activity.objects.all() if inside(local(a.started_at or a.created_at))]
    worked = talk + sum(float(a.minutes) * 60 for a in activity)
    acw = sum(float(a.minutes) * 60 for a in activity if a.kind.code == "wrap-up")
    return {
        "contacts": len(interactions),
        "aht_minutes": round(worked / 60 / handled, 1) if handled else None,
        "acw_share": rate(acw, worked),
    }, {
        "events_per_action": round(events / actions, 2) if actions else None,
        "actions_per_interaction": round(actions / len(interactions), 2) if interactions else None,
        "bot_containment_rate": rate(contained, bot),
        "bot_handoff_rate": rate(handoff, bot),
        "ivr_abandon_rate": rate(abandoned, ivr),
        "ivr_abandon_returned_rate": rate(returned, abandoned),
    }


def snapshot():
    facts = sorted(
        tuple(v for k, v in row.items() if k != "refreshed_at")
        for row in TicketFact.objects.values()
    )  # ticket ids are unique and first
    rollups = sorted(
        (
            tuple(v for k, v in row.items() if k != "id")
            for row in InteractionDayRollup.objects.values()
        ),
        key=repr,
    )
    return facts, rollups


@pytest.mark.parametrize("seed", [1, 7])
def test_rollup_path_equals_direct_computation(
    seed, supervisor, policy, reasons, channels, segment
):
    generate(
        random.Random(seed), policy=policy, reasons=reasons, channels=channels, segment=segment
    )
    rebuild_all()
    ops = operations_metrics(user=supervisor, group_by="week", **PERIOD)["totals"]
    tickets = direct_ticket_figures()
    contacts, journey = direct_interaction_figures()
    assert {k: ops[k] for k in tickets} == tickets
    assert {k: ops[k] for k in contacts} == contacts
    got = journey_metrics(user=supervisor, group_by="channel", **PERIOD)["totals"]
    assert {k: got[k] for k in journey} == journey
    # Grouped rows add up to the totals for the additive figures.
    by_queue = operations_metrics(user=supervisor, group_by="queue", **PERIOD)["results"]
    assert sum(r["tickets_created"] for r in by_queue) == tickets["tickets_created"]
    assert sum(r["tickets_solved"] for r in by_queue) == tickets["tickets_solved"]
    by_day = operations_metrics(user=supervisor, group_by="day", **PERIOD)["results"]
    assert sum(r["contacts"] for r in by_day) == contacts["contacts"]


def test_incremental_refresh_equals_rebuild_and_is_idempotent(
    supervisor, policy, reasons, channels, segment, agent, queue
):
    generate(random.Random(3), policy=policy, reasons=reasons, channels=channels, segment=segment)
    refresh_changed()  # first run: everything
    # Changes after the watermark: a new ticket of an earlier customer, a reply, a solve and a
    # reopen on old tickets, a new contact.
    old = list(Ticket.objects.order_by("id")[:3])
    services.create_ticket(
        customer=old[0].customer, subject="again", body="b", queue=queue, reason=old[0].reason
    )
    services.reply(ticket=old[1], by=agent, body="r")
    try:
        services.solve_ticket(ticket=old[2], by=agent)
        services.add_customer_message(ticket=old[2], body="not fixed")
    except TicketError:
        pass
    Interaction.objects.create(customer=old[1].customer, channel=channels["email"])
    refresh_changed()
    incremental = snapshot()
    refresh_changed()
    assert snapshot() == incremental
    rebuild_all()
    assert snapshot() == incremental


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="percentiles in SQL need PostgreSQL (DATABASE_URL)"
)
@pytest.mark.parametrize("seed", [2, 5])
def test_database_percentiles_equal_python_percentiles(
    seed, supervisor, policy, reasons, channels, segment, monkeypatch
):
    """PostgreSQL computes the medians and p90 with percentile_disc (GROUPING SETS for the
    total); they are exactly the Python definitions, for every grouping, visible set and in the
    same number of queries."""
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    from cim_site.analytics import metrics

    generate(
        random.Random(seed), policy=policy, reasons=reasons, channels=channels, segment=segment
    )
    rebuild_all()
    from tickets.models import Queue

    agent = AgentFactory(username="one-queue", queues=[Queue.objects.get(code="q0")])
    for user in (supervisor, agent):
        operations_metrics(user=user, group_by="day", **PERIOD)  # per-user lookups cached
        for group_by in metrics.GROUPS:
            with CaptureQueriesContext(conn) as in_sql:
                got = operations_metrics(user=user, group_by=group_by, **PERIOD)
            with monkeypatch.context() as patch:
                patch.setattr(metrics, "percentiles_in_database", lambda: False)
                with CaptureQueriesContext(conn) as in_python:
                    expected = operations_metrics(user=user, group_by=group_by, **PERIOD)
            assert got == expected, group_by
            assert len(in_sql) == len(in_python)
    assert any(
        r["first_response_minutes_median"] is not None
        for r in operations_metrics(user=supervisor, group_by="day", **PERIOD)["results"]
    )
