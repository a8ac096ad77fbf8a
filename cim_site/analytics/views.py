"""The operations dashboard: the admin's landing page.

Supervisors and leads see every queue; an agent sees the figures of their own queues only — the
selectors in cim_site.analytics scope every number by the user, so this module never filters by
itself. Each chart comes with its table, every figure links to the tickets behind it, and every
table exports as CSV (`?format=csv&table=<name>`, UTF-8 with a BOM so Excel reads Vietnamese).
"""

import csv
import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError as DRFValidationError

from tickets.models import OPEN_STATUSES, Presence
from tickets.selectors import queue_ids_for, visible_queues

from .dashboard_figures import (
    bar_for,
    channel_daily_figure,
    daily_contacts_by_channel,
    daily_tickets_by_channel,
    trend_figures,
)
from .dashboard_tables import (
    GROUP_LABELS,
    JOURNEY_COLUMNS,
    OPERATIONS_COLUMNS,
    TIME_GROUPS,
    Period,
    Table,
    agent_tables,
    backlog_age_table,
    format_value,
    operations_table,
    reason_tables,
)

PRESETS = (7, 30, 90)


TILES = (
    ("open_backlog", gettext_lazy("Open backlog")),
    ("unassigned", gettext_lazy("Unassigned")),
    ("breaching_within_1h", gettext_lazy("Breaching within 1 h")),
    ("agents_online", gettext_lazy("Agents online")),
)


def _backend() -> Any:
    from . import drilldown, live, metrics, periods

    return metrics, periods, live, drilldown


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


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> Any:
    # Names come from staff input (queues, reasons, agents): text that Excel would run as a
    # formula is written as text.
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export_csv(table: Table, *, period: Period | None) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    span = f"{period.date_from:%Y%m%d}-{period.date_to:%Y%m%d}" if period else "today"
    response["Content-Disposition"] = f'attachment; filename="cim-{table.name}-{span}.csv"'
    # Excel reads a UTF-8 file as the local code page unless it starts with a BOM.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(table.csv_headers)
    writer.writerows([_csv_cell(value) for value in row] for row in table.csv_rows)
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
