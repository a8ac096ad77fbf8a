"""The admin ticket list filter behind the dashboard's drill-down links
(cim_site.analytics.drilldown.ticket_list_url). Wire it into tickets.admin.ticket.TicketAdmin:
`list_filter = (..., DrilldownFilter)`."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .drilldown import PARAMETER, drill_ticket_ids, parse_drill


class DrilldownFilter(admin.SimpleListFilter):
    title = _("dashboard figure")
    parameter_name = PARAMETER

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        # Shown only while a drill-down is applied, so the staff see why the list is short.
        value = request.GET.get(self.parameter_name)
        parsed = parse_drill(value) if value else None
        if parsed is None:
            return []
        metric, group_by, key, date_from, date_to = parsed
        label = f"{metric} {date_from:%d/%m/%Y}–{date_to:%d/%m/%Y}"
        if group_by:
            label += f" · {group_by} {key or '—'}"
        return [(value, label)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not value:
            return queryset
        ids = drill_ticket_ids(value)
        if ids is None:
            return queryset.none()
        return queryset.filter(pk__in=ids)
