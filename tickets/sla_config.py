"""Writing SLA set-up: calendars with their hours and closed dates, policies with their targets.
Each save is one transaction that checks the whole calendar or policy, so the admin and the API
reject the same mistakes with the same messages."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .business_time import MINUTES_PER_DAY, format_range
from .models import BusinessCalendar, ClosedDate, OpeningHours, SLAPolicy, SLATarget, Weekday


@dataclass(frozen=True)
class HoursRow:
    weekday: int
    opens: time
    closes: time

    @property
    def minutes(self) -> tuple[int, int]:
        start = self.opens.hour * 60 + self.opens.minute
        end = self.closes.hour * 60 + self.closes.minute
        return start, end or MINUTES_PER_DAY


def check_hours(*, always_open: bool, hours: Sequence[HoursRow]) -> list[str]:
    """What is wrong with a calendar's opening hours, as sentences for a person."""
    if always_open:
        return []
    if not hours:
        return [_("Add at least one range of opening hours, or mark the calendar open 24/7.")]
    problems = []
    by_day: dict[int, list[tuple[int, int]]] = {}
    for row in hours:
        start, end = row.minutes
        if end <= start:
            problems.append(
                _("%(day)s: closing time must come after opening time (00:00 = midnight).")
                % {"day": Weekday(row.weekday).label}
            )
            continue
        by_day.setdefault(row.weekday, []).append((start, end))
    for weekday, ranges in sorted(by_day.items()):
        ordered = sorted(ranges)
        for (s1, e1), (s2, e2) in zip(ordered, ordered[1:], strict=False):
            if s2 < e1:
                problems.append(
                    _("%(day)s: %(first)s overlaps %(second)s.")
                    % {
                        "day": Weekday(weekday).label,
                        "first": format_range(s1, e1),
                        "second": format_range(s2, e2),
                    }
                )
    return problems


@transaction.atomic
def save_calendar(
    *,
    calendar: BusinessCalendar | None,
    name: str,
    time_zone: str,
    always_open: bool,
    holiday_country: str,
    hours: Sequence[HoursRow],
    closed_dates: Iterable[tuple[date, str]] = (),
    by: Any = None,
) -> BusinessCalendar:
    """Creates or replaces a calendar with its hours and closed dates; raises ValidationError with
    field-level messages and saves nothing when any part is wrong."""
    calendar = calendar or BusinessCalendar()
    calendar.name = name
    calendar.time_zone = time_zone
    calendar.always_open = always_open
    calendar.holiday_country = (holiday_country or "").upper()
    errors: dict[str, list[str]] = {}
    try:
        calendar.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    problems = check_hours(always_open=always_open, hours=hours)
    if problems:
        errors["hours"] = problems
    if errors:
        raise ValidationError(errors)
    calendar._history_user = by  # type: ignore[attr-defined]
    calendar.save()
    calendar.hours.all().delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(calendar=calendar, weekday=h.weekday, opens=h.opens, closes=h.closes)
        for h in hours
    )
    calendar.closed.all().delete()
    ClosedDate.objects.bulk_create(
        ClosedDate(calendar=calendar, date=day, name=label)
        for day, label in dict(closed_dates).items()
    )
    return calendar


@dataclass(frozen=True)
class TargetRow:
    priority: int
    first_response_minutes: int
    resolution_minutes: int
    next_response_minutes: int | None = None


def check_targets(targets: Sequence[TargetRow]) -> list[str]:
    problems = []
    seen = set()
    for t in targets:
        if t.priority in seen:
            problems.append(_("Priority %(p)s has two targets.") % {"p": t.priority})
        seen.add(t.priority)
        values = [t.first_response_minutes, t.resolution_minutes]
        if t.next_response_minutes is not None:
            values.append(t.next_response_minutes)
        if any(v is None or v <= 0 for v in values):
            problems.append(_("Targets are whole minutes greater than 0."))
    if not targets:
        problems.append(_("Give a target for at least one priority."))
    return problems


@transaction.atomic
def save_policy(
    *,
    policy: SLAPolicy | None,
    targets: Sequence[TargetRow],
    queues: Iterable[Any] = (),
    segments: Iterable[Any] = (),
    by: Any = None,
    **fields: Any,
) -> SLAPolicy:
    """Creates or replaces a policy and its targets. Tickets keep the targets they were created
    with; the change applies to new tickets (the policy's history keeps the old values)."""
    policy = policy or SLAPolicy()
    for name, value in fields.items():
        setattr(policy, name, value)
    errors: dict[str, list[str]] = {}
    try:
        policy.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    problems = check_targets(targets)
    if problems:
        errors["targets"] = problems
    if errors:
        raise ValidationError(errors)
    policy._history_user = by  # type: ignore[attr-defined]
    policy.save()
    policy.queues.set(queues)
    policy.segments.set(segments)
    policy.targets.all().delete()
    SLATarget.objects.bulk_create(
        SLATarget(
            policy=policy,
            priority=t.priority,
            first_response_minutes=t.first_response_minutes,
            next_response_minutes=t.next_response_minutes,
            resolution_minutes=t.resolution_minutes,
        )
        for t in targets
    )
    return policy
