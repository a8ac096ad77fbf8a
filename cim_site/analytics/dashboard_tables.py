"""The dashboard's tables: one model (cells with their drill-down links) rendered as HTML and
exported as CSV, numbers formatted for the reader's language, and the builders of each table
from the selectors' answers (cim_site.analytics.metrics)."""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from tickets.models import OPEN_STATUSES

from . import charts

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
