"""The ticket pages of the staff UI: list, thread, reply box and bulk actions.

Every change is a call to tickets.services; the admin's own save is never used for a ticket, so
the workflow table, the history actor and the signals (delivery to the customer, SLA, surveys)
behave the same as in the API.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.filters import RelatedFieldListFilter
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cim_site.permissions import TicketScopedAdminMixin
from customers.admin import ServiceHistoryAdmin, adopt
from customers.models import ChannelKind, CustomerIdentity

from .. import services
from ..admin_views import download_attachment
from ..errors import TicketError
from ..models import InteractionReason, MessageKind, Ticket
from ..search import search_tickets
from ..selectors import next_sla_due, sla_due_within, ticket_thread
from . import relations as workspace
from .bulk import BulkActionsMixin
from .forms import TicketAddForm, TicketChangeForm
from .views import (
    MyAgentsFilter,
    MyQueuesFilter,
    SavedViewFilter,
    WorkListChangeList,
    sidebar_context,
)

# Hooks for the apps above tickets (channels) so this module does not import them: extra context
# for the change page (the ticket's interactions, its live chat), and the context manager that
# sends a public reply through the identity the agent picked.
ChangePageContext = Callable[[HttpRequest, Ticket], dict[str, Any]]
_change_page_context: list[ChangePageContext] = []
_reply_via: list[Callable[[Any], AbstractContextManager[Any]]] = []


def add_ticket_page_context(provider: ChangePageContext) -> None:
    if provider not in _change_page_context:
        _change_page_context.append(provider)


def set_reply_via(factory: Callable[[Any], AbstractContextManager[Any]]) -> None:
    _reply_via[:] = [factory]


def _replying_via(identity: Any) -> AbstractContextManager[Any]:
    return _reply_via[0](identity) if _reply_via and identity is not None else nullcontext()


class ReplyViaForm(workspace.ReplyGuardMixin, TicketChangeForm):
    """The change form plus a choice of the customer's address for a public reply; by default
    the reply leaves through the channel the customer used last."""

    reply_via = forms.ModelChoiceField(
        label=_("Send via"),
        queryset=CustomerIdentity.objects.none(),
        required=False,
        empty_label=_("The channel the customer used last"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        customer_id = self.instance.customer_id if self.instance.pk else None
        self.fields["reply_via"].queryset = CustomerIdentity.objects.filter(
            customer_id=customer_id,
            kind__in=[ChannelKind.EMAIL, ChannelKind.ZALO, ChannelKind.FACEBOOK],
        ).order_by("kind", "address")


class SLAListFilter(admin.SimpleListFilter):
    title = _("SLA")
    parameter_name = "sla"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("breached", _("Breached")),
            ("due_1h", _("Due within 1 hour")),
            ("overdue", _("Overdue now")),
            ("paused", _("Clock paused")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        value = self.value()
        if value == "breached":
            return queryset.filter(sla_breached=True)
        if value == "due_1h":
            return sla_due_within(queryset, minutes=60)
        if value == "overdue":
            return sla_due_within(queryset, minutes=0)
        if value == "paused":
            return queryset.filter(sla_paused_at__isnull=False)
        return queryset


class ReasonListFilter(RelatedFieldListFilter):
    """Reasons by their full label ("category › reason") without a query per reason."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list:
        reasons = InteractionReason.objects.filter(parent__isnull=False).select_related("parent")
        return [(reason.pk, str(reason)) for reason in reasons]


@admin.register(Ticket)
class TicketAdmin(BulkActionsMixin, TicketScopedAdminMixin, ServiceHistoryAdmin):
    ticket_path = ""
    domain_errors = (TicketError,)
    # The work list at 1366 px (issue 11): reason, channel and created are on the ticket page
    # and in the filters; the list keeps what an agent picks the next ticket by.
    list_display = (
        "reference_cue",
        "subject_line",
        "customer_name",
        "queue_name",
        "assignee_name",
        "status",
        "priority_cue",
        "sla_due",
        "last_update",
    )
    list_display_links = ("reference_cue", "subject_line")
    list_filter = (
        SavedViewFilter,
        "status",
        "priority",
        ("queue", MyQueuesFilter),
        ("assignee", MyAgentsFilter),
        ("reason", ReasonListFilter),
        "channel",
        "tags",
        SLAListFilter,
    )
    list_select_related = ("customer", "queue", "assignee", "reason", "reason__parent")
    # Shown as the search box's help; the search itself is tickets.search (accents optional,
    # reference by prefix), see get_search_results.
    search_fields = ("reference", "subject", "customer__name", "customer__email", "customer__phone")
    search_help_text = _(
        "Reference (or its beginning), subject, customer name, email or phone; accents optional."
    )
    autocomplete_fields = ("customer", "tags")
    list_per_page = 50
    # "50 of 1,234,567" needs a COUNT(*) over the whole table on every page; the filtered count
    # is enough to page through.
    show_full_result_count = False

    # Long texts are cut to one line by the list's stylesheet; the full text is the tooltip.
    @admin.display(description=_("subject"), ordering="subject")
    def subject_line(self, ticket: Ticket) -> str:
        return _one_line(ticket.subject)

    @admin.display(description=_("customer"), ordering="customer__name")
    def customer_name(self, ticket: Ticket) -> str:
        return _one_line(str(ticket.customer))

    @admin.display(description=_("queue"), ordering="queue__name")
    def queue_name(self, ticket: Ticket) -> str:
        return _one_line(ticket.queue.name)

    @admin.display(description=_("assignee"), ordering="assignee__username")
    def assignee_name(self, ticket: Ticket) -> str:
        agent = ticket.assignee
        return _one_line(agent.get_full_name() or agent.get_username()) if agent else "—"

    @admin.display(description=_("reason"), ordering="reason__code")
    def reason_name(self, ticket: Ticket) -> str:
        return _one_line(str(ticket.reason)) if ticket.reason_id else "—"

    @admin.display(description=_("origin channel"), ordering="channel")
    def channel_name(self, ticket: Ticket) -> str:
        return _one_line(ticket.get_channel_display())

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, ticket: Ticket) -> str:
        local = timezone.localtime(ticket.created_at)
        short = "%d/%m %H:%M" if local.year == timezone.localtime().year else "%d/%m/%Y"
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            local.isoformat(),
            local.strftime("%Y-%m-%d %H:%M"),
            local.strftime(short),
        )

    @admin.display(description=_("SLA due"), ordering="sla_next_check_at")
    def sla_due(self, ticket: Ticket) -> str:
        """The next due time at a glance: red when breached or overdue, amber within an hour."""
        if ticket.sla_paused_at is not None:
            return format_html('<span title="{}">⏸</span>', _("paused"))
        due = next_sla_due(ticket)
        if due is None:
            return "✖" if ticket.sla_breached else "—"
        left = due - timezone.now()
        colour = (
            "#b00"
            if left.total_seconds() <= 0
            else "#b60"
            if left.total_seconds() <= 3600
            else "#070"
        )
        mark = "✖ " if ticket.sla_breached else ""
        return format_html(
            '<span style="color:{}" title="{}">{}{}</span>',
            colour,
            timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
            mark,
            _naturaldelta(left),
        )

    actions = (
        "assign_to_me",
        *BulkActionsMixin.BULK_ACTIONS,
        "apply_macro",
        workspace.merge_action,
        "solve",
        "close",
        "reopen",
    )
    readonly_fields = (
        "reference",
        "subject",
        "customer_link",
        "channel",
        "language",
        "created_by",
        "created_at",
        "updated_at",
        "first_responded_at",
        "solved_at",
        "closed_at",
        "sla_policy",
        "first_response_due_at",
        "next_response_due_at",
        "resolution_due_at",
        "sla_paused_at",
        "sla_breached",
    )
    fieldsets = (
        (None, {"fields": (("reference", "channel", "language"), "subject", "customer_link")}),
        (_("Handling"), {"fields": ("status", "priority", "queue", "assignee", "reason", "tags")}),
        (
            _("Reply"),
            {
                "fields": (
                    "reply_kind",
                    "reply_via",
                    "reply_body",
                    "reply_attachments",
                    "reply_seen_message",
                ),
                # The change form template puts the thread right above this fieldset.
                "classes": ("cim-reply",),
            },
        ),
        (
            _("Dates"),
            {
                "fields": (
                    "created_by",
                    "created_at",
                    "updated_at",
                    "first_responded_at",
                    "solved_at",
                    "closed_at",
                ),
                "classes": ("collapse",),
            },
        ),
        (
            _("SLA"),
            {
                "fields": (
                    "sla_policy",
                    ("first_response_due_at", "next_response_due_at", "resolution_due_at"),
                    ("sla_paused_at", "sla_breached"),
                ),
                "classes": ("collapse",),
            },
        ),
    )
    add_fieldsets = (
        (None, {"fields": ("customer", "queue", "subject", "channel", "priority", "reason")}),
        (_("First message"), {"fields": ("body",)}),
    )

    # --- querysets and forms -------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        # Agents see the tickets of their queues only; a ticket outside them is "not found" on
        # every page of this admin (change, history, actions, attachments).
        return super().get_queryset(request)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Ticket], search_term: str
    ) -> tuple[QuerySet[Ticket], bool]:
        return search_tickets(queryset, search_term), False

    def get_fieldsets(self, request: HttpRequest, obj: Ticket | None = None) -> Any:
        if obj is None:
            return self.add_fieldsets
        if not self.has_change_permission(request, obj):
            return tuple(fs for fs in self.fieldsets if "cim-reply" not in fs[1].get("classes", ()))
        return self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Ticket | None = None) -> Any:
        return () if obj is None else self.readonly_fields

    def get_form(
        self, request: HttpRequest, obj: Ticket | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs["form"] = TicketAddForm if obj is None else ReplyViaForm
        return super().get_form(request, obj, change, **kwargs)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        # Editing a queue or a user from inside a ticket is a detour nobody needs here.
        if db_field.name in ("queue", "assignee", "reason") and field is not None:
            widget = field.widget
            for flag in ("can_add_related", "can_change_related", "can_delete_related"):
                if hasattr(widget, flag):
                    setattr(widget, flag, False)
        return field

    @admin.display(description=_("customer"), ordering="customer__name")
    def customer_link(self, obj: Ticket) -> str:
        url = reverse("admin:customers_customer_change", args=[obj.customer_id])
        return format_html('<a href="{}">{}</a>', url, obj.customer)

    # --- saving through the services -----------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Ticket, form: Any, change: bool) -> None:
        data = form.cleaned_data
        by = request.user
        if not change:
            ticket = services.create_ticket(
                customer=data["customer"],
                subject=data["subject"],
                body=data["body"],
                queue=data["queue"],
                channel=data["channel"],
                priority=data.get("priority"),
                reason=data.get("reason"),
                by=by,
            )
            adopt(obj, ticket)
            return

        changed = set(form.changed_data)
        # The queue first: moving may drop an assignee who does not work the new queue, and the
        # assignee picked on the same form must then be checked against the new queue.
        if "queue" in changed:
            services.move_ticket(ticket=obj, queue=data["queue"], by=by)
        if "assignee" in changed:
            services.assign_ticket(ticket=obj, agent=data["assignee"], by=by)
        if "reason" in changed:
            services.set_reason(ticket=obj, reason=data["reason"], by=by)
        if "priority" in changed:
            services.set_priority(ticket=obj, priority=data["priority"], by=by)
        new_status = data["status"] if "status" in changed else None
        body = data.get("reply_body")
        if body:
            files = data.get("reply_attachments") or []
            if data.get("reply_kind") == MessageKind.INTERNAL:
                services.add_internal_note(ticket=obj, by=by, body=body, attachments=files)
            else:
                # A reply carries the status it leaves the ticket in ("reply and set pending").
                with _replying_via(data.get("reply_via")):
                    services.reply(
                        ticket=obj,
                        by=by,
                        body=body,
                        status=new_status,
                        attachments=files,
                        seen_message_id=workspace.seen_message_for(data),
                    )
                new_status = None
        if new_status:
            services.change_status(ticket=obj, to=new_status, by=by)
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # form.save_m2m() would set the tags directly; the tag services do it instead.
        if not change or "tags" not in form.changed_data:
            return
        ticket = form.instance
        old = set(ticket.tags.values_list("name", flat=True))
        new = {tag.name for tag in form.cleaned_data["tags"]}
        for name in sorted(new - old):
            services.add_tag(ticket=ticket, name=name, by=request.user)
        for name in sorted(old - new):
            services.remove_tag(ticket=ticket, name=name, by=request.user)

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> Any:
        message = super().construct_change_message(request, form, formsets, add)
        if form.cleaned_data.get("reply_body"):
            kind = form.cleaned_data.get("reply_kind") or MessageKind.PUBLIC
            message.append({"added": {"name": str(MessageKind(kind).label), "object": ""}})
        return message

    # --- the change page: thread and attachment links ---------------------------------------

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Ticket | None = None,
    ) -> Any:
        if obj is not None and obj.pk:
            context["thread"] = list(ticket_thread(ticket=obj))
            context["attachment_url_name"] = f"{self.admin_site.name}:tickets_ticket_attachment"
            for provider in _change_page_context:
                context.update(provider(request, obj))
            # Other apps may label messages (feedback: sentiment) through their provider's
            # "message_badges": {message id: short text}.
            badges = context.get("message_badges") or {}
            for message in context["thread"]:
                message.cim_badge = badges.get(message.pk, "")
        return super().render_change_form(request, context, add, change, form_url, obj)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        # A merged ticket's reference leads to the ticket it went into.
        moved = workspace.merged_redirect(self, request, object_id)
        return moved or super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self) -> list[URLPattern]:
        download = self.admin_site.admin_view(partial(download_attachment, model_admin=self))
        # Before the default patterns: "<path:object_id>/" would swallow this one.
        return [
            path(
                "attachments/<int:attachment_id>/",
                download,
                name="tickets_ticket_attachment",
            ),
            *workspace.relation_urls(self),
            *super().get_urls(),
        ]

    # --- bulk actions ---------------------------------------------------------------------

    def _for_each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Ticket],
        call: Callable[[Ticket], Any],
        done_message: str,
    ) -> None:
        done = 0
        for ticket in queryset.order_by("pk"):
            try:
                call(ticket)
            except TicketError as exc:
                self.message_user(
                    request, f"{ticket.reference}: {exc.message}", level=messages.WARNING
                )
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"count": done}, level=messages.SUCCESS)

    @admin.action(description=_("Assign to me"), permissions=["change"])
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        self._for_each(
            request,
            queryset,
            lambda t: services.assign_ticket(ticket=t, agent=request.user, by=request.user),
            str(_("%(count)d ticket(s) assigned to you.")),
        )

    @admin.action(description=_("Solve"), permissions=["change"])
    def solve(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        self._for_each(
            request,
            queryset,
            lambda t: services.solve_ticket(ticket=t, by=request.user),
            str(_("%(count)d ticket(s) solved.")),
        )

    @admin.action(description=_("Close"), permissions=["change"])
    def close(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        self._for_each(
            request,
            queryset,
            lambda t: services.close_ticket(ticket=t, by=request.user),
            str(_("%(count)d ticket(s) closed.")),
        )

    @admin.action(description=_("Reopen"), permissions=["change"])
    def reopen(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        self._for_each(
            request,
            queryset,
            lambda t: services.reopen_ticket(ticket=t, by=request.user),
            str(_("%(count)d ticket(s) reopened.")),
        )

    @admin.action(description=_("Apply macro…"), permissions=["change"])
    def apply_macro(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> Any:
        # The intermediate page and the per-ticket report live with the macros (admin/macros.py).
        from .macros import apply_macro_action

        return apply_macro_action(self, request, queryset)

    # --- the work list (issue 11): saved views, colour cues -------------------------------

    # Facet counts are a COUNT per filter choice over the filtered table: not at 1M tickets.
    show_facets = admin.ShowFacets.NEVER

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> Any:
        return WorkListChangeList

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        return super().changelist_view(
            request, {**(extra_context or {}), **sidebar_context(request)}
        )

    @admin.display(description=_("reference"), ordering="reference")
    def reference_cue(self, ticket: Ticket) -> str:
        if getattr(ticket, "cim_customer_waiting", False):
            return format_html(
                '{} <span class="cim-waiting" title="{}">↩</span>',
                ticket.reference,
                _("The customer wrote last: a reply is waiting"),
            )
        return ticket.reference

    @admin.display(description=_("priority"), ordering="priority")
    def priority_cue(self, ticket: Ticket) -> str:
        return format_html(
            '<span class="cim-pri cim-pri-{}">{}</span>',
            ticket.priority,
            ticket.get_priority_display(),
        )

    @admin.display(description=_("last update"), ordering="updated_at")
    def last_update(self, ticket: Ticket) -> str:
        local = timezone.localtime(ticket.updated_at)
        short = "%d/%m %H:%M" if local.year == timezone.localtime().year else "%d/%m/%Y"
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            local.isoformat(),
            local.strftime("%Y-%m-%d %H:%M"),
            local.strftime(short),
        )


def _one_line(text: str) -> str:
    return format_html('<span class="cim-cut" title="{}">{}</span>', text, text)


def _naturaldelta(left: Any) -> str:
    minutes = int(left.total_seconds() // 60)
    sign, minutes = ("-" if minutes < 0 else ""), abs(minutes)
    if minutes < 60:
        return f"{sign}{minutes}m"
    if minutes < 48 * 60:
        return f"{sign}{minutes // 60}h{minutes % 60:02d}"
    return f"{sign}{minutes // (24 * 60)}d"


add_ticket_page_context(workspace.page_context)
