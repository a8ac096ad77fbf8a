"""Operations and journey metrics for a period, read from the facts and rollups
(cim_site.analytics.refresh keeps them current). A fixed number of queries whatever the period.

Which tickets a figure counts, by the day (site time zone) that puts them in the period:
- tickets_created, escalations, journey per experience: the day the ticket was created;
- tickets_solved, resolution times, FCR, reopen rate: the day it was (last) solved;
- first response times: the day of the first public agent reply;
- SLA compliance: the day the target fell due (met / due, undecided targets left out);
- backlog: tickets open at the end of the bucket (of the period for non-time groups);
- contacts, handle time, bot and IVR: the day the interaction started (activities: their day).
Rates are 0–1 fractions and null when nothing is counted; CSAT %, NPS and CES come from
feedback.selectors.survey_metrics, their one definition.
"""

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from feedback.selectors import survey_metrics
from tickets.selectors import queue_ids_for

from .labels import key_of, labels_for
from .models import InteractionDayRollup, TicketFact
from .periods import GROUPS, TIME_GROUPS, bucket, bucket_end, buckets, day_start, today

__all__ = [
    "GROUPS",
    "OPERATIONS_FIELDS",
    "JOURNEY_FIELDS",
    "operations_metrics",
    "journey_metrics",
    "reason_insights",
    "agent_segment_matrix",
    "backlog_age_buckets",
]

OPERATIONS_FIELDS = (
    "contacts",
    "tickets_created",
    "tickets_solved",
    "backlog",
    "first_response_minutes_median",
    "first_response_minutes_p90",
    "first_response_business_minutes_median",
    "resolution_minutes_median",
    "resolution_minutes_p90",
    "resolution_business_minutes_median",
    "fcr_rate",
    "reopen_rate",
    "sla_first_response_compliance",
    "sla_resolution_compliance",
    "escalations",
    "csat_percent",
    "nps",
    "ces",
    "aht_minutes",
    "acw_share",
)
JOURNEY_FIELDS = (
    "events_per_action",
    "actions_per_interaction",
    "actions_per_experience",
    "interactions_per_experience",
    "channels_per_experience",
    "channel_switch_rate",
    "bot_containment_rate",
    "bot_handoff_rate",
    "ivr_abandon_rate",
    "ivr_abandon_returned_rate",
)

# group_by → the column of both tables that holds the dimension.
DIMENSION_COLUMN = {
    "queue": "queue_id",
    "channel": "channel",
    "reason": "reason_id",
    "agent": "agent_id",
    "segment": "segment_id",
    "priority": "priority",
}
# group_by → feedback.selectors.survey_metrics group.
SURVEY_GROUP = {
    "day": "day",
    "week": "week",
    "month": "month",
    "queue": "queue",
    "channel": "channel",
    "reason": "reason",
    "agent": "agent",
    "segment": "segment",
    "priority": "priority",
}

ROLLUP_SUMS = (
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


# --- small numeric helpers -------------------------------------------------------------------


def rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def ratio(part: float, whole: float, digits: int = 2) -> float | None:
    return round(part / whole, digits) if whole else None


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def p90(values: list[float]) -> float | None:
    """Nearest rank: the smallest value that at least 90 % of the values do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[math.ceil(0.9 * len(ordered)) - 1], 1)


def percentiles_in_database() -> bool:
    """PostgreSQL computes medians and p90 itself (percentile_disc); SQLite has no ordered-set
    aggregates, so there the minutes come back to Python (small data sets only)."""
    return connection.vendor == "postgresql"


def middle(low: float | None, high: float | None) -> float | None:
    """The median from the lower and upper middle values, as statistics.median computes it."""
    return None if low is None else round((low + high) / 2, 1)


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# --- what the user may see -------------------------------------------------------------------


def visible_facts(user: Any) -> QuerySet[TicketFact]:
    queue_ids = queue_ids_for(user)
    qs = TicketFact.objects.all()
    return qs if queue_ids is None else qs.filter(queue_id__in=queue_ids)


def visible_rollups(user: Any) -> QuerySet[InteractionDayRollup]:
    queue_ids = queue_ids_for(user)
    qs = InteractionDayRollup.objects.all()
    return qs if queue_ids is None else qs.filter(queue_id__in=queue_ids)


def _in(field: str, date_from: date, date_to: date) -> Q:
    return Q(**{f"{field}__gte": date_from, f"{field}__lte": date_to})


def _rollup_rows(
    user: Any, date_from: date, date_to: date, group_by: str
) -> dict[Any, dict[str, float]]:
    """{group key: summed counters}, one aggregate query."""
    column = "date" if group_by in TIME_GROUPS else DIMENSION_COLUMN[group_by]
    rows = (
        visible_rollups(user)
        .filter(date__gte=date_from, date__lte=date_to)
        .values(column)
        .annotate(**{f"s_{name}": Sum(name) for name in ROLLUP_SUMS})
        .order_by()
    )
    out: dict[Any, dict[str, float]] = defaultdict(lambda: dict.fromkeys(ROLLUP_SUMS, 0))
    for row in rows:
        key = bucket(row[column], group_by) if group_by in TIME_GROUPS else row[column]
        target = out[key]
        for name in ROLLUP_SUMS:
            target[name] += row[f"s_{name}"] or 0
    return out


def _sum_rollups(groups: Iterable[dict[str, float]]) -> dict[str, float]:
    total = dict.fromkeys(ROLLUP_SUMS, 0.0)
    for group in groups:
        for name in ROLLUP_SUMS:
            total[name] += group[name]
    return total


def _backlog(
    user: Any,
    created: dict[Any, int],
    solved: dict[Any, int],
    date_from: date,
    date_to: date,
    group_by: str,
    keys: Iterable[Any],
) -> tuple[dict[Any, int], int]:
    """Open tickets at the end of each bucket (time groups) or of the period (capped at today),
    and the total at the end of the period: the tickets open when the period began (one count
    query) plus those created minus those solved since (by day for time groups, else by
    dimension, as _TicketSide counted them)."""
    end = min(date_to, today())
    if end < date_from:
        return {}, 0
    column = DIMENSION_COLUMN.get(group_by)
    still_open = Q(solved_date__isnull=True) | Q(solved_date__gte=date_from)
    opening = visible_facts(user).filter(Q(created_date__lt=date_from) & still_open)
    moved = sum(created.values()) - sum(solved.values())
    if column is None:
        running = opening.count()
        total, out, day = running + moved, {}, date_from
        for key in sorted(k for k in keys if k <= end):
            stop = min(bucket_end(key, group_by), end)
            while day <= stop:
                running += created.get(day, 0) - solved.get(day, 0)
                day += timedelta(days=1)
            out[key] = running
        return out, total
    per: dict[Any, int] = defaultdict(int)
    counts = opening.values(column).annotate(n=Count("ticket_id")).order_by()
    for value, n in counts.values_list(column, "n"):
        per[value] += n
    for value, n in created.items():
        per[value] += n
    for value, n in solved.items():
        per[value] -= n
    return {k: v for k, v in per.items() if v}, sum(per.values())


def _surveys(
    user: Any, date_from: date, date_to: date, group_by: str | None
) -> dict[Any, dict[str, Any]]:
    since, until = day_start(date_from), day_start(date_to + timedelta(days=1))
    if group_by is None:
        rows = survey_metrics(user=user, group_by="kind", since=since, until=until)
        total: dict[str, Any] = {"csat_percent": None, "nps": None, "ces": None}
        for row in rows:
            if row["group"] == "csat":
                total["csat_percent"] = row["csat_percent"]
            elif row["group"] == "nps":
                total["nps"] = row["nps"]
            elif row["group"] == "ces":
                total["ces"] = row["ces_mean"]
        return {None: total}
    out: dict[Any, dict[str, Any]] = {}
    for row in survey_metrics(user=user, group_by=SURVEY_GROUP[group_by], since=since, until=until):
        key = row["group"]
        if group_by in TIME_GROUPS and key is not None:
            key = bucket(date.fromisoformat(str(key)[:10]), group_by)
        out[key] = {"csat_percent": row["csat_percent"], "nps": row["nps"], "ces": row["ces_mean"]}
    return out


class _Acc:
    """Accumulates the ticket-side figures of one group."""

    def __init__(self) -> None:
        self.created = 0
        self.solved = 0
        self.escalations = 0
        self.fr: list[float] = []
        self.fr_business: list[float] = []
        self.res: list[float] = []
        self.res_business: list[float] = []
        self.fcr = 0
        self.reopened = 0
        self.fr_due = 0
        self.fr_met = 0
        self.res_due = 0
        self.res_met = 0

        # Set instead of the lists when the database computed the percentiles: (lower middle,
        # upper middle, p90, business lower middle, business upper middle).
        self.fr_figures: tuple | None = None
        self.res_figures: tuple | None = None

    def _percentiles(self, values: list[float], business: list[float], computed: tuple | None):
        if computed is None:
            return median(values), p90(values), median(business)
        low, high, p90_value, b_low, b_high = computed
        return middle(low, high), rounded(p90_value), middle(b_low, b_high)

    def figures(self) -> dict[str, Any]:
        fr_median, fr_p90, fr_business = self._percentiles(
            self.fr, self.fr_business, self.fr_figures
        )
        res_median, res_p90, res_business = self._percentiles(
            self.res, self.res_business, self.res_figures
        )
        return {
            "tickets_created": self.created,
            "tickets_solved": self.solved,
            "first_response_minutes_median": fr_median,
            "first_response_minutes_p90": fr_p90,
            "first_response_business_minutes_median": fr_business,
            "resolution_minutes_median": res_median,
            "resolution_minutes_p90": res_p90,
            "resolution_business_minutes_median": res_business,
            "fcr_rate": rate(self.fcr, self.solved),
            "reopen_rate": rate(self.reopened, self.solved),
            "sla_first_response_compliance": rate(self.fr_met, self.fr_due),
            "sla_resolution_compliance": rate(self.res_met, self.res_due),
            "escalations": self.escalations,
        }


class _TicketSide:
    """The ticket figures of a period per group and in total, from aggregate queries over the
    facts (six, whatever the period); only the minutes for medians and p90 come back as rows."""

    def __init__(self, user: Any, date_from: date, date_to: date, group_by: str) -> None:
        self.groups: dict[Any, _Acc] = defaultdict(_Acc)
        self.total = _Acc()
        # Tickets created / solved in the period, by day (time groups) or by dimension: the
        # backlog moves with them.
        self.created: dict[Any, int] = defaultdict(int)
        self.solved: dict[Any, int] = defaultdict(int)
        self._facts = visible_facts(user)
        self._from, self._to, self._group_by = date_from, date_to, group_by
        self._time = group_by in TIME_GROUPS
        count = Count("ticket_id")
        for raw, accs, row in self._grouped("created_date", Q(), n=count, e=Sum("escalations")):
            self.created[raw] += row["n"]
            for acc in accs:
                acc.created += row["n"]
                acc.escalations += row["e"] or 0
        for raw, accs, row in self._grouped(
            "solved_date",
            Q(),
            n=count,
            fcr=Count("ticket_id", filter=Q(fcr=True)),
            reopened=Count("ticket_id", filter=Q(reopens__gt=0)),
        ):
            self.solved[raw] += row["n"]
            for acc in accs:
                acc.solved += row["n"]
                acc.fcr += row["fcr"]
                acc.reopened += row["reopened"]
        for _raw, accs, row in self._grouped(
            "sla_first_response_due_date",
            Q(sla_first_response_met__isnull=False),
            n=count,
            met=Count("ticket_id", filter=Q(sla_first_response_met=True)),
        ):
            for acc in accs:
                acc.fr_due += row["n"]
                acc.fr_met += row["met"]
        for _raw, accs, row in self._grouped(
            "sla_resolution_due_date",
            Q(sla_resolution_met__isnull=False),
            n=count,
            met=Count("ticket_id", filter=Q(sla_resolution_met=True)),
        ):
            for acc in accs:
                acc.res_due += row["n"]
                acc.res_met += row["met"]
        if percentiles_in_database():
            self._percentiles("first_response_date", "first_response", "fr")
            self._percentiles("solved_date", "resolution", "res")
            return
        for accs, minutes, business in self._minutes("first_response_date", "first_response"):
            for acc in accs:
                acc.fr.append(minutes)
                if business is not None:
                    acc.fr_business.append(business)
        for accs, minutes, business in self._minutes("solved_date", "resolution"):
            for acc in accs:
                acc.res.append(minutes)
                if business is not None:
                    acc.res_business.append(business)

    def _column(self, field: str) -> str:
        return field if self._time else DIMENSION_COLUMN[self._group_by]

    def _key(self, raw: Any) -> Any:
        return bucket(raw, self._group_by) if self._time else raw

    def _grouped(self, field: str, condition: Q, **aggregates: Any) -> Iterator[tuple]:
        """(day or dimension value, (its group's accumulator, the total's), aggregate row)."""
        column = self._column(field)
        rows = (
            self._facts.filter(_in(field, self._from, self._to) & condition)
            .values(column)
            .annotate(**aggregates)
            .order_by()
        )
        for row in rows:
            raw = row[column]
            yield raw, (self.groups[self._key(raw)], self.total), row

    def _minutes(self, field: str, metric: str) -> Iterator[tuple]:
        column = self._column(field)
        rows = self._facts.filter(
            _in(field, self._from, self._to), **{f"{metric}_minutes__isnull": False}
        ).values_list(column, f"{metric}_minutes", f"{metric}_business_minutes")
        for raw, minutes, business in rows:
            yield (self.groups[self._key(raw)], self.total), minutes, business

    def _percentiles(self, field: str, metric: str, prefix: str) -> None:
        """PostgreSQL: the medians and p90 of the period per group and in total computed in the
        database (one query, GROUPING SETS), so the tickets' minutes never travel to Python.
        Exactly the Python definitions: the median is the mean of the lower and the upper
        middle value (percentile_disc(0.5) ascending and descending: the same value when the
        count is odd), p90 the nearest rank (percentile_disc(0.9): the ceil(0.9 n)-th value)."""
        column = self._column(field)
        minutes, business = f"{metric}_minutes", f"{metric}_business_minutes"
        inner = self._facts.filter(
            _in(field, self._from, self._to), **{f"{minutes}__isnull": False}
        ).values_list(column, minutes, business)
        sql, params = inner.query.sql_with_params()
        key = "g.k"
        if self._group_by in ("week", "month"):
            key = f"date_trunc('{self._group_by}', g.k::timestamp)::date"
        disc = "percentile_disc({}) WITHIN GROUP (ORDER BY g.{} {})"
        query = (
            f"SELECT {key}, GROUPING({key}), "  # noqa: S608 - the ORM's SQL, parameters apart
            f"{disc.format(0.5, 'm', 'ASC')}, {disc.format(0.5, 'm', 'DESC')}, "
            f"{disc.format(0.9, 'm', 'ASC')}, {disc.format(0.5, 'b', 'ASC')}, "
            f"{disc.format(0.5, 'b', 'DESC')} "
            f"FROM ({sql}) g (k, m, b) GROUP BY GROUPING SETS (({key}), ())"
        )
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            rows = cursor.fetchall()
        for raw, is_total, low, high, p90_value, b_low, b_high in rows:
            acc = self.total if is_total else self.groups[raw]
            setattr(acc, f"{prefix}_figures", (low, high, p90_value, b_low, b_high))


def _handle_figures(sums: dict[str, float]) -> dict[str, Any]:
    worked = sums["talk_seconds"] + sums["activity_seconds"]
    return {
        "contacts": int(sums["contacts"]),
        "aht_minutes": ratio(worked / 60, sums["handled"], 1),
        "acw_share": rate(sums["acw_seconds"], worked),
    }


def _ordered_keys(keys: Iterable[Any], group_by: str, date_from: date, date_to: date) -> list[Any]:
    if group_by in TIME_GROUPS:
        return buckets(date_from, date_to, group_by)
    return sorted(set(keys), key=lambda k: (k is None, str(k) if group_by == "channel" else k or 0))


def operations_metrics(*, user: Any, date_from: date, date_to: date, group_by: str) -> dict:
    """{"totals": {field: …}, "results": [{"key", "label", field: …}, …]} for the period."""
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {GROUPS}")
    tickets = _TicketSide(user, date_from, date_to, group_by)
    groups, total = tickets.groups, tickets.total
    rollups = _rollup_rows(user, date_from, date_to, group_by)
    surveys = _surveys(user, date_from, date_to, group_by)
    total_surveys = _surveys(user, date_from, date_to, None)[None]
    keys = _ordered_keys(
        [*groups, *rollups, *surveys] if group_by not in TIME_GROUPS else [],
        group_by,
        date_from,
        date_to,
    )
    backlog, backlog_total = _backlog(
        user, tickets.created, tickets.solved, date_from, date_to, group_by, keys
    )
    labels = labels_for(group_by, keys)
    empty_rollup = dict.fromkeys(ROLLUP_SUMS, 0)
    empty_survey = {"csat_percent": None, "nps": None, "ces": None}
    results = []
    for key in keys:
        row = {"key": key_of(key), "label": labels.get(key, str(key))}
        figures = {
            **_handle_figures(rollups.get(key, empty_rollup)),
            **groups.get(key, _Acc()).figures(),
            "backlog": backlog.get(key, 0),
            **surveys.get(key, empty_survey),
        }
        row.update({name: figures[name] for name in OPERATIONS_FIELDS})
        results.append(row)
    totals_figures = {
        **_handle_figures(_sum_rollups(rollups.values())),
        **total.figures(),
        "backlog": backlog_total,
        **total_surveys,
    }
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "group_by": group_by,
        "totals": {name: totals_figures[name] for name in OPERATIONS_FIELDS},
        "results": results,
    }


# --- journey ---------------------------------------------------------------------------------


class _Experience:
    def __init__(self) -> None:
        self.tickets = 0
        self.interactions = 0
        self.actions = 0
        self.channels = 0
        self.switched = 0

    def add(self, row: dict[str, Any]) -> None:
        """Adds an aggregate row over experiences with at least one interaction."""
        self.tickets += row["tickets"]
        self.interactions += row["s_interactions"] or 0
        self.actions += row["s_actions"] or 0
        self.channels += row["s_channels"] or 0
        self.switched += row["switched"]


def _journey_figures(sums: dict[str, float], exp: _Experience) -> dict[str, Any]:
    return {
        "events_per_action": ratio(sums["events"], sums["actions"]),
        "actions_per_interaction": ratio(sums["actions"], sums["contacts"]),
        "actions_per_experience": ratio(exp.actions, exp.tickets),
        "interactions_per_experience": ratio(exp.interactions, exp.tickets),
        "channels_per_experience": ratio(exp.channels, exp.tickets),
        "channel_switch_rate": rate(exp.switched, exp.tickets),
        "bot_containment_rate": rate(sums["bot_contained"], sums["bot_sessions"]),
        "bot_handoff_rate": rate(sums["bot_handoffs"], sums["bot_sessions"]),
        "ivr_abandon_rate": rate(sums["ivr_abandoned"], sums["ivr_sessions"]),
        "ivr_abandon_returned_rate": rate(sums["ivr_abandon_returned"], sums["ivr_abandoned"]),
    }


def journey_metrics(*, user: Any, date_from: date, date_to: date, group_by: str) -> dict:
    """Same shape as operations_metrics, with the journey fields; per experience = per ticket
    created in the period that has at least one interaction. Also: the touchpoints (channel of
    the last interaction) that preceded resolution of tickets solved in the period, and each
    customer's preferred channel (most interactions in the 90 days up to the period's end)."""
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {GROUPS}")
    from .journey import preferred_channels

    time = group_by in TIME_GROUPS
    column = "created_date" if time else DIMENSION_COLUMN[group_by]
    experiences: dict[Any, _Experience] = defaultdict(_Experience)
    total_exp = _Experience()
    rows = (
        visible_facts(user)
        .filter(_in("created_date", date_from, date_to), interactions__gt=0)
        .values(column)
        .annotate(
            tickets=Count("ticket_id"),
            s_interactions=Sum("interactions"),
            s_actions=Sum("actions"),
            s_channels=Sum("channels"),
            switched=Count("ticket_id", filter=Q(channels__gte=2)),
        )
        .order_by()
    )
    for row in rows:
        k = bucket(row[column], group_by) if time else row[column]
        for exp in (experiences[k], total_exp):
            exp.add(row)
    touchpoints = dict(
        visible_facts(user)
        .filter(_in("solved_date", date_from, date_to))
        .exclude(resolution_touchpoint="")
        .values("resolution_touchpoint")
        .annotate(n=Count("ticket_id"))
        .order_by()
        .values_list("resolution_touchpoint", "n")
    )
    rollups = _rollup_rows(user, date_from, date_to, group_by)
    keys = _ordered_keys(
        [*experiences, *rollups] if group_by not in TIME_GROUPS else [],
        group_by,
        date_from,
        date_to,
    )
    labels = labels_for(group_by, keys)
    empty_rollup = dict.fromkeys(ROLLUP_SUMS, 0)
    results = []
    for k in keys:
        figures = _journey_figures(rollups.get(k, empty_rollup), experiences.get(k, _Experience()))
        results.append({"key": key_of(k), "label": labels.get(k, str(k)), **figures})
    channel_labels = labels_for("channel", touchpoints)
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "group_by": group_by,
        "totals": _journey_figures(_sum_rollups(rollups.values()), total_exp),
        "results": results,
        "resolution_touchpoints": [
            {"key": kind, "label": channel_labels[kind], "tickets": n}
            for kind, n in sorted(touchpoints.items(), key=lambda item: (-item[1], item[0]))
        ],
        "preferred_channels": preferred_channels(user=user, until=date_to),
    }


# The insight selectors live in .insights (this module past 400 lines); re-exported here, where
# the dashboard imports every selector from.
from .insights import agent_segment_matrix, backlog_age_buckets, reason_insights  # noqa: E402
