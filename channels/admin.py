"""Staff UI for channels and the journey records. Interactions, actions and events are written by
the channel adapters; here they are read. Outbound messages can be put back in the queue."""

import json
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cim_site.permissions import TicketScopedAdminMixin, own_unticketed_interactions
from customers.admin import DomainErrorFormMixin, add_customer_inline, adopt
from customers.models import ChannelKind
from tickets.admin.ticket import add_ticket_page_context, set_reply_via
from tickets.models import InteractionReason

from . import intake, journey, services
from .chat import CHAT_IDLE
from .chatbot_metrics import bot_metrics
from .errors import ChannelError
from .models import (
    Action,
    Channel,
    ChatSession,
    ChatStatus,
    Event,
    InboundMessage,
    Interaction,
    OutboundMessage,
    OutboundStatus,
)
from .secrets import SECRET_KEYS, is_secret_key, masked_config, public_config, secret_keys_in


class ReadOnlyAdminMixin:
    """Records written by the system: visible to staff, changed by nobody through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


CHANNEL_FIELDS = (
    "name",
    "code",
    "kind",
    "default_queue",
    "address",
    "sender_name",
    "sender_address",
    "config",
    "is_active",
)


class _ChannelFormBase(forms.ModelForm):
    """Edits a channel's settings without ever showing its secrets: the settings field holds the
    rest, and each secret has a write-only input (empty: keep it) and a box to clear it."""

    class Meta:
        model = Channel
        fields = CHANNEL_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.config if isinstance(self.instance.config, dict) else {}
        self.initial["config"] = public_config(stored)
        for key in SECRET_KEYS:
            field = self.fields[f"set_{key}"]
            field.help_text = (
                _("Set. Leave empty to keep it.") if stored.get(key) else _("Not set.")
            )

    def clean_config(self) -> Any:
        value = self.cleaned_data.get("config")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError(_("The settings must be a JSON object."))
        secrets = sorted(k for k in value if is_secret_key(k))
        if secrets:
            raise forms.ValidationError(
                _("Secrets go in their own write-only fields, not in the settings: %(keys)s.")
                % {"keys": ", ".join(secrets)}
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "config" not in data:
            return data
        stored = self.instance.config if isinstance(self.instance.config, dict) else {}
        merged = dict(data["config"])
        # Secrets the form does not list (found by their name) are kept as they are.
        merged.update({k: v for k, v in stored.items() if is_secret_key(k)})
        for key in SECRET_KEYS:
            new_value = (data.get(f"set_{key}") or "").strip()
            if data.get(f"clear_{key}"):
                merged.pop(key, None)
            elif new_value:
                merged[key] = new_value
        data["config"] = merged
        return data


def _secret_form_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for key in SECRET_KEYS:
        fields[f"set_{key}"] = forms.CharField(
            label=key,
            required=False,
            strip=True,
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        )
        fields[f"clear_{key}"] = forms.BooleanField(
            label=_("clear %(key)s") % {"key": key}, required=False
        )
    return fields


ChannelForm = type("ChannelForm", (_ChannelFormBase,), _secret_form_fields())
SECRET_FORM_FIELDS = tuple(name for key in SECRET_KEYS for name in (f"set_{key}", f"clear_{key}"))


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    """Channels hold the credentials of the platforms (see channels.secrets): only people who may
    change a channel (supervisors, administrators) see the write-only secret inputs; everyone
    else sees the settings with every secret masked and whether each one is set."""

    form = ChannelForm
    list_display = ("name", "code", "kind", "default_queue", "address", "is_active")
    list_select_related = ("default_queue",)
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code", "address")
    prepopulated_fields = {"code": ("name",)}

    def get_fieldsets(self, request: HttpRequest, obj: Channel | None = None) -> Any:
        if obj is not None and not self.has_change_permission(request, obj):
            shown = tuple(f for f in CHANNEL_FIELDS if f != "config")
            return [
                (None, {"fields": (*shown, "masked_settings")}),
                (_("Secrets"), {"fields": ("secrets_status",)}),
            ]
        return [
            (None, {"fields": CHANNEL_FIELDS}),
            (
                _("Secrets (write-only)"),
                {
                    "fields": [(f"set_{key}", f"clear_{key}") for key in SECRET_KEYS],
                    "description": _(
                        "A secret is never shown again once saved. Type a new value to replace "
                        "it, tick “clear” to remove it, leave both empty to keep it."
                    ),
                },
            ),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Channel | None = None) -> Any:
        if obj is not None and not self.has_change_permission(request, obj):
            return (*CHANNEL_FIELDS, "masked_settings", "secrets_status")
        return ()

    @admin.display(description=_("settings"))
    def masked_settings(self, obj: Channel) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(masked_config(obj.config), indent=2, ensure_ascii=False)
        )

    @admin.display(description=_("secrets"))
    def secrets_status(self, obj: Channel) -> str:
        config = obj.config if isinstance(obj.config, dict) else {}
        rows = [
            f"{key}: {_('set') if config.get(key) else _('not set')}"
            for key in secret_keys_in(config)
        ]
        return format_html("<pre>{}</pre>", "\n".join(rows))


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


class InteractionForm(forms.ModelForm):
    """A contact written down by staff (walk-in, outbound call) or completed afterwards (the
    reason and outcome of a call). Only active reasons, never a category."""

    class Meta:
        model = Interaction
        fields = (
            "customer",
            "channel",
            "direction",
            "ticket",
            "reason",
            "outcome",
            "started_at",
            "ended_at",
            "note",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "reason" in self.fields:
            current = self.instance.reason_id if self.instance.pk else None
            keep = Q(pk=current) if current else Q(pk__in=[])
            self.fields["reason"].queryset = InteractionReason.objects.filter(
                Q(parent__isnull=False, is_active=True) | keep
            ).select_related("parent")
        if "channel" in self.fields:
            self.fields["channel"].initial = (
                Channel.objects.filter(kind=ChannelKind.WALK_IN, is_active=True)
                .values_list("pk", flat=True)
                .first()
            )


@admin.register(Interaction)
class InteractionAdmin(TicketScopedAdminMixin, DomainErrorFormMixin, admin.ModelAdmin):
    """Interactions come from the channels; staff add walk-ins and outbound calls by hand and set
    the reason and outcome afterwards. Both through channels.services."""

    domain_errors = (ChannelError,)
    form = InteractionForm
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
    autocomplete_fields = ("customer", "ticket")
    inlines = (ActionInline, EventInline)
    change_fields = ("reason", "outcome", "note")
    ticket_path = "ticket"

    def own_rows_q(self, request: HttpRequest) -> Q | None:
        return own_unticketed_interactions(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Interaction | None = None) -> Any:
        if obj is None:
            return ()
        return (
            "customer",
            "channel",
            "direction",
            "agent",
            "ticket",
            "external_id",
            "started_at",
            "ended_at",
        )

    def get_fields(self, request: HttpRequest, obj: Interaction | None = None) -> Any:
        if obj is None:
            return InteractionForm.Meta.fields
        return (*self.get_readonly_fields(request, obj), *self.change_fields)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is not None:
            kwargs["fields"] = self.change_fields
        return super().get_form(request, obj, change, **kwargs)

    def get_inlines(self, request: HttpRequest, obj: Interaction | None) -> Any:
        return self.inlines if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Interaction, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            interaction = journey.update_interaction(
                interaction=obj,
                by=request.user,
                reason=data.get("reason"),
                outcome=data.get("outcome") or "",
                note=data.get("note") or "",
            )
        else:
            interaction = journey.record_manual_interaction(
                customer=data["customer"],
                channel=data["channel"],
                by=request.user,
                direction=data["direction"],
                reason=data.get("reason"),
                outcome=data.get("outcome") or "",
                note=data.get("note") or "",
                ticket=data.get("ticket"),
                started_at=data.get("started_at"),
                ended_at=data.get("ended_at"),
            )
        adopt(obj, interaction)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Actions and events are written by the service, never through the inlines.
        return


class CustomerJourneyInline(TicketScopedAdminMixin, admin.TabularInline):
    """The customer's journey on the customer page: every interaction on every channel, newest
    first, with its reason, agent and ticket."""

    model = Interaction
    fk_name = "customer"
    template = "admin/tickets/readonly_tabular.html"
    fields = ("started_at", "channel", "direction", "reason", "outcome", "agent", "ticket_link")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = _("interaction")
    verbose_name_plural = _("journey (all interactions, newest first)")
    ordering = ("-started_at", "-id")
    ticket_path = "ticket"

    def own_rows_q(self, request: HttpRequest) -> Q | None:
        return own_unticketed_interactions(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Interaction]:
        return (
            super()
            .get_queryset(request)
            .select_related("channel", "reason", "reason__parent", "agent", "ticket")
            .order_by("-started_at", "-id")
        )

    @admin.display(description=_("ticket"))
    def ticket_link(self, obj: Interaction) -> str:
        if obj.ticket_id is None:
            return "—"
        url = reverse("admin:tickets_ticket_change", args=[obj.ticket_id])
        return format_html('<a href="{}">{}</a>', url, obj.ticket.reference)


add_customer_inline(CustomerJourneyInline)


@admin.register(InboundMessage)
class InboundMessageAdmin(TicketScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Raw input as received. A failed row shows its reason and can be processed again."""

    list_display = (
        "received_at",
        "channel",
        "source",
        "external_id",
        "status",
        "short_error",
        "ticket",
    )
    list_select_related = ("channel", "ticket")
    list_filter = ("status", "channel", "source")
    search_fields = ("external_id", "error")
    fields = (
        "channel",
        "source",
        "external_id",
        "content_type",
        "status",
        "error",
        "attempts",
        "received_at",
        "processed_at",
        "ticket",
        "interaction",
        "raw_preview",
    )
    readonly_fields = fields
    actions = ("process_again",)
    # Raw input not processed yet (or failed) belongs to no queue: supervisors only.
    ticket_path = ("ticket", "interaction__ticket")

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundMessage]:
        # The raw bytes are read on the detail page only.
        return super().get_queryset(request).defer("raw")

    @admin.display(description=_("error"))
    def short_error(self, obj: InboundMessage) -> str:
        return (obj.error or "")[:80]

    @admin.display(description=_("raw input"))
    def raw_preview(self, obj: InboundMessage) -> str:
        text = bytes(obj.raw or b"")[:20000].decode("utf-8", errors="replace")
        return format_html('<pre style="white-space:pre-wrap">{}</pre>', text)

    def has_process_again_permission(self, request: HttpRequest) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(description=_("Process again"), permissions=["process_again"])
    def process_again(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        done = sum(
            intake.reprocess_inbound(inbound=row) for row in queryset.defer("raw").order_by("pk")
        )
        skipped = queryset.count() - done
        if done:
            self.message_user(
                request,
                _("%(count)d message(s) queued again.") % {"count": done},
                level=messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                _("%(count)d message(s) were not failed and were left alone.") % {"count": skipped},
                level=messages.WARNING,
            )


@admin.register(ChatSession)
class ChatSessionAdmin(TicketScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "customer", "ticket", "mode", "status", "last_seen_at")
    list_select_related = ("customer", "ticket")
    list_filter = ("mode", "status")
    exclude = ("browser_key_hash",)
    # A chat with the bot alone has no ticket yet: supervisors only.
    ticket_path = ("ticket", "interaction__ticket")
    # The chatbot's figures for the last 30 days above the list (see chatbot_metrics).
    change_list_template = "admin/channels/chatsession/change_list.html"

    def changelist_view(self, request: Any, extra_context: dict | None = None) -> Any:
        # The figures count chats the bot took part in over 30 days; the list counts every chat
        # session ever. The box says which is which, and its parts add up to its total.
        since = timezone.now() - timedelta(days=30)
        metrics = bot_metrics(since=since)
        undecided = max(0, metrics["sessions"] - metrics["deflected"] - metrics["handed_off"])
        context = {
            "bot_metrics": metrics,
            "bot_since": timezone.localtime(since),
            "bot_undecided": undecided,
            "bot_undecided_rate": undecided / metrics["sessions"] if metrics["sessions"] else 0,
            "chat_total": ChatSession.objects.count(),
        }
        return super().changelist_view(request, {**(extra_context or {}), **context})


@admin.register(OutboundMessage)
class OutboundMessageAdmin(TicketScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
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
    # Mail with no ticket (survey invitations, alerts) is scoped by the page that sent it.
    ticket_path = ("ticket", "message__ticket")

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


def _ticket_page_context(request: HttpRequest, ticket: Any) -> dict[str, Any]:
    """The ticket page's interactions (with action and event counts, two queries whatever their
    number) and its live chat, if one is open."""
    interactions = list(
        Interaction.objects.filter(ticket=ticket)
        .select_related("channel", "agent", "reason", "reason__parent")
        .annotate(
            action_count=Count("actions", distinct=True),
            event_count=Count("events", distinct=True),
        )
        .order_by("started_at", "id")
    )
    session = (
        ChatSession.objects.filter(ticket=ticket, status=ChatStatus.OPEN)
        .order_by("-last_seen_at")
        .first()
    )
    return {
        "interactions": interactions,
        "live_chat": session,
        "live_chat_active": bool(session) and timezone.now() - session.last_seen_at <= CHAT_IDLE,  # type: ignore[union-attr]
    }


add_ticket_page_context(_ticket_page_context)
set_reply_via(services.reply_via)
