"""Builds the facts and rollups from the source tables.

- `refresh_ticket_facts(ids)`: recomputes the TicketFact rows of those tickets (batched, a
  fixed number of queries per batch);
- `refresh_days(days)`: recomputes the InteractionDayRollup rows of those days;
- `refresh_changed()`: what the beat task runs — the tickets and days touched since the last run
  (a watermark row, locked for the run so two workers never interleave), and always the last
  eight days, whose bot-containment (24 h) and IVR-return (7 days) flags still depend on what
  comes next. Running it twice gives the same rows.
- `rebuild_all()`: everything, for `manage.py rebuild_analytics` and the demo data.

Definitions (issue 10), in one place:
- FCR: solved with at most one public agent reply, never reopened, and the same customer opened
  no other ticket with the same reason between its creation and CIM_FCR_WINDOW_DAYS (7) after it
  was solved;
- reopens: history moves from solved/closed back to an open status; transfers: queue changes
  after creation; escalations: SLA breaches recorded (each breach escalates);
- SLA target met: first response (resolution) stamped no later than its due time; missed: stamped
  later, or still missing when the due time has passed on a running clock; otherwise undecided;
- handle time: talk/chat time of agent actions (start to end) plus logged activity minutes;
  after-contact work: activities of the kind "wrap-up";
- bot contained: a bot action that did not hand off, and no ticket for the customer was opened
  from its start until 24 h after; IVR abandoned: a phone interaction with an IVR action whose
  interaction or action outcome is "abandoned"; returned: the customer had an interaction on a
  channel of another kind within 7 days after.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from channels.models import Action, ActionKind, Event, Interaction, Outcome
from customers.models import ChannelKind
from tickets.business_time import NoOpenTime, business_minutes_between
from tickets.models import (
    OPEN_STATUSES,
    AuthorType,
    MessageKind,
    SLAEvent,
    SLAEventKind,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from tickets.models_activity import WRAP_UP_CODE, Activity
from tickets.sla import ScheduleCache

from .models import AnalyticsWatermark, InteractionDayRollup, TicketFact
from .periods import day_start, local_date, today

BATCH = 2000
SETTLE_DAYS = 8
BOT_TICKET_WINDOW = timedelta(hours=24)
IVR_RETURN_WINDOW = timedelta(days=7)
CLOSED_STATUSES = {TicketStatus.SOLVED, TicketStatus.CLOSED}


def fcr_window() -> timedelta:
    return timedelta(days=getattr(settings, "CIM_FCR_WINDOW_DAYS", 7))


def _chunks(items: list[int], size: int = BATCH) -> Iterator[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60, 2)


# --- ticket facts ----------------------------------------------------------------------------


def _history_counts(ids: list[int]) -> dict[int, tuple[int, int]]:
    """{ticket: (reopens, transfers)} from the ticket history."""
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    last: dict[int, tuple[str, int]] = {}
    rows = (
        Ticket.history.filter(id__in=ids)
        .order_by("id", "history_date", "history_id")
        .values_list("id", "status", "queue_id")
    )
    for ticket_id, status, queue_id in rows.iterator(chunk_size=5000):
        previous = last.get(ticket_id)
        if previous is not None:
            if previous[0] in CLOSED_STATUSES and status in OPEN_STATUSES:
                out[ticket_id][0] += 1
            if previous[1] != queue_id:
                out[ticket_id][1] += 1
        last[ticket_id] = (status, queue_id)
    return {k: (v[0], v[1]) for k, v in out.items()}


def _repeat_contacts(tickets: list[dict[str, Any]]) -> set[int]:
    """Ids of tickets followed by another ticket of the same customer and reason, opened after
    it and no later than the FCR window after it was solved."""
    window = fcr_window()
    solved = [t for t in tickets if t["solved_at"] is not None]
    if not solved:
        return set()
    customers = {t["customer_id"] for t in solved}
    since = min(t["created_at"] for t in solved)
    others: dict[tuple[int, Any], list[tuple[datetime, int]]] = defaultdict(list)
    for row in Ticket.objects.filter(customer_id__in=customers, created_at__gt=since).values_list(
        "customer_id", "reason_id", "created_at", "id"
    ):
        others[(row[0], row[1])].append((row[2], row[3]))
    repeated = set()
    for t in solved:
        limit = t["solved_at"] + window
        for created_at, other_id in others.get((t["customer_id"], t["reason_id"]), ()):
            if other_id != t["id"] and t["created_at"] < created_at <= limit:
                repeated.add(t["id"])
                break
    return repeated


def _sla_state(
    due: datetime | None, done: datetime | None, *, running: bool, now: datetime
) -> tuple[date | None, bool | None]:
    if due is None:
        return None, None
    if done is not None:
        return local_date(due), done <= due
    if running and due <= now:
        return local_date(due), False
    return local_date(due), None


def _business(schedules: ScheduleCache, targets: dict, start: datetime, end: datetime | None):  # noqa: ANN202
    if end is None or not targets or "calendar" not in targets:
        return None
    try:
        return round(business_minutes_between(start, end, schedules.get(targets["calendar"])), 2)
    except (NoOpenTime, ObjectDoesNotExist):  # a calendar deleted since leaves it empty
        return None


def build_ticket_facts(ids: list[int], *, now: datetime | None = None) -> list[TicketFact]:
    """The fact rows of these tickets, computed from the source tables (not saved)."""
    now = now or timezone.now()
    tickets = list(
        Ticket.objects.filter(id__in=ids).values(
            "id",
            "customer_id",
            "customer__segment_id",
            "queue_id",
            "channel",
            "reason_id",
            "assignee_id",
            "priority",
            "status",
            "created_at",
            "first_responded_at",
            "solved_at",
            "sla_targets",
            "sla_paused_at",
            "first_response_due_at",
            "resolution_due_at",
        )
    )
    if not tickets:
        return []
    ids = [t["id"] for t in tickets]
    replies = dict(
        TicketMessage.objects.filter(
            ticket_id__in=ids, kind=MessageKind.PUBLIC, author_type=AuthorType.AGENT
        )
        .values("ticket_id")
        .annotate(n=Count("id"))
        .values_list("ticket_id", "n")
    )
    history = _history_counts(ids)
    escalations = dict(
        SLAEvent.objects.filter(ticket_id__in=ids, kind=SLAEventKind.BREACH)
        .values("ticket_id")
        .annotate(n=Count("id"))
        .values_list("ticket_id", "n")
    )
    repeated = _repeat_contacts(tickets)
    interactions: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for ticket_id, started_at, kind in Interaction.objects.filter(ticket_id__in=ids).values_list(
        "ticket_id", "started_at", "channel__kind"
    ):
        interactions[ticket_id].append((started_at, kind))
    actions = dict(
        Action.objects.filter(interaction__ticket_id__in=ids)
        .values("interaction__ticket_id")
        .annotate(n=Count("id"))
        .values_list("interaction__ticket_id", "n")
    )
    schedules = ScheduleCache()
    facts = []
    for t in tickets:
        tid = t["id"]
        reopens, transfers = history.get(tid, (0, 0))
        solved_at = t["solved_at"]
        targets = t["sla_targets"] or {}
        running = t["status"] not in CLOSED_STATUSES and t["sla_paused_at"] is None
        fr_due, fr_met = _sla_state(
            t["first_response_due_at"], t["first_responded_at"], running=running, now=now
        )
        res_due, res_met = _sla_state(t["resolution_due_at"], solved_at, running=running, now=now)
        touches = sorted(interactions.get(tid, ()))
        before_solve = [kind for at, kind in touches if solved_at is not None and at <= solved_at]
        agent_replies = replies.get(tid, 0)
        facts.append(
            TicketFact(
                ticket_id=tid,
                customer_id=t["customer_id"],
                queue_id=t["queue_id"],
                channel=t["channel"],
                reason_id=t["reason_id"],
                agent_id=t["assignee_id"],
                segment_id=t["customer__segment_id"],
                priority=t["priority"],
                is_open=t["status"] in OPEN_STATUSES,
                created_date=local_date(t["created_at"]),
                first_response_date=local_date(t["first_responded_at"]),
                solved_date=local_date(solved_at),
                first_response_minutes=_minutes(t["created_at"], t["first_responded_at"]),
                first_response_business_minutes=_business(
                    schedules, targets, t["created_at"], t["first_responded_at"]
                ),
                resolution_minutes=_minutes(t["created_at"], solved_at),
                resolution_business_minutes=_business(
                    schedules, targets, t["created_at"], solved_at
                ),
                agent_replies=agent_replies,
                reopens=reopens,
                escalations=escalations.get(tid, 0),
                transfers=transfers,
                fcr=(
                    solved_at is not None
                    and agent_replies <= 1
                    and reopens == 0
                    and tid not in repeated
                ),
                sla_first_response_due_date=fr_due,
                sla_first_response_met=fr_met,
                sla_resolution_due_date=res_due,
                sla_resolution_met=res_met,
                interactions=len(touches),
                actions=actions.get(tid, 0),
                channels=len({kind for _at, kind in touches}),
                resolution_touchpoint=before_solve[-1] if before_solve else "",
                refreshed_at=now,
            )
        )
    return facts


def refresh_ticket_facts(ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Recomputes the facts of these tickets (a deleted ticket loses its fact)."""
    ids = sorted(set(ids))
    written = 0
    for chunk in _chunks(ids):
        facts = build_ticket_facts(chunk, now=now)
        with transaction.atomic():
            TicketFact.objects.filter(ticket_id__in=chunk).delete()
            TicketFact.objects.bulk_create(facts, batch_size=1000)
        written += len(facts)
    return written


def with_fcr_neighbours(ids: Iterable[int]) -> set[int]:
    """The tickets plus the earlier tickets of the same customers whose FCR a new ticket can
    change (created within the FCR window before the earliest of them, or still unsolved)."""
    ids = set(ids)
    if not ids:
        return ids
    rows = Ticket.objects.filter(id__in=ids).aggregate(since=Min("created_at"))
    since = rows["since"] - fcr_window() - timedelta(days=1)
    customers = Ticket.objects.filter(id__in=ids).values("customer_id")
    neighbours = Ticket.objects.filter(customer_id__in=customers).filter(
        Q(solved_at__gte=since) | Q(created_at__gte=since)
    )
    return ids | set(neighbours.values_list("id", flat=True))


# --- interaction day rollups -----------------------------------------------------------------

DIMENSIONS = ("queue_id", "channel", "reason_id", "agent_id", "segment_id", "priority")
COUNTERS = (
    "contacts",
    "handled",
    "talk_seconds",
    "activity_seconds",
    "acw_seconds",
    "actions",
    "events",
    "bot_sessions",
    "bot_contained",
    "bot_handoffs",
    "ivr_sessions",
    "ivr_abandoned",
    "ivr_abandon_returned",
)
INTERACTION_VALUES = (
    "id",
    "customer_id",
    "started_at",
    "outcome",
    "agent_id",
    "reason_id",
    "ticket_id",
    "channel__kind",
    "channel__default_queue_id",
    "ticket__queue_id",
    "ticket__reason_id",
    "ticket__priority",
    "customer__segment_id",
)


def _interaction_dims(row: dict[str, Any]) -> tuple:
    return (
        row["ticket__queue_id"] or row["channel__default_queue_id"],
        row["channel__kind"],
        row["reason_id"] or row["ticket__reason_id"],
        row["agent_id"],
        row["customer__segment_id"],
        row["ticket__priority"],
    )


def build_day(day: date) -> list[InteractionDayRollup]:
    """The rollup rows of one day, computed from the source tables (not saved)."""
    start, end = day_start(day), day_start(day + timedelta(days=1))
    rows = list(
        Interaction.objects.filter(started_at__gte=start, started_at__lt=end).values(
            *INTERACTION_VALUES
        )
    )
    ids = [r["id"] for r in rows]
    acts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for action in Action.objects.filter(interaction_id__in=ids).values(
        "id", "interaction_id", "kind", "outcome", "started_at", "ended_at"
    ):
        acts[action["interaction_id"]].append(action)
    events = dict(
        Event.objects.filter(interaction_id__in=ids)
        .values("interaction_id")
        .annotate(n=Count("id"))
        .values_list("interaction_id", "n")
    )
    customers = {r["customer_id"] for r in rows}
    later_tickets: dict[int, list[datetime]] = defaultdict(list)
    later_contacts: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    if customers:
        for customer_id, created_at in Ticket.objects.filter(
            customer_id__in=customers, created_at__gte=start, created_at__lt=end + BOT_TICKET_WINDOW
        ).values_list("customer_id", "created_at"):
            later_tickets[customer_id].append(created_at)
        for customer_id, started_at, kind in Interaction.objects.filter(
            customer_id__in=customers,
            started_at__gte=start,
            started_at__lt=end + IVR_RETURN_WINDOW,
        ).values_list("customer_id", "started_at", "channel__kind"):
            later_contacts[customer_id].append((started_at, kind))

    sums: dict[tuple, dict[str, float]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for row in rows:
        target = sums[_interaction_dims(row)]
        mine = acts.get(row["id"], [])
        target["contacts"] += 1
        target["actions"] += len(mine)
        target["events"] += events.get(row["id"], 0)
        agent_actions = [a for a in mine if a["kind"] == ActionKind.AGENT]
        if agent_actions:
            target["handled"] += 1
        for a in agent_actions:
            if a["ended_at"] is not None and a["ended_at"] > a["started_at"]:
                target["talk_seconds"] += (a["ended_at"] - a["started_at"]).total_seconds()
        for a in mine:
            if a["kind"] != ActionKind.BOT:
                continue
            target["bot_sessions"] += 1
            if a["outcome"] == Outcome.TRANSFERRED:
                target["bot_handoffs"] += 1
            elif not any(
                a["started_at"] <= at <= a["started_at"] + BOT_TICKET_WINDOW
                for at in later_tickets.get(row["customer_id"], ())
            ):
                target["bot_contained"] += 1
        if row["channel__kind"] == ChannelKind.PHONE and any(
            a["kind"] == ActionKind.IVR for a in mine
        ):
            target["ivr_sessions"] += 1
            abandoned = row["outcome"] == Outcome.ABANDONED or any(
                a["outcome"] == Outcome.ABANDONED for a in mine
            )
            if abandoned:
                target["ivr_abandoned"] += 1
                if any(
                    row["started_at"] < at <= row["started_at"] + IVR_RETURN_WINDOW
                    and kind != ChannelKind.PHONE
                    for at, kind in later_contacts.get(row["customer_id"], ())
                ):
                    target["ivr_abandon_returned"] += 1

    for dims, seconds, is_wrap_up in _activity_rows(start, end):
        target = sums[dims]
        target["activity_seconds"] += seconds
        if is_wrap_up:
            target["acw_seconds"] += seconds
    return [
        InteractionDayRollup(date=day, **dict(zip(DIMENSIONS, dims, strict=True)), **counters)
        for dims, counters in sums.items()
    ]


def _activity_rows(start: datetime, end: datetime) -> Iterator[tuple[tuple, float, bool]]:
    """(dimensions, seconds, is wrap-up) of the activities worked in [start, end): dimensions of
    their interaction, else of their ticket, with the activity's agent."""
    worked = Q(started_at__gte=start, started_at__lt=end) | Q(
        started_at__isnull=True, created_at__gte=start, created_at__lt=end
    )
    for a in Activity.objects.filter(worked).values(
        "minutes",
        "agent_id",
        "kind__code",
        "interaction__channel__kind",
        "interaction__channel__default_queue_id",
        "interaction__reason_id",
        "interaction__ticket__queue_id",
        "interaction__ticket__reason_id",
        "interaction__ticket__priority",
        "interaction__customer__segment_id",
        "ticket__queue_id",
        "ticket__channel",
        "ticket__reason_id",
        "ticket__priority",
        "ticket__customer__segment_id",
    ):
        if a["interaction__channel__kind"]:
            dims = (
                a["interaction__ticket__queue_id"] or a["interaction__channel__default_queue_id"],
                a["interaction__channel__kind"],
                a["interaction__reason_id"] or a["interaction__ticket__reason_id"],
                a["agent_id"],
                a["interaction__customer__segment_id"],
                a["interaction__ticket__priority"],
            )
        else:
            dims = (
                a["ticket__queue_id"],
                a["ticket__channel"],
                a["ticket__reason_id"],
                a["agent_id"],
                a["ticket__customer__segment_id"],
                a["ticket__priority"],
            )
        yield dims, float(a["minutes"]) * 60, a["kind__code"] == WRAP_UP_CODE


def refresh_days(days: Iterable[date]) -> int:
    written = 0
    for day in sorted(set(days)):
        rows = build_day(day)
        with transaction.atomic():
            InteractionDayRollup.objects.filter(date=day).delete()
            InteractionDayRollup.objects.bulk_create(rows, batch_size=1000)
        written += len(rows)
    return written


# --- the beat task's unit of work, and the full rebuild ----------------------------------------

WATERMARK = "analytics"


def _local_days(stamps: Iterable[datetime | None]) -> set[date]:
    return {d for d in (local_date(s) for s in stamps) if d is not None}


@transaction.atomic
def refresh_changed(*, now: datetime | None = None) -> dict[str, int]:
    """Brings the facts and rollups up to date with what changed since the last run."""
    now = now or timezone.now()
    mark, _created = AnalyticsWatermark.objects.get_or_create(name=WATERMARK)
    # One run at a time: the second waits here, then finds (almost) nothing new.
    mark = AnalyticsWatermark.objects.select_for_update().get(pk=mark.pk)
    if mark.at is None:
        result = rebuild_all(progress=False, now=now)
    else:
        # A minute of overlap: a transaction that committed late with an earlier timestamp.
        since = mark.at - timedelta(minutes=1)
        # Every ticket change through the services writes a history row; its date is indexed
        # (tickets.updated_at is not), so this stays cheap at millions of tickets.
        ticket_ids = set(
            Ticket.history.filter(history_date__gte=since).values_list("id", flat=True)
        )
        ticket_ids |= set(
            SLAEvent.objects.filter(created_at__gte=since).values_list("ticket_id", flat=True)
        )
        new_interactions = list(
            Interaction.objects.filter(id__gt=mark.last_id).values_list(
                "id", "ticket_id", "started_at"
            )
        )
        ticket_ids |= {t for _i, t, _s in new_interactions if t is not None}
        activities = list(
            Activity.objects.filter(created_at__gte=since).values_list(
                "ticket_id", "interaction__ticket_id", "started_at", "created_at"
            )
        )
        ticket_ids |= {t for row in activities for t in row[:2] if t is not None}
        tickets = refresh_ticket_facts(with_fcr_neighbours(ticket_ids), now=now)
        days = _local_days(s for _i, _t, s in new_interactions)
        days |= _local_days(row[2] or row[3] for row in activities)
        latest = today()
        days |= {latest - timedelta(days=n) for n in range(SETTLE_DAYS + 1)}
        rollups = refresh_days(d for d in days if d <= latest)
        result = {"tickets": tickets, "days": len(days), "rollup_rows": rollups}
    mark.at = now
    last = Interaction.objects.order_by("-id").values_list("id", flat=True).first()
    mark.last_id = last or 0
    mark.save()
    return result


def rebuild_all(*, progress: bool = False, now: datetime | None = None) -> dict[str, int]:
    """Every fact and rollup from scratch (idempotent)."""
    from tqdm import tqdm

    now = now or timezone.now()
    ids = list(Ticket.objects.order_by("id").values_list("id", flat=True))
    TicketFact.objects.exclude(ticket_id__in=Ticket.objects.values("id")).delete()
    written = 0
    with tqdm(total=len(ids), desc="ticket facts", unit="ticket", disable=not progress) as bar:
        for chunk in _chunks(ids):
            written += refresh_ticket_facts(chunk, now=now)
            bar.update(len(chunk))
    first = [
        Interaction.objects.aggregate(m=Min("started_at"))["m"],
        Activity.objects.aggregate(m=Min("created_at"))["m"],
        Activity.objects.aggregate(m=Min("started_at"))["m"],
    ]
    stamps = [s for s in first if s is not None]
    days: list[date] = []
    if stamps:
        day, last = local_date(min(stamps)), today()
        while day <= last:
            days.append(day)
            day += timedelta(days=1)
    if days:
        InteractionDayRollup.objects.filter(Q(date__lt=days[0]) | Q(date__gt=days[-1])).delete()
    else:
        InteractionDayRollup.objects.all().delete()
    rollups = 0
    for day in tqdm(days, desc="daily rollups", unit="day", disable=not progress):
        rollups += refresh_days([day])
    return {"tickets": written, "days": len(days), "rollup_rows": rollups}
