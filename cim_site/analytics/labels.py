"""Keys and human labels of metric groups, in the request's language (vi/en)."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from customers.models import ChannelKind, Segment
from tickets.models import InteractionReason, Priority, Queue


def key_of(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def time_label(start: date, group_by: str) -> str:
    if group_by == "week":
        return _("Week of %(date)s") % {"date": date_format(start, "SHORT_DATE_FORMAT")}
    if group_by == "month":
        return date_format(start, "YEAR_MONTH_FORMAT")
    return date_format(start, "SHORT_DATE_FORMAT")


def _agent_name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def labels_for(group_by: str, keys: Iterable[Any]) -> dict[Any, str]:
    """{key: label} for the keys of one dimension, in at most one query."""
    keys = list(keys)
    ids = [k for k in keys if k is not None]
    out: dict[Any, str] = {}
    if group_by in ("day", "week", "month"):
        return {k: time_label(k, group_by) for k in keys}
    if group_by == "channel":
        return {k: str(ChannelKind(k).label) if k in ChannelKind.values else str(k) for k in keys}
    if group_by == "priority":
        out = {k: str(Priority(k).label) for k in ids if k in Priority.values}
        none_label = _("No priority")
    elif group_by == "queue":
        out = {q.pk: q.name for q in Queue.objects.filter(pk__in=ids)}
        none_label = _("No queue")
    elif group_by == "reason":
        out = {r.pk: r.name for r in InteractionReason.objects.filter(pk__in=ids)}
        none_label = _("No reason")
    elif group_by == "agent":
        out = {u.pk: _agent_name(u) for u in get_user_model().objects.filter(pk__in=ids)}
        none_label = _("Unassigned")
    elif group_by == "segment":
        out = {s.pk: s.name for s in Segment.objects.filter(pk__in=ids)}
        none_label = _("No segment")
    else:
        raise ValueError(group_by)
    result = {k: out.get(k, str(k)) for k in ids}
    if None in keys:
        result[None] = none_label
    return result
