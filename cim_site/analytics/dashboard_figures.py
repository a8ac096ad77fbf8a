"""The dashboard's trend figures: the daily per-channel columns (read here, scoped by the user's
queues) and the line charts drawn from the trend table's rows."""

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from customers.models import ChannelKind
from tickets.selectors import visible_tickets

from . import charts
from .dashboard_tables import GROUP_LABELS, Cell, Period, Table, format_value, period_label


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
