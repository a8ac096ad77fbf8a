"""From a figure on the dashboard to the tickets behind it: a link to the admin ticket list
filtered by DrilldownFilter (cim_site.analytics.admin_filters), which reads the same facts the
metric did, as a subquery (no id list in the URL)."""

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import F, Q
from django.urls import reverse

from .metrics import DIMENSION_COLUMN
from .periods import GROUPS, TIME_GROUPS, bucket_end

PARAMETER = "drill"

# metric → (date field of the fact that puts the ticket in the period, extra condition).
METRIC_TICKETS: dict[str, tuple[str, Q]] = {
    "tickets_created": ("created_date", Q()),
    "escalations": ("created_date", Q(escalations__gt=0)),
    "tickets_solved": ("solved_date", Q()),
    "resolution_minutes_median": ("solved_date", Q()),
    "resolution_minutes_p90": ("solved_date", Q()),
    "resolution_business_minutes_median": ("solved_date", Q()),
    "fcr_rate": ("solved_date", Q(fcr=False)),
    "reopen_rate": ("solved_date", Q(reopens__gt=0)),
    "first_response_minutes_median": ("first_response_date", Q()),
    "first_response_minutes_p90": ("first_response_date", Q()),
    "first_response_business_minutes_median": ("first_response_date", Q()),
    "sla_first_response_compliance": (
        "sla_first_response_due_date",
        Q(sla_first_response_met=False),
    ),
    "sla_resolution_compliance": ("sla_resolution_due_date", Q(sla_resolution_met=False)),
    "hard_problems": ("solved_date", Q()),
}
# Figures not about tickets (contacts, handle time, surveys, journey) drill to the tickets
# created in the period and group.
DEFAULT_METRIC = "tickets_created"


def ticket_list_url(
    *,
    metric: str,
    key: Any = None,
    group_by: str | None = None,
    date_from: date,
    date_to: date,
) -> str:
    """The admin ticket list filtered to the tickets a figure counts (fcr_rate: the solved
    tickets that were not resolved first time; SLA compliance: the targets missed)."""
    value = ":".join(
        [
            metric,
            group_by or "",
            "" if key is None else str(key),
            date_from.isoformat(),
            date_to.isoformat(),
        ]
    )
    return f"{reverse('admin:tickets_ticket_changelist')}?{urlencode({PARAMETER: value})}"


def parse_drill(value: str) -> tuple[str, str | None, str | None, date, date] | None:
    parts = value.split(":")
    if len(parts) != 5:
        return None
    metric, group_by, key, start, end = parts
    try:
        date_from, date_to = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        return None
    if group_by and group_by not in GROUPS:
        return None
    return metric, group_by or None, key or None, date_from, date_to


def drill_condition(value: str) -> Q | None:
    """The condition on TicketFact for a `drill` parameter value, or None if it is malformed."""
    parsed = parse_drill(value)
    if parsed is None:
        return None
    metric, group_by, key, date_from, date_to = parsed
    if metric == "backlog":
        end = date_to
        if group_by in TIME_GROUPS and key:
            try:
                end = min(bucket_end(date.fromisoformat(key), group_by), date_to)
            except ValueError:
                return None
        cond = Q(created_date__lte=end) & (Q(solved_date__isnull=True) | Q(solved_date__gt=end))
    else:
        field, extra = METRIC_TICKETS.get(metric, METRIC_TICKETS[DEFAULT_METRIC])
        if metric == "hard_problems":
            extra = Q(reopen_sum__gte=2)
        start, end = date_from, date_to
        if group_by in TIME_GROUPS and key:
            try:
                start = date.fromisoformat(key)
            except ValueError:
                return None
            end = min(bucket_end(start, group_by), date_to)
            start = max(start, date_from)
        cond = Q(**{f"{field}__gte": start, f"{field}__lte": end}) & extra
    if group_by and group_by not in TIME_GROUPS:
        column = DIMENSION_COLUMN[group_by]
        if key in (None, "", "None"):
            cond &= Q(**{f"{column}__isnull": True})
        elif column == "channel":
            cond &= Q(channel=key)
        else:
            try:
                cond &= Q(**{column: int(key)})
            except ValueError:
                return None
    return cond


def drill_ticket_ids(value: str) -> Any:
    """A subquery of ticket ids for the admin filter, or None."""
    from .models import TicketFact

    cond = drill_condition(value)
    if cond is None:
        return None
    facts = TicketFact.objects.annotate(reopen_sum=F("reopens") + F("escalations") + F("transfers"))
    return facts.filter(cond).values("ticket_id")
