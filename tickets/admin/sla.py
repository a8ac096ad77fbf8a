"""Staff UI for SLA set-up (calendars, policies and their targets) and the SLA event log.

A policy edit applies to tickets created afterwards (targets are copied onto each ticket), so
saving these rows directly is the whole workflow; the events are written by the sweep only.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cim_site.permissions import TicketScopedAdminMixin
from customers.models import ChannelKind

from .. import sla_config
from ..models import (
    BusinessCalendar,
    ClosedDate,
    OpeningHours,
    Priority,
    SLAEvent,
    SLAPolicy,
    SLATarget,
    TicketStatus,
)


class OpeningHoursFormSet(BaseInlineFormSet):
    """The whole week is checked at once: overlapping ranges, and a calendar with no open hour
    at all (unless it is open 24/7), are refused with the same sentences as the API."""

    def clean(self) -> None:
        super().clean()
        rows = [
            sla_config.HoursRow(
                weekday=form.cleaned_data["weekday"],
                opens=form.cleaned_data["opens"],
                closes=form.cleaned_data["closes"],
            )
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("opens") is not None
            and form.cleaned_data.get("closes") is not None
        ]
        problems = sla_config.check_hours(always_open=self.instance.always_open, hours=rows)
        if problems:
            raise ValidationError(problems)


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    formset = OpeningHoursFormSet
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


class SLAPolicyForm(forms.ModelForm):
    """The policy's list conditions as tick boxes instead of raw JSON."""

    priorities = forms.TypedMultipleChoiceField(
        label=_("priorities"),
        choices=Priority.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every priority."),
    )
    channels = forms.MultipleChoiceField(
        label=_("channels"),
        choices=ChannelKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every channel."),
    )
    pause_statuses = forms.MultipleChoiceField(
        label=_("statuses that pause the clock"),
        choices=[(s.value, s.label) for s in (TicketStatus.PENDING, TicketStatus.ON_HOLD)],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = SLAPolicy
        fields = [
            "name",
            "position",
            "is_active",
            "calendar",
            "queues",
            "priorities",
            "segments",
            "channels",
            "pause_statuses",
            "warning_percent",
            "escalate_raise_priority",
            "escalate_to_queue",
            "escalate_notify",
        ]


@admin.register(SLAPolicy)
class SLAPolicyAdmin(SimpleHistoryAdmin):
    form = SLAPolicyForm
    list_display = ("name", "position", "calendar", "is_active")
    list_select_related = ("calendar",)
    list_filter = ("is_active", "calendar")
    search_fields = ("name",)
    filter_horizontal = ("queues", "segments")
    inlines = (SLATargetInline,)


@admin.register(SLAEvent)
class SLAEventAdmin(TicketScopedAdminMixin, admin.ModelAdmin):
    ticket_path = "ticket"

    list_display = ("created_at", "ticket", "metric", "kind", "due_at", "queue", "assignee")
    list_select_related = ("ticket", "queue", "assignee")
    list_filter = ("kind", "metric", "queue")
    search_fields = ("ticket__reference",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
