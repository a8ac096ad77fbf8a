"""The period and grouping of a metrics request, validated in one place."""

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

GROUPS = ("day", "week", "month", "queue", "channel", "reason", "agent", "segment", "priority")
TIME_GROUPS = ("day", "week", "month")
MAX_DAYS = 731  # two years, a leap day included
DEFAULT_DAYS = 30


def today() -> date:
    return timezone.localdate()


def _date(value: Any, field: str, errors: dict[str, list[str]]) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[field] = [_("Give a date as YYYY-MM-DD.")]
        return None


def parse_period(
    params: Mapping[str, Any], *, default_group: str = "day"
) -> tuple[date, date, str]:
    """(date_from, date_to, group_by) from query parameters `from`, `to`, `group_by`; the last
    30 days by day when left out. Dates are days in the site time zone, both ends included."""
    errors: dict[str, list[str]] = {}
    date_from = _date(params.get("from"), "from", errors)
    date_to = _date(params.get("to"), "to", errors)
    group_by = params.get("group_by") or default_group
    if group_by not in GROUPS:
        errors["group_by"] = [_("Choose one of: %s.") % ", ".join(GROUPS)]
    if errors:
        raise ValidationError(errors)
    if date_to is None:
        date_to = (
            today() if date_from is None else min(date_from + timedelta(DEFAULT_DAYS - 1), today())
        )
        date_to = max(date_to, date_from or date_to)
    if date_from is None:
        date_from = date_to - timedelta(days=DEFAULT_DAYS - 1)
    if date_from > date_to:
        raise ValidationError({"from": [_("The start of the period comes after its end.")]})
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise ValidationError({"to": [_("A period can be at most two years long.")]})
    return date_from, date_to, str(group_by)


def day_start(day: date) -> datetime:
    """The first instant of a day in the site time zone."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def local_date(at: datetime | None) -> date | None:
    if at is None:
        return None
    return timezone.localtime(at, timezone.get_default_timezone()).date()


def bucket(day: date, group_by: str) -> date:
    """The first day of the day/week (Monday)/month bucket a day falls in."""
    if group_by == "week":
        return day - timedelta(days=day.weekday())
    if group_by == "month":
        return day.replace(day=1)
    return day


def buckets(date_from: date, date_to: date, group_by: str) -> list[date]:
    out: list[date] = []
    day = bucket(date_from, group_by)
    while day <= date_to:
        out.append(day)
        if group_by == "day":
            day += timedelta(days=1)
        elif group_by == "week":
            day += timedelta(days=7)
        else:
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def bucket_end(start: date, group_by: str) -> date:
    if group_by == "day":
        return start
    if group_by == "week":
        return start + timedelta(days=6)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
