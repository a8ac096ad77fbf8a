"""Staff UI for what shapes ticket handling: queues, the reason list, skills, tags, agents."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cim_site.permissions import TicketScopedAdminMixin
from customers.admin import ServiceHistoryAdmin, add_customer_inline, adopt

from .. import routing, services
from ..models import AgentProfile, InteractionReason, Presence, Queue, Skill, Tag, Ticket
from ..selectors import is_supervisor


@admin.register(Queue)
class QueueAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "default_priority", "lead", "auto_assign", "is_active")
    list_select_related = ("lead",)
    list_filter = ("is_active", "auto_assign", "default_priority")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}
    filter_horizontal = ("required_skills",)


@admin.register(InteractionReason)
class InteractionReasonAdmin(ServiceHistoryAdmin):
    """The governed reason list, kept by business users (the "Reason manager" group). Shown as
    a tree: each category followed by its reasons."""

    domain_errors = (ValidationError,)
    list_display = ("tree_label", "code", "is_active", "position")
    list_filter = ("is_active", "parent")
    search_fields = ("code", "name_vi", "name_en")
    fields = (
        "parent",
        "code",
        "name_vi",
        "name_en",
        "description",
        "required_skills",
        "is_active",
        "position",
    )
    filter_horizontal = ("required_skills",)
    prepopulated_fields = {"code": ("name_en",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[InteractionReason]:
        return super().get_queryset(request).select_related("parent")

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        # Every reason right under its category: sort by the category's position and code (a
        # category's own for itself), the category before its reasons, then the reasons.
        # Expressions rather than annotations, because the admin also orders plain querysets
        # (related-field choices) with this.
        return [
            Coalesce(F("parent__position"), F("position")).asc(),
            Coalesce(F("parent__code"), F("code")).asc(),
            F("parent").asc(nulls_first=True),
            F("position").asc(),
            F("code").asc(),
        ]

    @admin.display(description=_("reason"))
    def tree_label(self, obj: InteractionReason) -> str:
        if obj.parent_id is None:
            return format_html("<strong>{}</strong>", obj.name)
        return format_html("&nbsp;&nbsp;&nbsp;{} › {}", obj.parent.name, obj.name)

    def save_model(
        self, request: HttpRequest, obj: InteractionReason, form: Any, change: bool
    ) -> None:
        data = {k: v for k, v in form.cleaned_data.items() if k in services.REASON_FIELDS}
        if change:
            changes = {k: data[k] for k in form.changed_data if k in data}
            reason = (
                services.update_reason(reason=obj, by=request.user, **changes) if changes else obj
            )
        else:
            reason = services.create_reason(by=request.user, **data)
        adopt(obj, reason)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "queue_names", "languages", "capacity", "presence")
    list_select_related = ("user",)
    list_filter = ("presence", "queues")
    search_fields = ("user__username", "user__email", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)
    filter_horizontal = ("queues", "skills")
    # Presence changes go through routing.set_presence (coming online routes waiting work).
    readonly_fields = ("presence", "presence_changed_at", "last_assigned_at")
    actions = ("mark_online", "mark_away", "mark_offline")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AgentProfile]:
        profiles = super().get_queryset(request).prefetch_related("queues")
        # An agent manages their own presence and capacity; supervisors manage everyone.
        if not is_supervisor(request.user):
            profiles = profiles.filter(user=request.user)
        return profiles

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_readonly_fields(request, obj)
        if is_supervisor(request.user):
            return fields
        return (*fields, "user", "queues", "skills", "languages")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_supervisor(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_supervisor(request.user) and super().has_delete_permission(request, obj)

    @admin.display(description=_("queues"))
    def queue_names(self, obj: AgentProfile) -> str:
        return ", ".join(queue.name for queue in obj.queues.all())

    def _set_presence(self, request: HttpRequest, queryset: Any, presence: str) -> None:
        for profile in queryset:
            routing.set_presence(profile=profile, presence=presence)
        self.message_user(
            request,
            _("%(count)d agent(s) now %(presence)s.")
            % {"count": len(queryset), "presence": Presence(presence).label},
            level=messages.SUCCESS,
        )

    @admin.action(description=_("Mark online"), permissions=["change"])
    def mark_online(self, request: HttpRequest, queryset: Any) -> None:
        self._set_presence(request, queryset, Presence.ONLINE)

    @admin.action(description=_("Mark away"), permissions=["change"])
    def mark_away(self, request: HttpRequest, queryset: Any) -> None:
        self._set_presence(request, queryset, Presence.AWAY)

    @admin.action(description=_("Mark offline"), permissions=["change"])
    def mark_offline(self, request: HttpRequest, queryset: Any) -> None:
        self._set_presence(request, queryset, Presence.OFFLINE)


class AgentProfileInline(admin.StackedInline):
    model = AgentProfile
    can_delete = False
    filter_horizontal = ("queues", "skills")
    readonly_fields = ("presence", "presence_changed_at", "last_assigned_at")
    verbose_name_plural = _("agent profile")


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Django's user admin with the agent profile (queues, skills, languages) on the same page."""

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return [AgentProfileInline] if obj is not None else []


class CustomerTicketInline(TicketScopedAdminMixin, admin.TabularInline):
    ticket_path = ""

    """The customer's tickets on the customer page (the ones this user may see), with links."""

    model = Ticket
    fk_name = "customer"
    template = "admin/tickets/readonly_tabular.html"
    fields = ("ticket_link", "subject", "status", "queue", "assignee", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    ordering = ("-created_at",)
    verbose_name_plural = _("tickets")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        return super().get_queryset(request).select_related("queue", "assignee")

    @admin.display(description=_("reference"))
    def ticket_link(self, obj: Ticket) -> str:
        url = reverse("admin:tickets_ticket_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.reference)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


add_customer_inline(CustomerTicketInline)
