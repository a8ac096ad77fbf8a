"""Macros in the staff UI: their upkeep, the picker on the ticket page (with the knowledge-base
article picker beside it), and the "Apply macro" bulk action. Every decision is tickets.macros'."""

from functools import partial
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from customers.admin import ServiceHistoryAdmin

from .. import macros
from ..errors import CONFLICT_CODES, TicketError
from ..models import AgentSignature, Macro, Queue, Ticket
from ..selectors import is_supervisor, visible_queues, visible_tickets
from .ticket import add_ticket_page_context


class MacroForm(forms.ModelForm):
    class Meta:
        model = Macro
        fields = macros.MACRO_FIELDS

    user: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The model's own checks (a personal macro has an owner) run on the instance as saved.
        if self.instance.pk is None and self.user is not None:
            self.instance.owner = self.user

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.user is not None and not macros.may_manage(
            self.user,
            visibility=data.get("visibility") or "",
            owner_id=self.instance.owner_id,
            queue=data.get("queue"),
        ):
            self.add_error(
                "visibility",
                _(
                    "Agents keep personal macros; a queue's macros are kept by its lead, "
                    "everyone's by supervisors."
                ),
            )
        return data


@admin.register(Macro)
class MacroAdmin(ServiceHistoryAdmin):
    domain_errors = (TicketError,)
    form = MacroForm
    list_display = (
        "name_vi",
        "name_en",
        "visibility",
        "queue",
        "owner",
        "send_at_once",
        "usage_count",
        "last_used_at",
        "is_active",
    )
    list_filter = ("visibility", "is_active", "send_at_once")
    list_select_related = ("queue", "owner")
    search_fields = ("name_vi", "name_en")
    fieldsets = (
        (None, {"fields": ("name_vi", "name_en", ("visibility", "queue"), "is_active")}),
        (gettext_lazy("Reply"), {"fields": ("reply_vi", "reply_en", "send_at_once")}),
        (
            gettext_lazy("Actions"),
            {
                "fields": (
                    ("set_status", "set_priority"),
                    ("set_queue", "set_reason"),
                    ("add_tags", "remove_tags"),
                    ("assign", "assign_agent"),
                )
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Macro]:
        user = request.user
        if is_supervisor(user):
            return super().get_queryset(request)
        mine = macros.usable_macros(user) | macros.manageable_macros(user)
        return super().get_queryset(request).filter(pk__in=mine.values("pk"))

    def _may_manage(self, request: HttpRequest, obj: Macro | None) -> bool:
        return obj is None or macros.may_manage(
            request.user, visibility=obj.visibility, owner_id=obj.owner_id, queue=obj.queue
        )

    def has_change_permission(self, request: HttpRequest, obj: Macro | None = None) -> bool:
        return super().has_change_permission(request, obj) and self._may_manage(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Macro | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._may_manage(request, obj)

    def get_form(
        self, request: HttpRequest, obj: Macro | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        return type("MacroFormFor", (form,), {"user": request.user})

    def get_field_queryset(self, db: Any, db_field: Any, request: HttpRequest) -> Any:
        user = request.user
        if db_field.name == "set_queue":
            return visible_queues(user).filter(is_active=True)
        if db_field.name == "queue" and not is_supervisor(user):
            return Queue.objects.filter(lead=user)
        return super().get_field_queryset(db, db_field, request)

    def save_model(self, request: HttpRequest, obj: Macro, form: Any, change: bool) -> None:
        values = {name: form.cleaned_data[name] for name in macros.MACRO_FIELDS}
        if change:
            saved = macros.update_macro(macro=obj, by=request.user, **values)
        else:
            saved = macros.create_macro(by=request.user, **values)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: Macro) -> None:
        macros.delete_macro(macro=obj, by=request.user)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "apply/<int:ticket_id>/",
                view(partial(apply_view, model_admin=self)),
                name="tickets_macro_apply",
            ),
            path("articles/", view(article_search_view), name="tickets_macro_articles"),
            *super().get_urls(),
        ]


@admin.register(AgentSignature)
class AgentSignatureAdmin(admin.ModelAdmin):
    """Each agent keeps their own signature; supervisors may see and fix everyone's."""

    list_display = ("user", "signature_vi", "signature_en")
    list_select_related = ("user",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[AgentSignature]:
        qs = super().get_queryset(request)
        return qs if is_supervisor(request.user) else qs.filter(user=request.user)

    def get_fields(self, request: HttpRequest, obj: AgentSignature | None = None) -> Any:
        if is_supervisor(request.user):
            return ("user", "signature_vi", "signature_en")
        return ("signature_vi", "signature_en")

    def has_add_permission(self, request: HttpRequest) -> bool:
        if not super().has_add_permission(request):
            return False
        return (
            is_supervisor(request.user)
            or not AgentSignature.objects.filter(user_id=request.user.pk).exists()
        )

    def save_model(
        self, request: HttpRequest, obj: AgentSignature, form: Any, change: bool
    ) -> None:
        if not change and not is_supervisor(request.user):
            obj.user = request.user
        super().save_model(request, obj, form, change)


# --- the ticket page ------------------------------------------------------------------------


def macro_picker_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """The macros the agent may use (one query), for the picker above the reply box."""
    if not request.user.has_perm("tickets.change_ticket"):
        return {}
    items = [
        {
            "id": macro.pk,
            "name": macro.name,
            "sends": macro.send_at_once,
            "acts": macro.has_actions,
            "used": macro.usage_count,
        }
        for macro in macros.usable_macros(request.user)
    ]
    return {
        "macro_picker": {
            "macros": items,
            "apply_url": reverse("admin:tickets_macro_apply", args=[ticket.pk]),
            "articles_url": reverse("admin:tickets_macro_articles") + f"?lang={ticket.language}",
        }
    }


add_ticket_page_context(macro_picker_context)


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_POST
def apply_view(request: HttpRequest, ticket_id: int, model_admin: MacroAdmin) -> HttpResponse:
    """Applies a macro from the ticket page; answers with the rendered reply for the reply box
    (or the news that it was sent). A ticket or macro the agent may not see is a 404."""
    if not request.user.has_perm("tickets.change_ticket"):
        raise PermissionDenied
    ticket = get_object_or_404(visible_tickets(request.user), pk=ticket_id)
    macro_id = request.POST.get("macro", "")
    if not macro_id.isascii() or not macro_id.isdigit() or len(macro_id) > 18:
        return _error(_("Pick a macro."), 400)
    macro = get_object_or_404(macros.usable_macros(request.user), pk=int(macro_id))
    try:
        result = macros.apply_macro(ticket=ticket, macro=macro, by=request.user)
    except TicketError as exc:
        return _error(exc.message, 409 if exc.code in CONFLICT_CODES else 400)
    sent = result.sent_message is not None
    if sent or macro.has_actions:
        done = (
            _("Macro “%(name)s” applied and its reply sent.")
            if sent
            else _("Macro “%(name)s” applied.")
        )
        messages.success(request, done % {"name": macro.name})
    return JsonResponse(
        {
            "reply": "" if sent else result.reply_text,
            "sent": sent,
            # The form on the page shows the old status, queue…: it must be reloaded.
            "reload": sent or macro.has_actions,
        }
    )


@require_GET
def article_search_view(request: HttpRequest) -> HttpResponse:
    """Published articles for the "Insert article" picker: title, public link, summary."""
    from knowledge_base.search import search_articles

    if not request.user.has_perm("tickets.change_ticket"):
        raise PermissionDenied
    query = (request.GET.get("q") or "").strip()[:200]
    result = search_articles(query=query, language=request.GET.get("lang"), limit=8)
    return JsonResponse(
        {
            "articles": [
                {
                    "title": hit.article.title,
                    "url": settings.SITE_URL
                    + reverse("kb:article", kwargs={"slug": hit.article.slug}),
                    "summary": hit.snippet,
                }
                for hit in result.hits
            ]
        }
    )


# --- bulk action --------------------------------------------------------------------------


def apply_macro_action(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Ticket]
) -> HttpResponse | None:
    """An intermediate page to pick the macro; then, per ticket, what was done or why not.
    Each ticket is its own transaction: one refused ticket leaves the others applied and itself
    untouched."""
    usable = list(macros.usable_macros(request.user))
    chosen = request.POST.get("macro", "")
    context: dict[str, Any] = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Apply a macro"),
        "opts": modeladmin.model._meta,
        "macros": usable,
        "tickets": list(queryset.order_by("pk")[:500]),
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "report": None,
    }
    if "apply" in request.POST and chosen:
        macro = next((m for m in usable if str(m.pk) == chosen), None)
        if macro is None:
            modeladmin.message_user(request, _("Pick a macro you may use."), messages.ERROR)
            return None
        # Unticked: the macro decides (send-at-once macros still send).
        send = True if request.POST.get("send") == "on" else None
        report = []
        for ticket in queryset.order_by("pk").select_related("customer"):
            try:
                with transaction.atomic():
                    result = macros.apply_macro(
                        ticket=ticket, macro=macro, by=request.user, send=send
                    )
            except TicketError as exc:
                report.append({"ticket": ticket, "ok": False, "text": exc.message})
            else:
                done = _("applied, reply sent") if result.sent_message else _("applied")
                report.append({"ticket": ticket, "ok": True, "text": done})
        context.update(report=report, macro=macro)
    return TemplateResponse(request, "admin/tickets/macro/bulk_apply.html", context)
