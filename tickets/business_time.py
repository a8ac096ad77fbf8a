"""Business-time arithmetic: pure functions over a weekly schedule in a time zone, minus closed
dates.

Business time is real elapsed time inside open hours. Open hours are wall-clock ranges in the
calendar's zone, turned into absolute instants day by day, so a range that spans a DST change counts
the hours that really pass (01:00-03:00 on a spring-forward night is one hour). Ranges are
minutes of the day, 0-1440, so 1440 means midnight at the end of the day.
"""

from collections.abc import Container, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
# A calendar with no open hour in five years is broken; stop instead of looping for ever.
MAX_DAYS_SEARCHED = 366 * 5


class NoOpenTime(ValueError):
    """The calendar has no open time in the period searched."""


@dataclass(frozen=True)
class Schedule:
    zone: ZoneInfo
    # weekday (0 = Monday) → sorted, non-overlapping (start, end) minutes of the day
    weekly: Mapping[int, Sequence[tuple[int, int]]] = field(default_factory=dict)
    closed: Container[date] = frozenset()
    always_open: bool = False


ALWAYS_OPEN = Schedule(zone=ZoneInfo("UTC"), always_open=True)


def _at(day: date, minute: int, zone: ZoneInfo) -> datetime:
    if minute >= MINUTES_PER_DAY:
        day, minute = day + timedelta(days=1), minute - MINUTES_PER_DAY
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return local.astimezone(UTC)


def open_intervals(schedule: Schedule, since: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals [start, end) in UTC, in order, from the local day of `since` on; the first
    ones may end before `since`, callers clip."""
    day = since.astimezone(schedule.zone).date() - timedelta(days=1)
    for _ in range(MAX_DAYS_SEARCHED):
        if day not in schedule.closed:
            for start, end in sorted(schedule.weekly.get(day.weekday(), ())):
                yield _at(day, start, schedule.zone), _at(day, end, schedule.zone)
        day += timedelta(days=1)
    raise NoOpenTime("The calendar has no open hours in the next five years.")


def add_business_time(start: datetime, amount: timedelta, schedule: Schedule) -> datetime:
    """The instant at which `amount` of business time has passed since `start`. For a positive
    amount it always lies inside open hours (at most at a closing time)."""
    if start.tzinfo is None:
        raise ValueError("start must be time-zone aware")
    if amount <= timedelta(0):
        return start
    if schedule.always_open:
        return start + amount
    remaining = amount
    for opens, closes in open_intervals(schedule, start):
        if closes <= start:
            continue
        begin = max(opens, start)
        available = closes - begin
        if available >= remaining:
            return begin + remaining
        remaining -= available
    raise NoOpenTime("unreachable")  # pragma: no cover - open_intervals raises first


def business_time_between(start: datetime, end: datetime, schedule: Schedule) -> timedelta:
    """Business time from `start` to `end`; negative when `end` comes first."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("datetimes must be time-zone aware")
    if end < start:
        return -business_time_between(end, start, schedule)
    if schedule.always_open:
        return end - start
    total = timedelta(0)
    for opens, closes in open_intervals(schedule, start):
        if opens >= end:
            break
        if closes <= start:
            continue
        total += min(closes, end) - max(opens, start)
    return total


def is_open(at: datetime, schedule: Schedule) -> bool:
    if schedule.always_open:
        return True
    for opens, closes in open_intervals(schedule, at):
        if opens > at:
            return False
        if opens <= at < closes:
            return True
    return False  # pragma: no cover


def add_business_minutes(start: datetime, minutes: float, schedule: Schedule) -> datetime:
    return add_business_time(start, timedelta(minutes=minutes), schedule)


def business_minutes_between(start: datetime, end: datetime, schedule: Schedule) -> float:
    return business_time_between(start, end, schedule) / timedelta(minutes=1)


def validate_ranges(ranges: Sequence[tuple[int, int]]) -> list[str]:
    """Problems with one day's ranges, as sentences; empty when they are fine."""
    problems = []
    ordered = sorted(ranges)
    for start, end in ordered:
        if not (0 <= start < end <= MINUTES_PER_DAY):
            problems.append(f"{format_range(start, end)} is not a range within one day.")
    for (s1, e1), (s2, e2) in zip(ordered, ordered[1:], strict=False):
        if s2 < e1:
            first, second = format_range(s1, e1), format_range(s2, e2)
            problems.append(f"{first} overlaps {second}.")
    return problems


def format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def format_range(start: int, end: int) -> str:
    return f"{format_minute(start)}-{format_minute(end)}"
