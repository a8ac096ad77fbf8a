"""Staff UI for channels and the journey records. Interactions, actions and events are written by
the channel adapters; here they are read. Outbound messages can be put back in the queue."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Action, Channel, Event, Interaction, OutboundMessage, OutboundStatus


class ReadOnlyAdminMixin:
    """Records written by the system: visible to staff, changed by nobody through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "default_queue", "address", "is_active")
    list_select_related = ("default_queue",)
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code", "address")
    prepopulated_fields = {"code": ("name",)}


class ActionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Action
    fields = ("kind", "agent", "outcome", "started_at", "ended_at")
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Action]:
        return super().get_queryset(request).select_related("agent")


class EventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Event
    fk_name = "interaction"
    fields = ("occurred_at", "kind", "action", "data")
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        return super().get_queryset(request).select_related("action")


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "started_at",
        "customer",
        "channel",
        "direction",
        "agent",
        "reason",
        "outcome",
        "ticket",
    )
    list_select_related = ("customer", "channel", "agent", "reason", "reason__parent", "ticket")
    list_filter = ("channel", "direction", "outcome", "reason")
    search_fields = ("customer__name", "customer__email", "customer__phone", "external_id")
    fields = (
        "customer",
        "channel",
        "direction",
        "agent",
        "ticket",
        "reason",
        "outcome",
        "external_id",
        "started_at",
        "ended_at",
        "note",
    )
    inlines = (ActionInline, EventInline)


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "to_address",
        "subject",
        "status",
        "attempts",
        "sent_at",
        "ticket",
    )
    list_select_related = ("ticket",)
    list_filter = ("status", "kind")
    search_fields = ("to_address", "subject", "ticket__reference")
    exclude = ("headers",)
    actions = ("retry",)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        # The rows are read-only, yet putting one back in the queue is a change.
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(description=_("Retry sending"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> None:
        retried = 0
        for outbound in queryset.order_by("pk"):
            if outbound.status != OutboundStatus.FAILED:
                self.message_user(
                    request,
                    _("%(to)s: only failed messages can be retried (this one is %(status)s).")
                    % {"to": outbound.to_address, "status": outbound.get_status_display()},
                    level=messages.WARNING,
                )
                continue
            services.retry_outbound(outbound=outbound)
            retried += 1
        if retried:
            self.message_user(
                request,
                _("%(count)d message(s) queued again.") % {"count": retried},
                level=messages.SUCCESS,
            )
