"""Putting the demo in time. The story tickets go through the services (so they record what the
product really records) and happen within a second; afterwards every row they wrote is moved
onto a believable timeline: each step of a story a few minutes to hours after the one before.
SLA clocks are then settled as the engine would have left them, breaches recorded as already
notified, and the outbox marked as sent: demo history is history, not mail to send now."""

from __future__ import annotations

import bisect
import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Model

from channels.models import Action, Event, Interaction, OutboundMessage, OutboundStatus
from feedback.models import InvitationStatus, MessageSentiment, SkipReason, SurveyInvitation
from feedback.services.surveys import settings_for_queue
from tickets import sla
from tickets.business_time import NoOpenTime, add_business_time
from tickets.models import (
    AuthorType,
    MessageKind,
    SLAEvent,
    SLAEventKind,
    SLAMetric,
    Ticket,
    TicketMessage,
    TicketStatus,
)

S = TicketStatus
HistoricalTicket = Ticket.history.model  # type: ignore[attr-defined]
TICKET_TIMES = ("created_at", "updated_at", "first_responded_at", "solved_at", "closed_at")


@dataclass
class Recording:
    """When (real time) each step of one story began, so its rows can be re-timed step by
    step. marks[0] is just before the ticket was created."""

    ticket_id: int
    marks: list[datetime] = field(default_factory=list)
    key: str = ""

    def mark(self, now: datetime) -> None:
        self.marks.append(now)


class Retimer:
    """Maps the real moment a row was written onto the story's timeline: a moment in step k
    lands at the step's new start plus the (milliseconds of) real time since the step began."""

    def __init__(self, marks: Sequence[datetime], starts: Sequence[datetime]) -> None:
        self.marks = list(marks)
        self.starts = list(starts)

    def __call__(self, moment: datetime | None) -> datetime | None:
        if moment is None:
            return None
        k = max(0, bisect.bisect_right(self.marks, moment) - 1)
        return self.starts[k] + (moment - self.marks[k])


def story_starts(
    rng: random.Random, *, begin: datetime, steps: int, latest: datetime
) -> list[datetime]:
    """Start times of a story's steps: the first at `begin`, the others minutes to hours apart,
    squeezed so the last step is before `latest`."""
    gaps = [timedelta(minutes=rng.choice((12, 25, 40, 90, 180, 300, 600))) for _ in range(steps)]
    room = latest - begin
    total = sum(gaps, timedelta())
    if total > room and total:
        gaps = [gap * (room / total) for gap in gaps]
    starts = [begin]
    for gap in gaps:
        starts.append(starts[-1] + gap)
    return starts


def _retime_rows(
    model: type[Model], rows: Any, fields: Sequence[str], shift: Callable[[Any], Any]
) -> None:
    changed = []
    for row in rows:
        for name in fields:
            setattr(row, name, shift(getattr(row, name)))
        changed.append(row)
    if changed:
        model.objects.bulk_update(changed, list(fields))  # type: ignore[attr-defined]


def retime_story(recording: Recording, starts: Sequence[datetime]) -> None:
    """Moves every row one story wrote onto its timeline (starts: one per mark)."""
    retime = Retimer(recording.marks, starts)
    ticket_id = recording.ticket_id
    ticket = Ticket.objects.get(pk=ticket_id)
    # Journey rows were written relative to the ticket's creation (minutes after it): they move
    # by the same amount as the creation itself.
    delta = retime(ticket.created_at) - ticket.created_at  # type: ignore[operator]

    def move(moment: datetime | None) -> datetime | None:
        return None if moment is None else moment + delta

    for name in TICKET_TIMES:
        setattr(ticket, name, retime(getattr(ticket, name)))
    Ticket.objects.filter(pk=ticket_id).update(**{n: getattr(ticket, n) for n in TICKET_TIMES})
    _retime_rows(
        HistoricalTicket,
        HistoricalTicket.objects.filter(id=ticket_id),
        ("history_date", *TICKET_TIMES),
        retime,
    )
    _retime_rows(
        TicketMessage, TicketMessage.objects.filter(ticket_id=ticket_id), ("created_at",), retime
    )
    _retime_rows(
        MessageSentiment,
        MessageSentiment.objects.filter(ticket_id=ticket_id),
        ("created_at",),
        retime,
    )
    _retime_rows(
        Interaction,
        Interaction.objects.filter(ticket_id=ticket_id),
        ("started_at", "ended_at"),
        move,
    )
    _retime_rows(
        Action,
        Action.objects.filter(interaction__ticket_id=ticket_id),
        ("started_at", "ended_at"),
        move,
    )
    _retime_rows(
        Event, Event.objects.filter(interaction__ticket_id=ticket_id), ("occurred_at",), move
    )
    _retime_rows(
        OutboundMessage,
        OutboundMessage.objects.filter(ticket_id=ticket_id),
        ("created_at", "due_at"),
        retime,
    )
    _retime_rows(
        SurveyInvitation,
        SurveyInvitation.objects.filter(ticket_id=ticket_id),
        ("created_at", "due_at"),
        retime,
    )


# --- SLA ---------------------------------------------------------------------------------------


class Clocks:
    """Starts a ticket's SLA clocks as tickets.sla.start does (same fields, same format), with
    the policy looked up once per kind of ticket and each calendar built once: sla.start costs
    seven queries a ticket, most of the seed's time for a few hundred past tickets. The seed's
    test checks the result against sla.start."""

    def __init__(self) -> None:
        self.schedules = sla.ScheduleCache()
        self.policies: dict[tuple[Any, ...], Any] = {}

    def start(self, ticket: Ticket) -> bool:
        key = (ticket.queue_id, ticket.priority, ticket.channel, ticket.customer.segment_id)
        if key not in self.policies:
            self.policies[key] = sla.select_policy(ticket)
        policy = self.policies[key]
        if policy is None:
            return False
        target = next(t for t in policy.targets.all() if t.priority == ticket.priority)
        ticket.sla_policy = policy
        ticket.sla_targets = {
            "calendar": policy.calendar_id,
            SLAMetric.FIRST_RESPONSE.value: target.first_response_minutes,
            SLAMetric.NEXT_RESPONSE.value: target.next_response_minutes,
            SLAMetric.RESOLUTION.value: target.resolution_minutes,
            "warn": policy.warning_percent,
            "pause": list(policy.pause_statuses),
        }
        targets = sla.Targets.of(ticket)
        assert targets is not None  # noqa: S101 - just set
        schedule = self.schedules.get(targets.calendar_id)
        for metric in (SLAMetric.FIRST_RESPONSE, SLAMetric.RESOLUTION):
            minutes = targets.minutes[metric]
            due = warn = None
            if minutes:
                due = add_business_time(ticket.created_at, timedelta(minutes=minutes), schedule)
                warn = add_business_time(
                    ticket.created_at,
                    timedelta(minutes=minutes * targets.warn_percent / 100),
                    schedule,
                )
            setattr(ticket, sla.DUE[metric], due)
            setattr(ticket, sla.WARN[metric], warn)
        return True


def settle_sla(
    ticket: Ticket,
    *,
    now: datetime,
    clocks: Clocks,
    waiting_since: datetime | None,
    paused_since: datetime | None,
) -> list[SLAEvent]:
    """Sets the ticket's SLA fields as the engine would have left them at `now`, given its final
    timestamps, and returns the warning and breach events the sweep would have recorded (already
    notified: they are history). waiting_since: the customer's last unanswered message after the
    first reply (the next-response clock); paused_since: when it entered a pausing status."""
    if not clocks.start(ticket):
        return []
    targets = sla.Targets.of(ticket)
    assert targets is not None  # noqa: S101 - start() just set them
    schedule = clocks.schedules.get(targets.calendar_id)
    following = targets.minutes.get(SLAMetric.NEXT_RESPONSE)
    ticket.next_response_due_at = ticket.next_response_warn_at = None
    if waiting_since is not None and following and ticket.status not in (S.SOLVED, S.CLOSED):
        try:
            ticket.next_response_due_at = add_business_time(
                waiting_since, timedelta(minutes=following), schedule
            )
            ticket.next_response_warn_at = add_business_time(
                waiting_since, timedelta(minutes=following * targets.warn_percent / 100), schedule
            )
        except NoOpenTime:  # pragma: no cover - the demo calendars are open
            pass
    paused = ticket.status == S.SOLVED or ticket.status in targets.pause
    ticket.sla_paused_at = paused_since if paused and ticket.status != S.CLOSED else None
    # The clocks stopped when the metric was met, or when the ticket paused, or run until now.
    stopped = ticket.sla_paused_at or (ticket.closed_at if ticket.status == S.CLOSED else None)
    met = {
        SLAMetric.FIRST_RESPONSE: ticket.first_responded_at,
        SLAMetric.NEXT_RESPONSE: None,
        SLAMetric.RESOLUTION: ticket.solved_at,
    }
    events: list[SLAEvent] = []
    upcoming: list[datetime] = []
    for metric in sla.METRICS:
        due = getattr(ticket, sla.DUE[metric])
        warn = getattr(ticket, sla.WARN[metric])
        if due is None:
            continue
        until = met[metric] or stopped or now
        for kind, moment in ((SLAEventKind.WARNING, warn), (SLAEventKind.BREACH, due)):
            if moment is None:
                continue
            if moment <= until and moment <= now:
                events.append(_event(ticket, metric=metric, kind=kind, due=due, at=moment))
            elif met[metric] is None and stopped is None:
                upcoming.append(moment)
    ticket.sla_breached = any(e.kind == SLAEventKind.BREACH for e in events)
    ticket.sla_next_check_at = min(upcoming, default=None)
    return events


def _event(ticket: Ticket, *, metric: str, kind: str, due: datetime, at: datetime) -> SLAEvent:
    # The sweep runs every minute and mails the warning or breach right after.
    recorded = at + timedelta(seconds=40)
    return SLAEvent(
        ticket=ticket,
        metric=metric,
        kind=kind,
        due_at=due,
        queue_id=ticket.queue_id,
        assignee_id=ticket.assignee_id,
        created_at=recorded,
        notified_at=recorded + timedelta(seconds=20),
    )


def settle_story_sla(ticket_ids: Sequence[int], *, now: datetime, clocks: Clocks) -> int:
    """The SLA state of retimed story tickets, recomputed from their retimed rows."""
    tickets = list(
        Ticket.objects.filter(pk__in=ticket_ids).select_related("customer", "sla_policy")
    )
    events: list[SLAEvent] = []
    for ticket in tickets:
        messages = list(
            TicketMessage.objects.filter(ticket=ticket, kind=MessageKind.PUBLIC)
            .order_by("created_at", "id")
            .values_list("author_type", "created_at")
        )
        waiting = None
        if ticket.first_responded_at is not None:
            for author, at in messages:
                if author == AuthorType.CUSTOMER and at > ticket.first_responded_at:
                    waiting = waiting or at
                elif author == AuthorType.AGENT:
                    waiting = None
        paused_since = (
            HistoricalTicket.objects.filter(id=ticket.pk)
            .exclude(status=ticket.status)
            .order_by("-history_date")
            .values_list("history_date", flat=True)
            .first()
        )
        last_change = (
            HistoricalTicket.objects.filter(id=ticket.pk, history_date__gt=paused_since)
            .order_by("history_date")
            .values_list("history_date", flat=True)
            .first()
            if paused_since
            else None
        )
        events += settle_sla(
            ticket,
            now=now,
            clocks=clocks,
            waiting_since=waiting,
            paused_since=last_change or ticket.updated_at,
        )
    Ticket.objects.bulk_update(tickets, [f for f in sla.SLA_FIELDS if f != "sla_policy"])
    Ticket.objects.bulk_update(tickets, ["sla_policy"])
    SLAEvent.objects.bulk_create(events, ignore_conflicts=True)
    return len(events)


# --- The outbox ----------------------------------------------------------------------------------


def mark_history_sent(ticket_ids: Sequence[int]) -> int:
    """What the seed's stories queued for sending went out when it happened: sent, not waiting.
    Mail written from now on (new activity) is sent by the worker as usual."""
    rows = list(
        OutboundMessage.objects.filter(
            ticket_id__in=ticket_ids, status__in=(OutboundStatus.QUEUED, OutboundStatus.SENDING)
        )
    )
    for row in rows:
        row.status = OutboundStatus.SENT
        row.attempts = 1
        row.sent_at = row.created_at + timedelta(seconds=3)
        row.due_at = row.created_at
    OutboundMessage.objects.bulk_update(rows, ["status", "attempts", "sent_at", "due_at"])
    return len(rows)


def settle_story_surveys(ticket_ids: Sequence[int], *, now: datetime) -> int:
    """Story surveys whose time has passed were sent then; ones still due later stay
    scheduled, for the worker to send, or for a lead to send now."""
    sent = 0
    for invitation in SurveyInvitation.objects.filter(
        ticket_id__in=ticket_ids, status=InvitationStatus.SCHEDULED, due_at__lte=now
    ).order_by("due_at"):
        quiet = timedelta(days=settings_for_queue(invitation.queue_id).quiet_days)
        if SurveyInvitation.objects.filter(
            customer_id=invitation.customer_id,
            sent_at__gte=invitation.due_at - quiet,
            sent_at__lte=invitation.due_at,
        ).exists():
            invitation.status = InvitationStatus.SKIPPED
            invitation.skip_reason = SkipReason.RECENT
            invitation.save(update_fields=["status", "skip_reason"])
            continue
        invitation.status = InvitationStatus.SENT
        invitation.sent_at = invitation.due_at
        invitation.expires_at = invitation.due_at + timedelta(days=7)
        invitation.token_hash = secrets.token_hex(32)  # no link was kept: none opens it
        invitation.save(update_fields=["status", "sent_at", "expires_at", "token_hash"])
        sent += 1
    return sent
