"""The operations dashboard: the admin's landing page.

Supervisors and leads see every queue; an agent sees the figures of their own queues only — the
selectors in cim_site.analytics scope every number by the user, so this module never filters by
itself. Each chart comes with its table, every figure links to the tickets behind it, and every
table exports as CSV (`?format=csv&table=<name>`, UTF-8 with a BOM so Excel reads Vietnamese).
"""

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError as DRFValidationError

from customers.models import ChannelKind
from tickets.models import OPEN_STATUSES, Presence
from tickets.selectors import queue_ids_for, visible_queues, visible_tickets

from . import charts

PRESETS = (7, 30, 90)
TIME_GROUPS = ("day", "week", "month")
GROUP_LABELS = {
    "day": gettext_lazy("Day"),
    "week": gettext_lazy("Week"),
    "month": gettext_lazy("Month"),
    "queue": gettext_lazy("Queue"),
    "channel": gettext_lazy("Channel"),
    "reason": gettext_lazy("Reason"),
    "agent": gettext_lazy("Agent"),
    "segment": gettext_lazy("Segment"),
    "priority": gettext_lazy("Priority"),
}

# (key, heading, kind, on screen). Kinds: count, minutes, rate (0–1), percent, number.
OPERATIONS_COLUMNS: tuple[tuple[str, Any, str, bool], ...] = (
    ("contacts", gettext_lazy("Contacts"), "count", True),
    ("tickets_created", gettext_lazy("Tickets created"), "count", True),
    ("tickets_solved", gettext_lazy("Tickets solved"), "count", True),
    ("backlog", gettext_lazy("Backlog"), "count", True),
    ("first_response_minutes_median", gettext_lazy("First response, median"), "minutes", True),
    (
        "first_response_minutes_p90",
        gettext_lazy("First response, 90th percentile"),
        "minutes",
        False,
    ),
    ("resolution_minutes_median", gettext_lazy("Resolution, median"), "minutes", True),
    ("resolution_minutes_p90", gettext_lazy("Resolution, 90th percentile"), "minutes", False),
    ("fcr_rate", gettext_lazy("First-contact resolution"), "rate", True),
    ("reopen_rate", gettext_lazy("Reopened"), "rate", False),
    ("sla_first_response_compliance", gettext_lazy("SLA first response met"), "rate", True),
    ("sla_resolution_compliance", gettext_lazy("SLA resolution met"), "rate", True),
    ("escalations", gettext_lazy("Escalations"), "count", False),
    ("csat_percent", gettext_lazy("CSAT"), "percent", True),
    ("nps", gettext_lazy("NPS"), "number", False),
    ("ces", gettext_lazy("CES"), "number", False),
    ("aht_minutes", gettext_lazy("Average handle time"), "minutes", True),
    ("acw_share", gettext_lazy("After-contact work share"), "rate", False),
)
JOURNEY_COLUMNS: tuple[tuple[str, Any, str, bool], ...] = (
    ("events_per_action", gettext_lazy("Events per action"), "number", True),
    ("actions_per_interaction", gettext_lazy("Actions per interaction"), "number", True),
    ("actions_per_experience", gettext_lazy("Actions per experience"), "number", True),
    ("interactions_per_experience", gettext_lazy("Interactions per experience"), "number", True),
    ("channels_per_experience", gettext_lazy("Channels per experience"), "number", True),
    ("channel_switch_rate", gettext_lazy("Channel switches"), "rate", True),
    ("bot_containment_rate", gettext_lazy("Bot containment"), "rate", True),
    ("bot_handoff_rate", gettext_lazy("Bot hand-off"), "rate", True),
    ("ivr_abandon_rate", gettext_lazy("IVR abandoned"), "rate", True),
    ("ivr_abandon_returned_rate", gettext_lazy("IVR abandoned, came back"), "rate", True),
)
TILES = (
    ("open_backlog", gettext_lazy("Open backlog")),
    ("unassigned", gettext_lazy("Unassigned")),
    ("breaching_within_1h", gettext_lazy("Breaching within 1 h")),
    ("agents_online", gettext_lazy("Agents online")),
)


# --- table model ---------------------------------------------------------------------------


@dataclass
class Cell:
    text: str
    value: Any = None
    href: str | None = None
    numeric: bool = False


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    chart: SafeString | None = None
    note: str = ""
    csv_headers: list[str] = field(default_factory=list)
    csv_rows: list[list[Any]] = field(default_factory=list)
    numeric: list[bool] = field(default_factory=list)
    csv_url: str = ""


def format_value(value: Any, kind: str) -> str:
    if value is None or value == "":
        return "—"
    if kind == "count":
        return formats.number_format(int(value), force_grouping=True)
    if kind == "minutes":
        minutes = float(value)
        if minutes >= 120:
            return _("%(hours)s h") % {"hours": formats.number_format(minutes / 60, 1)}
        return _("%(minutes)s min") % {"minutes": formats.number_format(minutes, 0)}
    if kind == "rate":
        return f"{formats.number_format(float(value) * 100, 0)}%"
    if kind == "percent":
        return f"{formats.number_format(float(value), 0)}%"
    if kind == "number":
        return formats.number_format(float(value), 1)
    return str(value)


def csv_value(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == "rate":
        return round(float(value) * 100, 1)
    if kind in ("minutes", "percent", "number"):
        return round(float(value), 1)
    return value


def csv_heading(label: Any, kind: str) -> str:
    if kind in ("rate", "percent"):
        return f"{label} (%)"
    if kind == "minutes":
        return f"{label} ({_('minutes')})"
    return str(label)


def period_label(key: Any, group_by: str, fallback: str) -> str:
    """Dates on the axes and in the tables, short and in the reader's language."""
    try:
        day = dt.date.fromisoformat(str(key)[:10])
    except ValueError:
        return str(fallback)
    english = (get_language() or "vi").startswith("en")
    if group_by == "month":
        return formats.date_format(day, "M Y" if english else "m/Y")
    if group_by == "week":
        return _("wk %(date)s") % {"date": formats.date_format(day, "M j" if english else "d/m")}
    return formats.date_format(day, "M j" if english else "d/m")


# --- the backend, read lazily so a missing selector never breaks the admin's URLconf -----------


def _backend() -> Any:
    from . import drilldown, live, metrics, periods

    return metrics, periods, live, drilldown


@dataclass
class Period:
    date_from: dt.date
    date_to: dt.date
    group_by: str

    @property
    def trend_group(self) -> str:
        return self.group_by if self.group_by in TIME_GROUPS else "day"

    def query(self, **extra: Any) -> str:
        params = {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "group_by": self.group_by,
            **extra,
        }
        return "?" + urlencode(params)


def _field_errors(exc: Exception) -> list[str]:
    """Messages of a period the selectors refused, each with the field it is about."""
    detail = getattr(exc, "detail", None)
    if detail is None and hasattr(exc, "error_dict"):
        detail = exc.message_dict
    if isinstance(detail, dict):
        return [
            f"{_field_name(name)}: {message}"
            for name, messages in detail.items()
            for message in (messages if isinstance(messages, list) else [messages])
        ]
    if isinstance(detail, list):
        return [str(message) for message in detail]
    return [str(message) for message in getattr(exc, "messages", [exc])]


def _field_name(name: str) -> str:
    return {"from": _("From"), "to": _("To"), "group_by": _("Group by")}.get(name, name)


def _drill(drilldown: Any, period: Period) -> Callable[..., str | None]:
    def url(metric: str, key: Any = None, group_by: str | None = None) -> str | None:
        try:
            return drilldown.ticket_list_url(
                metric=metric,
                key=key,
                group_by=group_by,
                date_from=period.date_from,
                date_to=period.date_to,
            )
        except (ValueError, KeyError, ValidationError, DRFValidationError):
            # A figure no ticket list can show (e.g. NPS) stays plain text.
            return None

    return url


def operations_table(
    *,
    name: str,
    title: str,
    data: dict[str, Any],
    group_by: str,
    drill: Callable[..., str | None],
    columns: Sequence[tuple[str, Any, str, bool]] = OPERATIONS_COLUMNS,
) -> Table:
    results = data.get("results") or []
    shown = [c for c in columns if c[3]]
    head = str(GROUP_LABELS.get(group_by, group_by))
    rows = []
    for row in results:
        label = period_label(row.get("key"), group_by, row.get("label") or row.get("key") or "—")
        cells = [Cell(label)]
        for key, _heading, kind, _on_screen in shown:
            value = row.get(key)
            href = drill(key, row.get("key"), group_by) if value not in (None, 0) else None
            cells.append(Cell(format_value(value, kind), value, href, numeric=True))
        rows.append(cells)
    totals = data.get("totals") or {}
    if results and totals:
        cells = [Cell(_("Total"))]
        for key, _heading, kind, _on_screen in shown:
            value = totals.get(key)
            href = drill(key) if value not in (None, 0) else None
            cells.append(Cell(format_value(value, kind), value, href, numeric=True))
        rows.append(cells)
    csv_rows = [
        [
            row.get("key"),
            str(row.get("label") or row.get("key") or ""),
            *(csv_value(row.get(key), kind) for key, _h, kind, _s in columns),
        ]
        for row in results
    ]
    return Table(
        name=name,
        title=title,
        headers=[head, *(str(c[1]) for c in shown)],
        rows=rows,
        csv_headers=[_("Key"), head, *(csv_heading(c[1], c[2]) for c in columns)],
        csv_rows=csv_rows,
        numeric=[False, *(True for _c in shown)],
    )


def simple_table(
    *,
    name: str,
    title: str,
    columns: Sequence[tuple[str, Any, str]],
    rows: Iterable[dict[str, Any]],
    link: Callable[[dict[str, Any]], str | None] = lambda row: None,
) -> Table:
    """A table over a list of dicts; the first column is the row's label and carries the link
    to the tickets behind the row."""
    rows = list(rows)
    return Table(
        name=name,
        title=title,
        headers=[str(heading) for _key, heading, _kind in columns],
        rows=[
            [
                Cell(
                    format_value(row.get(key), kind)
                    if kind != "text"
                    else str(row.get(key) or "—"),
                    row.get(key),
                    link(row) if index == 0 else None,
                    numeric=kind != "text",
                )
                for index, (key, _heading, kind) in enumerate(columns)
            ]
            for row in rows
        ],
        csv_headers=[csv_heading(heading, kind) for _key, heading, kind in columns],
        csv_rows=[
            [
                csv_value(row.get(key), kind) if kind != "text" else str(row.get(key) or "")
                for key, _heading, kind in columns
            ]
            for row in rows
        ],
        numeric=[kind != "text" for _key, _heading, kind in columns],
    )


def reason_tables(*, data: dict[str, Any], drill: Callable[..., str | None]) -> list[Table]:
    top = simple_table(
        name="reasons",
        title=_("Top reasons"),
        columns=[
            ("label", _("Reason"), "text"),
            ("tickets", _("Tickets"), "count"),
            ("previous", _("Previous period"), "count"),
            ("trend", _("Change"), "rate"),
        ],
        rows=data.get("top_reasons") or [],
        link=lambda row: drill("tickets_created", row.get("key"), "reason"),
    )
    top.chart = charts.bar_chart(
        title=top.title,
        empty=_("No data in this period."),
        desc=_("Tickets per reason in the period, most frequent first."),
        rows=[
            (str(r["label"]), r["tickets"], drill("tickets_created", r.get("key"), "reason"))
            for r in data.get("top_reasons") or []
        ],
    )
    without = data.get("tickets_without_reason") or 0
    if without:
        top.note = _("%(count)s of %(total)s tickets have no reason yet.") % {
            "count": without,
            "total": data.get("tickets") or 0,
        }
    # Reason × channel as a grid: a row per reason, a column per channel.
    cells = data.get("reason_by_channel") or []
    channels = sorted({(c["channel_label"], c["channel"]) for c in cells})
    grid: dict[Any, dict[str, Any]] = {}
    for c in cells:
        row = grid.setdefault(c["reason"], {"key": c["reason"], "label": c["reason_label"]})
        row[c["channel"]] = c["tickets"]
    by_channel = simple_table(
        name="reason_channel",
        title=_("Reasons by channel"),
        columns=[
            ("label", _("Reason"), "text"),
            *((code, label, "count") for label, code in channels),
        ],
        rows=grid.values(),
        link=lambda row: drill("tickets_created", row.get("key"), "reason"),
    )
    worst_fcr = simple_table(
        name="reason_fcr",
        title=_("Reasons least often solved at first contact"),
        columns=[
            ("label", _("Reason"), "text"),
            ("solved", _("Tickets solved"), "count"),
            ("fcr_rate", _("First-contact resolution"), "rate"),
        ],
        rows=data.get("worst_fcr") or [],
        link=lambda row: drill("fcr_rate", row.get("key"), "reason"),
    )
    worst_csat = simple_table(
        name="reason_csat",
        title=_("Reasons with the lowest satisfaction"),
        columns=[("label", _("Reason"), "text"), ("csat_percent", _("CSAT"), "percent")],
        rows=data.get("worst_csat") or [],
        link=lambda row: drill("tickets_solved", row.get("key"), "reason"),
    )
    return [top, by_channel, worst_fcr, worst_csat]


def agent_tables(*, data: dict[str, Any], drill: Callable[..., str | None]) -> list[Table]:
    matrix = simple_table(
        name="matrix",
        title=_("Agents × customer segments (tickets solved)"),
        columns=[
            ("agent_label", _("Agent"), "text"),
            ("segment_label", _("Segment"), "text"),
            ("solved", _("Tickets solved"), "count"),
            ("resolution_minutes_median", _("Resolution, median"), "minutes"),
            ("fcr_rate", _("First-contact resolution"), "rate"),
            ("csat_percent", _("CSAT"), "percent"),
        ],
        rows=data.get("cells") or [],
        link=lambda row: drill("tickets_solved", row.get("agent"), "agent"),
    )
    hard = simple_table(
        name="hard_problems",
        title=_("Who solves the hard problems"),
        columns=[
            ("agent_label", _("Agent"), "text"),
            ("solved", _("Tickets solved"), "count"),
            ("hard_solved", _("Hard problems solved"), "count"),
            ("hard_share", _("Share of hard problems"), "rate"),
        ],
        rows=data.get("hard_problems") or [],
        link=lambda row: drill("hard_problems", row.get("agent"), "agent"),
    )
    hard.note = _("Hard: reopened, escalated or transferred at least twice in all.")
    return [matrix, hard]


def backlog_age_table(*, data: dict[str, Any]) -> Table:
    today = timezone.localdate()

    def link(row: dict[str, Any]) -> str | None:
        if not row.get("tickets"):
            return None
        params = {"status__in": ",".join(OPEN_STATUSES)}
        params["created_at__date__lte"] = (today - dt.timedelta(days=row["min_days"])).isoformat()
        if row.get("max_days") is not None:
            newest = today - dt.timedelta(days=row["max_days"])
            params["created_at__date__gt"] = newest.isoformat()
        return f"{reverse('admin:tickets_ticket_changelist')}?{urlencode(params)}"

    table = simple_table(
        name="backlog_age",
        title=_("Open tickets by age"),
        columns=[("label", _("Age (days)"), "text"), ("tickets", _("Tickets"), "count")],
        rows=data.get("results") or [],
        link=link,
    )
    table.chart = charts.bar_chart(
        title=table.title,
        empty=_("No data in this period."),
        desc=_("Open tickets now, by days since they were opened."),
        rows=[(str(r["label"]), r["tickets"], link(r)) for r in data.get("results") or []],
        label_chars=8,
    )
    return table


def live_links() -> dict[str, str]:
    """The tickets (or agents) behind each live tile, as the admin lists show them now."""
    tickets = reverse("admin:tickets_ticket_changelist")
    open_now = {"status__in": ",".join(OPEN_STATUSES)}
    return {
        "open_backlog": f"{tickets}?{urlencode(open_now)}",
        "unassigned": f"{tickets}?{urlencode({**open_now, 'assignee__isnull': 'True'})}",
        "breaching_within_1h": f"{tickets}?{urlencode({'sla': 'due_1h'})}",
        "agents_online": f"{reverse('admin:tickets_agentprofile_changelist')}?"
        + urlencode({"presence__exact": Presence.ONLINE}),
    }


# --- the trend charts ------------------------------------------------------------------------


def daily_tickets_by_channel(*, user: Any, period: Period) -> list[dict[str, Any]]:
    """Tickets created per day and channel, days in the site's time zone."""
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(period.date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return list(
        visible_tickets(user)
        .filter(created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day", "channel")
        .annotate(n=Count("id"))
        .order_by("day", "channel")
    )


def daily_contacts_by_channel(*, user: Any, period: Period) -> list[dict[str, Any]]:
    """Contacts (interactions) per day and channel, from the daily rollups."""
    from .metrics import visible_rollups

    return list(
        visible_rollups(user)
        .filter(date__gte=period.date_from, date__lte=period.date_to)
        .values("date", "channel")
        .annotate(n=Sum("contacts"))
        .values("n", "channel", day=F("date"))
        .order_by("day", "channel")
    )


def _days(period: Period) -> list[dt.date]:
    span = (period.date_to - period.date_from).days
    return [period.date_from + dt.timedelta(days=i) for i in range(span + 1)]


def channel_colour(channel: str) -> str:
    kinds = list(ChannelKind.values)
    index = kinds.index(channel) if channel in kinds else len(kinds)
    return charts.PALETTE[index % len(charts.PALETTE)]


def channel_daily_figure(
    *,
    name: str,
    title: str,
    rows: list[dict[str, Any]],
    period: Period,
    drill: Callable[..., str | None],
) -> Table:
    """A stacked column per day, a block per channel, and the same numbers as a table."""
    days = _days(period)
    channels = sorted({r["channel"] for r in rows if r["n"]})
    counts = {(r["day"], r["channel"]): r["n"] or 0 for r in rows}
    names = {c: str(ChannelKind(c).label) if c in ChannelKind.values else c for c in channels}
    labels = [period_label(d, "day", d) for d in days]

    def link(day: dt.date, channel: str) -> str | None:
        # The tickets opened that day, narrowed to the channel by the ticket list's own filter.
        url = drill("tickets_created", day.isoformat(), "day")
        return f"{url}&{urlencode({'channel__exact': channel})}" if url else None

    series = [
        charts.Series(
            names[c],
            [counts.get((d, c), 0) for d in days],
            [link(d, c) for d in days],
            colour=channel_colour(c),
        )
        for c in channels
    ]
    headers = [_("Day"), *(names[c] for c in channels), _("Total")]
    table = Table(
        name=name,
        title=title,
        headers=headers,
        rows=[
            [
                Cell(labels[i], href=drill("tickets_created", d.isoformat(), "day")),
                *(
                    Cell(format_value(counts.get((d, c), 0), "count"), numeric=True)
                    for c in channels
                ),
                Cell(
                    format_value(sum(counts.get((d, c), 0) for c in channels), "count"),
                    numeric=True,
                ),
            ]
            for i, d in enumerate(days)
        ],
        csv_headers=headers,
        csv_rows=[
            [
                d.isoformat(),
                *(counts.get((d, c), 0) for c in channels),
                sum(counts.get((d, c), 0) for c in channels),
            ]
            for d in days
        ],
        numeric=[False, *(True for _c in channels), True],
    )
    table.chart = charts.stacked_bar_chart(
        title=title,
        empty=_("No data in this period."),
        desc=_(
            "Stacked columns: one per day, one colour per channel. The table below has the numbers."
        ),
        labels=labels,
        series=series,
    )
    return table


def trend_figures(*, trend: dict[str, Any], period: Period) -> list[tuple[str, SafeString]]:
    results = trend.get("results") or []
    group = period.trend_group
    labels = [period_label(r.get("key"), group, r.get("label") or r.get("key")) for r in results]

    def values(key: str, scale: float = 1.0) -> list[float | None]:
        return [None if r.get(key) is None else float(r[key]) * scale for r in results]

    desc = _("Line chart by %(group)s; the trend table below has the numbers.") % {
        "group": str(GROUP_LABELS[group]).lower()
    }
    figures = [
        (
            _("Contacts and tickets"),
            [
                charts.Series(_("Contacts"), values("contacts")),
                charts.Series(_("Tickets created"), values("tickets_created")),
                charts.Series(_("Tickets solved"), values("tickets_solved")),
            ],
            "",
            None,
        ),
        (
            _("Response and resolution times (median, minutes)"),
            [
                charts.Series(_("First response"), values("first_response_minutes_median")),
                charts.Series(_("Resolution"), values("resolution_minutes_median")),
            ],
            "",
            None,
        ),
        (
            _("First-contact resolution and SLA compliance (%)"),
            [
                charts.Series(_("FCR"), values("fcr_rate", 100)),
                charts.Series(
                    _("SLA first response"), values("sla_first_response_compliance", 100)
                ),
                charts.Series(_("SLA resolution"), values("sla_resolution_compliance", 100)),
            ],
            "%",
            100.0,
        ),
        (
            _("Customer satisfaction (CSAT, %)"),
            [charts.Series(_("CSAT"), values("csat_percent"))],
            "%",
            100.0,
        ),
    ]
    return [
        (
            title,
            charts.line_chart(
                title=title,
                desc=desc,
                labels=labels,
                series=series,
                unit=unit,
                maximum=maximum,
                empty=_("No data in this period."),
            ),
        )
        for title, series, unit, maximum in figures
    ]


def bar_for(
    table_rows: list[dict[str, Any]], *, metric: str, group_by: str, title: str, drill: Any
) -> SafeString:
    rows = [
        (
            str(r.get("label") or r.get("key") or "—"),
            None if r.get(metric) is None else float(r[metric]),
            drill(metric, r.get("key"), group_by),
        )
        for r in table_rows
    ]
    return charts.bar_chart(
        title=title,
        empty=_("No data in this period."),
        desc=_("Horizontal bars; the table beside has every figure."),
        rows=rows,
    )


# --- the view ------------------------------------------------------------------------------


def build_dashboard(*, user: Any, params: Any) -> dict[str, Any]:
    metrics, periods, live, drilldown = _backend()
    today = timezone.localdate()
    context: dict[str, Any] = {
        "presets": [],
        "group_choices": [(g, GROUP_LABELS[g]) for g in periods.GROUPS],
        "errors": [],
        "tables": {},
        "figures": [],
    }
    tiles = live.live_tiles(user=user)
    links = live_links()
    context["tiles"] = [
        {"name": name, "label": label, "value": tiles.get(name), "href": links[name]}
        for name, label in TILES
    ]
    for days in PRESETS:
        preset = Period(today - dt.timedelta(days=days - 1), today, params.get("group_by") or "day")
        if preset.group_by not in periods.GROUPS:
            preset.group_by = "day"
        context["presets"].append({"days": days, "query": preset.query()})
    try:
        date_from, date_to, group_by = periods.parse_period(params)
    except (ValidationError, DRFValidationError) as exc:
        context["errors"] = _field_errors(exc)
        context["form"] = {
            "date_from": params.get("from", ""),
            "date_to": params.get("to", ""),
            "group_by": params.get("group_by", "day"),
        }
        return context
    period = Period(date_from, date_to, group_by)
    context["period"] = period
    context["form"] = {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "group_by": group_by,
    }
    drill = _drill(drilldown, period)
    tables: dict[str, Table] = {}

    def ops(group: str) -> dict[str, Any]:
        return metrics.operations_metrics(
            user=user, date_from=date_from, date_to=date_to, group_by=group
        )

    trend = ops(period.trend_group)
    tables["trend"] = operations_table(
        name="trend",
        title=_("Trend by %(group)s") % {"group": str(GROUP_LABELS[period.trend_group]).lower()},
        data=trend,
        group_by=period.trend_group,
        drill=drill,
    )
    context["totals"] = trend.get("totals") or {}
    context["headline"] = [
        {
            "label": heading,
            "value": format_value(context["totals"].get(key), kind),
            "href": drill(key) if context["totals"].get(key) not in (None, 0) else None,
        }
        for key, heading, kind, _s in OPERATIONS_COLUMNS
        if key
        in (
            "contacts",
            "tickets_created",
            "tickets_solved",
            "fcr_rate",
            "sla_resolution_compliance",
            "csat_percent",
        )
    ]
    tables["contacts_daily"] = channel_daily_figure(
        name="contacts_daily",
        title=_("Contacts per day and channel"),
        rows=daily_contacts_by_channel(user=user, period=period),
        period=period,
        drill=drill,
    )
    tables["channel_daily"] = channel_daily_figure(
        name="channel_daily",
        title=_("Tickets created per day and channel"),
        rows=daily_tickets_by_channel(user=user, period=period),
        period=period,
        drill=drill,
    )
    context["figures"] = trend_figures(trend=trend, period=period)

    dimensions = [
        ("channel", _("By channel"), "contacts", _("Contacts per channel")),
        ("queue", _("By queue"), "tickets_created", _("Tickets created per queue")),
        ("reason", _("By reason"), "tickets_created", _("Tickets created per reason")),
        ("agent", _("By agent"), "tickets_solved", _("Tickets solved per agent")),
    ]
    if group_by not in TIME_GROUPS and group_by not in {d[0] for d in dimensions}:
        dimensions.append(
            (
                group_by,
                _("By %(group)s") % {"group": str(GROUP_LABELS[group_by]).lower()},
                "tickets_created",
                _("Tickets created per %(group)s") % {"group": str(GROUP_LABELS[group_by]).lower()},
            )
        )
    for group, title, metric, chart_title in dimensions:
        data = ops(group)
        table = operations_table(name=group, title=title, data=data, group_by=group, drill=drill)
        table.chart = bar_for(
            data.get("results") or [], metric=metric, group_by=group, title=chart_title, drill=drill
        )
        tables[group] = table

    journey = metrics.journey_metrics(
        user=user, date_from=date_from, date_to=date_to, group_by="channel"
    )
    tables["journey"] = operations_table(
        name="journey",
        title=_("Customer journey by channel"),
        data=journey,
        group_by="channel",
        drill=drill,
        columns=JOURNEY_COLUMNS,
    )
    context["journey_totals"] = [
        {"label": heading, "value": format_value((journey.get("totals") or {}).get(key), kind)}
        for key, heading, kind, _s in JOURNEY_COLUMNS
    ]
    for table in reason_tables(
        data=metrics.reason_insights(user=user, date_from=date_from, date_to=date_to), drill=drill
    ):
        tables[table.name] = table
    for table in agent_tables(
        data=metrics.agent_segment_matrix(user=user, date_from=date_from, date_to=date_to),
        drill=drill,
    ):
        tables[table.name] = table
    tables["backlog_age"] = backlog_age_table(data=metrics.backlog_age_buckets(user=user))
    context["daily_tables"] = [tables["contacts_daily"], tables["channel_daily"]]
    context["breakdowns"] = [tables[group] for group, *_rest in dimensions]
    context["reason_tables"] = [tables[n] for n in ("reasons", "reason_channel")]
    context["reason_worst"] = [tables[n] for n in ("reason_fcr", "reason_csat")]
    context["agent_tables"] = [tables[n] for n in ("matrix", "hard_problems")]
    context["tables"] = tables
    return context


def export_csv(table: Table, *, period: Period | None) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    span = f"{period.date_from:%Y%m%d}-{period.date_to:%Y%m%d}" if period else "today"
    response["Content-Disposition"] = f'attachment; filename="cim-{table.name}-{span}.csv"'
    # Excel reads a UTF-8 file as the local code page unless it starts with a BOM.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(table.csv_headers)
    writer.writerows(table.csv_rows)
    return response


def can_see_dashboard(user: Any) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm("tickets.view_ticket"))


def dashboard(request: HttpRequest) -> HttpResponse:
    """The admin index: the dashboard (for those who may read tickets) above the app list."""
    site = admin.site
    context: dict[str, Any] = {
        **site.each_context(request),
        "title": site.index_title,
        "subtitle": None,
        "app_list": site.get_app_list(request),
        "show_dashboard": can_see_dashboard(request.user),
    }
    status = 200
    if context["show_dashboard"]:
        dashboard_context = build_dashboard(user=request.user, params=request.GET)
        context.update(dashboard_context)
        context["title"] = _("Operations dashboard")
        if queue_ids_for(request.user) is not None:
            context["own_queues"] = list(
                visible_queues(request.user).values_list("name", flat=True)
            )
        if dashboard_context["errors"]:
            status = 400
        elif request.GET.get("format") == "csv":
            table = dashboard_context["tables"].get(request.GET.get("table", ""))
            if table is None:
                context["errors"] = [_("There is no table of that name to export.")]
                status = 404
            else:
                return export_csv(table, period=dashboard_context.get("period"))
        elif "period" in dashboard_context:
            base = dashboard_context["period"]
            for table in dashboard_context["tables"].values():
                table.csv_url = base.query(format="csv", table=table.name)
    request.current_app = site.name
    return TemplateResponse(request, "admin/dashboard.html", context, status=status)
