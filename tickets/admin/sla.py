"""Staff UI for SLA set-up (calendars, policies and their targets) and the SLA event log.

A policy edit applies to tickets created afterwards (targets are copied onto each ticket), so
saving these rows directly is the whole workflow; the events are written by the sweep only.
"""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from ..models import BusinessCalendar, ClosedDate, OpeningHours, SLAEvent, SLAPolicy, SLATarget
from ..selectors import visible_tickets


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class ClosedDateInline(admin.TabularInline):
    model = ClosedDate
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(SimpleHistoryAdmin):
    list_display = ("name", "time_zone", "holiday_country", "always_open")
    search_fields = ("name",)
    inlines = (OpeningHoursInline, ClosedDateInline)


class SLATargetInline(admin.TabularInline):
    model = SLATarget
    extra = 0


@admin.register(SLAPolicy)
class SLAPolicyAdmin(SimpleHistoryAdmin):
    list_display = ("name", "position", "calendar", "is_active")
    list_select_related = ("calendar",)
    list_filter = ("is_active", "calendar")
    search_fields = ("name",)
    filter_horizontal = ("queues", "segments")
    inlines = (SLATargetInline,)


@admin.register(SLAEvent)
class SLAEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "ticket", "metric", "kind", "due_at", "queue", "assignee")
    list_select_related = ("ticket", "queue", "assignee")
    list_filter = ("kind", "metric", "queue")
    search_fields = ("ticket__reference",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[SLAEvent]:
        return (
            super()
            .get_queryset(request)
            .filter(ticket__in=visible_tickets(request.user).values("pk"))
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
