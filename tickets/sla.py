"""The SLA engine: due times kept on every transition, and the sweep that records warnings and
breaches exactly once and escalates.

Clocks (per ticket, business time of the policy's calendar):
- first response: from creation until the first public agent reply;
- next response: from each customer message (after the first reply) until the next agent reply;
- resolution: from creation until solved; reopening resumes it.
Pausing statuses (pending by default) and solved stop every clock; leaving them shifts the due
times by the business time spent paused.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
from django.db import transaction
from django.utils import timezone

from .business_time import NoOpenTime, Schedule, add_business_time, business_time_between
from .models import (
    BusinessCalendar,
    Priority,
    SLAEvent,
    SLAEventKind,
    SLAMetric,
    SLAPolicy,
    Ticket,
    TicketStatus,
)
from .queueing import enqueue_on_commit

log = logging.getLogger(__name__)

S = TicketStatus
METRICS = (SLAMetric.FIRST_RESPONSE, SLAMetric.NEXT_RESPONSE, SLAMetric.RESOLUTION)
DUE = {m: f"{m}_due_at" for m in METRICS}
WARN = {m: f"{m}_warn_at" for m in METRICS}
SLA_FIELDS = [
    "sla_policy",
    "sla_targets",
    *DUE.values(),
    *WARN.values(),
    "sla_paused_at",
    "sla_breached",
    "sla_next_check_at",
]


class _ClosedDates:
    """Public holidays of a country (the holidays package knows lunar Tết) plus custom dates."""

    def __init__(self, country: str, custom: Iterable[date]) -> None:
        self.custom = frozenset(custom)
        self.public = holidays.country_holidays(country.upper()) if country else None

    def __contains__(self, day: object) -> bool:
        if day in self.custom:
            return True
        return self.public is not None and day in self.public


def build_schedule(calendar: BusinessCalendar) -> Schedule:
    if calendar.always_open:
        return Schedule(zone=ZoneInfo(calendar.time_zone), always_open=True)
    weekly: dict[int, list[tuple[int, int]]] = {}
    for hours in calendar.hours.all():
        weekly.setdefault(hours.weekday, []).append(hours.minutes)
    closed = _ClosedDates(calendar.holiday_country, (c.date for c in calendar.closed.all()))
    return Schedule(zone=ZoneInfo(calendar.time_zone), weekly=weekly, closed=closed)


class ScheduleCache:
    """Schedules by calendar id for the length of one sweep, so a thousand tickets on one
    calendar read its hours once."""

    def __init__(self) -> None:
        self._by_id: dict[int, Schedule] = {}

    def get(self, calendar_id: int) -> Schedule:
        if calendar_id not in self._by_id:
            calendar = BusinessCalendar.objects.prefetch_related("hours", "closed").get(
                pk=calendar_id
            )
            self._by_id[calendar_id] = build_schedule(calendar)
        return self._by_id[calendar_id]


@dataclass(frozen=True)
class Targets:
    calendar_id: int
    minutes: dict[str, int | None]
    warn_percent: int
    pause: frozenset[str]

    @classmethod
    def of(cls, ticket: Ticket) -> "Targets | None":
        data = ticket.sla_targets or {}
        if not data:
            return None
        return cls(
            calendar_id=data["calendar"],
            minutes={m: data.get(m) for m in METRICS},
            warn_percent=data.get("warn", 80),
            pause=frozenset(data.get("pause", [S.PENDING])),
        )


def select_policy(ticket: Ticket) -> SLAPolicy | None:
    """The first active policy, by precedence, whose every condition matches the ticket."""
    policies = SLAPolicy.objects.filter(is_active=True).prefetch_related(
        "queues", "segments", "targets"
    )
    segment_id = ticket.customer.segment_id if ticket.customer_id else None
    for policy in policies:
        queue_ids = {q.pk for q in policy.queues.all()}
        segment_ids = {s.pk for s in policy.segments.all()}
        if queue_ids and ticket.queue_id not in queue_ids:
            continue
        if policy.priorities and ticket.priority not in policy.priorities:
            continue
        if policy.channels and ticket.channel not in policy.channels:
            continue
        if segment_ids and segment_id not in segment_ids:
            continue
        if any(t.priority == ticket.priority for t in policy.targets.all()):
            return policy
    return None


def _clock(
    ticket: Ticket,
    metric: str,
    start: datetime,
    targets: Targets,
    schedule: Schedule,
) -> None:
    minutes = targets.minutes.get(metric)
    if not minutes:
        setattr(ticket, DUE[metric], None)
        setattr(ticket, WARN[metric], None)
        return
    try:
        due = add_business_time(start, timedelta(minutes=minutes), schedule)
        warn = add_business_time(
            start, timedelta(minutes=minutes * targets.warn_percent / 100), schedule
        )
    except NoOpenTime:
        log.error(
            "Calendar %s has no open hours; ticket %s gets no SLA.", targets.calendar_id, ticket.pk
        )
        due = warn = None
    setattr(ticket, DUE[metric], due)
    setattr(ticket, WARN[metric], warn)


def _unmet(ticket: Ticket) -> list[str]:
    metrics = []
    if ticket.first_responded_at is None and ticket.first_response_due_at:
        metrics.append(SLAMetric.FIRST_RESPONSE)
    if ticket.next_response_due_at:
        metrics.append(SLAMetric.NEXT_RESPONSE)
    if ticket.solved_at is None and ticket.resolution_due_at:
        metrics.append(SLAMetric.RESOLUTION)
    return metrics


def _next_check(ticket: Ticket, after: datetime | None = None) -> datetime | None:
    """The earliest threshold still to act on. Right after a transition (after=None) past ones
    count too, so the sweep records them; after a sweep only later ones do."""
    if ticket.sla_paused_at is not None or ticket.status == S.CLOSED or not ticket.sla_targets:
        return None
    times = [
        t
        for m in _unmet(ticket)
        for t in (getattr(ticket, WARN[m]), getattr(ticket, DUE[m]))
        if t is not None and (after is None or t > after)
    ]
    return min(times, default=None)


def start(ticket: Ticket, *, now: datetime | None = None) -> list[str]:
    """Applies the matching policy to a new ticket; returns the fields it set."""
    policy = select_policy(ticket)
    if policy is None:
        return []
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
    targets = Targets.of(ticket)
    assert targets is not None  # noqa: S101 - just set above
    schedule = ScheduleCache().get(targets.calendar_id)
    began = ticket.created_at or now or timezone.now()
    _clock(ticket, SLAMetric.FIRST_RESPONSE, began, targets, schedule)
    _clock(ticket, SLAMetric.RESOLUTION, began, targets, schedule)
    ticket.sla_next_check_at = _next_check(ticket)
    return SLA_FIELDS


def on_agent_reply(ticket: Ticket, *, now: datetime) -> list[str]:
    """A public agent reply meets first response (stamped by the caller) and next response."""
    if not ticket.sla_targets:
        return []
    ticket.next_response_due_at = None
    ticket.next_response_warn_at = None
    ticket.sla_next_check_at = _next_check(ticket)
    return SLA_FIELDS


def on_customer_message(ticket: Ticket, *, now: datetime) -> list[str]:
    """A customer message after the first reply starts (or restarts) the next-response clock."""
    targets = Targets.of(ticket)
    if targets is None or ticket.first_responded_at is None:
        return []
    if not targets.minutes.get(SLAMetric.NEXT_RESPONSE) or ticket.next_response_due_at:
        # Already waiting on us: the earlier message's clock keeps running.
        return []
    schedule = ScheduleCache().get(targets.calendar_id)
    _clock(ticket, SLAMetric.NEXT_RESPONSE, now, targets, schedule)
    ticket.sla_next_check_at = _next_check(ticket)
    return SLA_FIELDS


def _paused_in(status: str, targets: Targets) -> bool:
    return status == S.SOLVED or status in targets.pause


def on_status_change(ticket: Ticket, *, old: str, new: str, now: datetime) -> list[str]:
    targets = Targets.of(ticket)
    if targets is None:
        return []
    if new == S.CLOSED:
        ticket.sla_paused_at = None
        ticket.sla_next_check_at = None
        return SLA_FIELDS
    was_paused, is_paused = _paused_in(old, targets), _paused_in(new, targets)
    if is_paused and not was_paused:
        ticket.sla_paused_at = now
    elif was_paused and not is_paused and ticket.sla_paused_at is not None:
        schedule = ScheduleCache().get(targets.calendar_id)
        paused_at = ticket.sla_paused_at
        for metric in METRICS:
            for name in (DUE[metric], WARN[metric]):
                moment = getattr(ticket, name)
                if moment is None or moment <= paused_at:
                    continue  # already past when the clock stopped: stays breached
                left = business_time_between(paused_at, moment, schedule)
                setattr(ticket, name, add_business_time(now, left, schedule))
        ticket.sla_paused_at = None
    ticket.sla_next_check_at = _next_check(ticket)
    return SLA_FIELDS


# --- the sweep -------------------------------------------------------------------------------


@dataclass
class SweepResult:
    tickets: int = 0
    warnings: int = 0
    breaches: int = 0
    event_ids: list[int] | None = None


def due_ticket_ids(*, now: datetime, limit: int) -> list[int]:
    # One range scan on the partial index over sla_next_check_at: the cost follows the number of
    # tickets due, not the number open.
    return list(
        Ticket.objects.filter(sla_next_check_at__lte=now)
        .order_by("sla_next_check_at")
        .values_list("id", flat=True)[:limit]
    )


def sweep(*, now: datetime | None = None, batch_size: int = 200, limit: int = 5000) -> SweepResult:
    """Records every warning and breach that has come due, escalates breaches, and moves each
    ticket's next check on. Each batch is one transaction whose rows are locked with SKIP LOCKED,
    so two workers share the work instead of doing it twice, and a worker killed mid-way leaves
    whole batches behind: the next sweep finds the rest still due."""
    now = now or timezone.now()
    result = SweepResult(event_ids=[])
    schedules = ScheduleCache()
    while result.tickets < limit:
        with transaction.atomic():
            batch = list(
                Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(sla_next_check_at__lte=now)
                .select_related("sla_policy", "queue")
                .order_by("sla_next_check_at")[:batch_size]
            )
            if not batch:
                break
            for ticket in batch:
                _check_ticket(ticket, now=now, result=result, schedules=schedules)
            result.tickets += len(batch)
        if len(batch) < batch_size:
            break
    return result


def _check_ticket(
    ticket: Ticket, *, now: datetime, result: SweepResult, schedules: ScheduleCache
) -> None:
    new_breaches: list[SLAEvent] = []
    new_warnings: list[SLAEvent] = []
    holder = {"queue_id": ticket.queue_id, "assignee_id": ticket.assignee_id}
    for metric in _unmet(ticket):
        due, warn = getattr(ticket, DUE[metric]), getattr(ticket, WARN[metric])
        if warn is not None and warn <= now and due > now:
            warning, created = SLAEvent.objects.get_or_create(
                ticket=ticket,
                metric=metric,
                kind=SLAEventKind.WARNING,
                due_at=due,
                defaults=holder,
            )
            result.warnings += created
            if created:
                new_warnings.append(warning)
        if due <= now:
            event, created = SLAEvent.objects.get_or_create(
                ticket=ticket,
                metric=metric,
                kind=SLAEventKind.BREACH,
                due_at=due,
                defaults=holder,
            )
            if created:
                new_breaches.append(event)
    fields = ["sla_next_check_at"]
    ticket.sla_next_check_at = _next_check(ticket, after=now)
    if new_breaches:
        result.breaches += len(new_breaches)
        assert result.event_ids is not None  # noqa: S101
        result.event_ids.extend(e.pk for e in new_breaches)
        ticket.sla_breached = True
        fields.append("sla_breached")
        fields += _escalate(ticket)
    if new_breaches:
        ticket._change_reason = "SLA breach"  # type: ignore[attr-defined]
        ticket.save(update_fields=[*fields, "updated_at"])
    else:
        # Only the next check moves: no history row, the ticket itself did not change.
        Ticket.objects.filter(pk=ticket.pk).update(sla_next_check_at=ticket.sla_next_check_at)
    from .tasks import notify_sla_event_task

    for event in [*new_warnings, *new_breaches]:
        enqueue_on_commit(notify_sla_event_task, event.pk)


def _escalate(ticket: Ticket) -> list[str]:
    policy = ticket.sla_policy
    if policy is None:
        return []
    fields = []
    if policy.escalate_raise_priority and ticket.priority < Priority.URGENT:
        ticket.priority += 1
        fields.append("priority")
    target = policy.escalate_to_queue
    if target is not None and target.is_active and ticket.queue_id != target.pk:
        ticket.queue = target
        ticket.assignee = None
        fields += ["queue", "assignee"]
    return fields


def notify_breach(*, event_id: int) -> bool:
    """Emails the people concerned about one SLA event: a breach to the agent and lead who had
    the ticket and the lead of the queue it moved to; a warning to the assignee (the queue lead
    when nobody has it). Each reader gets it in their language with the due time on the ticket
    calendar's clock (tickets.staff_mail). At least once: the mail is sent before the event is
    marked, so a crash in between means a second mail, never none. A warning whose due time has
    passed is marked without a mail: the breach mail says it better."""
    from .staff_mail import send_staff_mail

    event = (
        SLAEvent.objects.select_related(
            "assignee",
            "queue__lead",
            "ticket__queue__lead",
            "ticket__assignee",
            "ticket__sla_policy__calendar",
        )
        .filter(pk=event_id, notified_at__isnull=True)
        .first()
    )
    if event is None:
        return False
    ticket = event.ticket
    policy = ticket.sla_policy
    if event.kind == SLAEventKind.BREACH:
        # The agent and lead who had it when it breached, and the lead of the queue it moved to.
        people = [event.assignee, event.queue.lead if event.queue else None, ticket.queue.lead]
    else:
        people = [ticket.assignee or ticket.queue.lead]
    due_soon = event.kind == SLAEventKind.BREACH or event.due_at > timezone.now()
    if due_soon and (policy is None or policy.escalate_notify):
        send_staff_mail(users=people, compose=lambda: _sla_mail(event))
    SLAEvent.objects.filter(pk=event.pk, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    return True


def _sla_mail(event: SLAEvent) -> tuple[str, str]:
    """(subject, body) of the mail about one event, in the active language."""
    from django.utils.translation import gettext as _

    from .staff_mail import admin_ticket_url, local_time, person_name, ticket_zone

    ticket = event.ticket
    values = {
        "ref": ticket.reference,
        "subject": ticket.subject,
        "metric": event.get_metric_display().lower(),
        "queue": event.queue or ticket.queue,
        "due": local_time(event.due_at, zone=ticket_zone(ticket)),
        "priority": ticket.get_priority_display(),
        "assignee": person_name(ticket.assignee),
        "link": admin_ticket_url(ticket),
    }
    if event.kind == SLAEventKind.BREACH:
        subject = _("[SLA] Missed the %(metric)s target: [%(ref)s] %(subject)s") % values
        lead = _(
            "Ticket %(ref)s “%(subject)s” in the queue %(queue)s missed its %(metric)s target."
        )
    else:
        subject = _("[SLA] The %(metric)s target is near: [%(ref)s] %(subject)s") % values
        lead = _(
            "Ticket %(ref)s “%(subject)s” in the queue %(queue)s will miss its %(metric)s "
            "target unless someone acts."
        )
    lines = [lead % values, ""]
    lines.append(_("Due: %(due)s") % values)
    if event.queue_id and event.queue_id != ticket.queue_id:
        lines.append(_("Moved to the queue: %(queue)s") % {"queue": ticket.queue})
    lines.append(_("Priority: %(priority)s") % values)
    lines.append(_("Assigned to: %(assignee)s") % values)
    lines += ["", _("Open the ticket:"), values["link"], ""]
    return subject[:200], "\n".join(lines)


def unnotified_breach_ids(*, older_than: timedelta = timedelta(minutes=1)) -> list[int]:
    """SLA events (breaches and warnings) whose mail the after-commit task did not send."""
    cutoff = timezone.now() - older_than
    return list(
        SLAEvent.objects.filter(notified_at__isnull=True, created_at__lte=cutoff).values_list(
            "id", flat=True
        )[:500]
    )
