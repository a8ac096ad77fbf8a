"""The agent workspace around one ticket: merge and link by reference, the Merge bulk action,
presence polling (collision warning), the stale-reply warning and the notification list.

Mounted by TicketAdmin (get_urls, actions, a change-page context provider); every change is a
call to tickets.relations or tickets.notifications."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.db.models import Count, Max, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import notifications, presence, relations
from ..errors import TicketError, TicketErrorCode
from ..models import LinkKind, Ticket, TicketLink, TicketMessage


def _change_url(model_admin: Any, ticket_id: int) -> str:
    return reverse(f"{model_admin.admin_site.name}:tickets_ticket_change", args=[ticket_id])


def merged_redirect(model_admin: Any, request: HttpRequest, object_id: str) -> Any:
    """A merged ticket's page leads to the ticket it went into (?merged=show stays)."""
    if request.method != "GET" or request.GET.get("merged") == "show":
        return None
    ticket = model_admin.get_object(request, unquote(object_id))
    if ticket is None or ticket.merged_into_id is None:
        return None
    target = relations.final_ticket(ticket)
    messages.info(
        request,
        _("%(ref)s was merged into %(target)s.")
        % {"ref": ticket.reference, "target": target.reference},
    )
    return HttpResponseRedirect(_change_url(model_admin, target.pk))


# --- the change page -----------------------------------------------------------------------


class ReplyGuardMixin(forms.Form):
    """The newest message the agent's page showed, and the "send anyway" confirmation."""

    reply_seen_message = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reply_send_anyway = forms.BooleanField(required=False, label=gettext_lazy("Send anyway"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk:
            newest = TicketMessage.objects.filter(ticket_id=instance.pk).aggregate(m=Max("pk"))
            self.fields["reply_seen_message"].initial = newest["m"]


def seen_message_for(data: dict[str, Any]) -> int | None:
    """What to hand reply() as seen_message_id: none once the agent confirmed."""
    return None if data.get("reply_send_anyway") else data.get("reply_seen_message")


def page_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    links = [relations.link_view(link, ticket) for link in relations.links_of(ticket)]
    merged = list(ticket.merged_tickets.only("pk", "reference", "subject").order_by("pk"))
    error = getattr(request, "_cim_domain_error", None)
    stale = isinstance(error, TicketError) and error.code == TicketErrorCode.STALE_REPLY
    return {
        "cim_links": links,
        "cim_link_kinds": LinkKind.choices,
        "cim_merged_from": merged,
        "cim_merged_into": ticket.merged_into if ticket.merged_into_id else None,
        "cim_stale_reply": stale,
        "cim_presence_url": reverse("admin:tickets_ticket_presence", args=[ticket.pk]),
        "cim_presence_seconds": presence.POLL_SECONDS,
    }


def _ticket_or_404(model_admin: Any, request: HttpRequest, ticket_id: int) -> Ticket:
    ticket = model_admin.get_queryset(request).filter(pk=ticket_id).first()
    if ticket is None or not model_admin.has_view_permission(request, ticket):
        raise Http404
    return ticket


def _changeable(model_admin: Any, request: HttpRequest, ticket_id: int) -> Ticket:
    ticket = _ticket_or_404(model_admin, request, ticket_id)
    if not model_admin.has_change_permission(request, ticket):
        raise Http404
    return ticket


@require_POST
def merge_into_view(request: HttpRequest, ticket_id: int, *, model_admin: Any) -> HttpResponse:
    """ "Merge into…" on a ticket page: this ticket goes into the one the reference names."""
    source = _changeable(model_admin, request, ticket_id)
    try:
        target = relations.find_by_reference(
            user=request.user, text=request.POST.get("reference", ""), exclude=source
        )
        relations.merge_tickets(
            target=target,
            sources=[source],
            by=request.user,
            notify_customer=bool(request.POST.get("notify_customer")),
            allow_other_customers=bool(request.POST.get("allow_other_customers")),
        )
    except TicketError as exc:
        messages.error(request, exc.message)
        return redirect(_change_url(model_admin, source.pk))
    messages.success(
        request,
        _("%(ref)s was merged into %(target)s.")
        % {"ref": source.reference, "target": target.reference},
    )
    return redirect(_change_url(model_admin, target.pk))


@require_POST
def link_view(request: HttpRequest, ticket_id: int, *, model_admin: Any) -> HttpResponse:
    ticket = _changeable(model_admin, request, ticket_id)
    try:
        other = relations.find_by_reference(
            user=request.user, text=request.POST.get("reference", ""), exclude=ticket
        )
        relations.link_tickets(
            ticket=ticket,
            other=other,
            by=request.user,
            kind=request.POST.get("kind") or LinkKind.RELATED,
        )
    except TicketError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Linked to %(ref)s.") % {"ref": other.reference})
    return redirect(_change_url(model_admin, ticket.pk))


@require_POST
def unlink_view(
    request: HttpRequest, ticket_id: int, link_id: int, *, model_admin: Any
) -> HttpResponse:
    ticket = _changeable(model_admin, request, ticket_id)
    link = TicketLink.objects.filter(pk=link_id).first()
    if link is None or ticket.pk not in (link.from_ticket_id, link.to_ticket_id):
        raise Http404
    relations.unlink_tickets(link=link, by=request.user)
    messages.success(request, _("Link removed."))
    return redirect(_change_url(model_admin, ticket.pk))


@require_POST
def presence_view(request: HttpRequest, ticket_id: int, *, model_admin: Any) -> JsonResponse:
    """Polled by the ticket page: records the caller, answers with the others present."""
    ticket = _ticket_or_404(model_admin, request, ticket_id)
    if request.POST.get("state") == "gone":
        presence.leave(ticket_id=ticket.pk, user=request.user)
        return JsonResponse({"others": []})
    others = presence.touch(
        ticket_id=ticket.pk, user=request.user, state=request.POST.get("state", presence.VIEWING)
    )
    return JsonResponse({"others": others})


def notifications_view(request: HttpRequest, *, model_admin: Any) -> HttpResponse:
    if request.method == "POST":
        ids = request.POST.getlist("id")
        notifications.mark_read(user=request.user, ids=[int(i) for i in ids if i.isdigit()] or None)
        return redirect("admin:tickets_notifications")
    rows = list(notifications.list_notifications(user=request.user)[: notifications.LIST_SIZE])
    for row in rows:
        row.text = notifications.describe(row)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Notifications"),
        "rows": rows,
        "unread": sum(1 for row in rows if row.read_at is None),
    }
    return TemplateResponse(request, "admin/tickets/notifications.html", context)


def open_notification_view(
    request: HttpRequest, notification_id: int, *, model_admin: Any
) -> HttpResponse:
    row = (
        notifications.list_notifications(user=request.user)
        .filter(pk=notification_id)
        .values_list("ticket_id", flat=True)
        .first()
    )
    if row is None:
        raise Http404
    notifications.mark_read(user=request.user, ids=[notification_id])
    return redirect(_change_url(model_admin, row))


def relation_urls(model_admin: Any) -> list[URLPattern]:
    def wrap(view: Any) -> Any:
        from functools import partial

        return model_admin.admin_site.admin_view(partial(view, model_admin=model_admin))

    return [
        path("<int:ticket_id>/merge-into/", wrap(merge_into_view), name="tickets_ticket_merge"),
        path("<int:ticket_id>/link/", wrap(link_view), name="tickets_ticket_link"),
        path(
            "<int:ticket_id>/links/<int:link_id>/delete/",
            wrap(unlink_view),
            name="tickets_ticket_unlink",
        ),
        path("<int:ticket_id>/presence/", wrap(presence_view), name="tickets_ticket_presence"),
        path("notifications/", wrap(notifications_view), name="tickets_notifications"),
        path(
            "notifications/<int:notification_id>/",
            wrap(open_notification_view),
            name="tickets_notification_open",
        ),
    ]


# --- the Merge bulk action ------------------------------------------------------------------


def merge_action(model_admin: Any, request: HttpRequest, queryset: QuerySet[Ticket]) -> Any:
    """Pick the target among the selected tickets, see what moves, confirm."""
    tickets = list(
        queryset.select_related("customer", "queue")
        .annotate(message_count=Count("messages"))
        .order_by("created_at", "pk")
    )
    if len(tickets) < 2 or len(tickets) > relations.MAX_MERGE_SOURCES + 1:
        model_admin.message_user(
            request,
            _("Select between 2 and %(n)d tickets to merge.")
            % {"n": relations.MAX_MERGE_SOURCES + 1},
            level=messages.WARNING,
        )
        return None
    by_id = {t.pk: t for t in tickets}
    other_customers = len({t.customer_id for t in tickets}) > 1
    if request.POST.get("cim_merge_confirm"):
        chosen = request.POST.get("target", "")
        target = by_id.get(int(chosen)) if chosen.isdigit() else None
        if target is None:
            model_admin.message_user(request, _("Pick the ticket to keep."), messages.WARNING)
            return None
        sources = [t for t in tickets if t.pk != target.pk]
        try:
            result = relations.merge_tickets(
                target=target,
                sources=sources,
                by=request.user,
                notify_customer=bool(request.POST.get("notify_customer")),
                allow_other_customers=bool(request.POST.get("allow_other_customers")),
            )
        except TicketError as exc:
            model_admin.message_user(request, exc.message, level=messages.ERROR)
            return None
        for source in result.merged:
            model_admin.message_user(
                request,
                _("%(ref)s merged into %(target)s.")
                % {"ref": source.reference, "target": target.reference},
                level=messages.SUCCESS,
            )
        model_admin.message_user(
            request,
            _("%(n)d messages and %(tags)d tags moved to %(target)s.")
            % {"n": result.messages_moved, "tags": result.tags_added, "target": target.reference},
            level=messages.SUCCESS,
        )
        return None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Merge tickets"),
        "tickets": tickets,
        "other_customers": other_customers,
        "total_messages": sum(t.message_count for t in tickets),
        "opts": model_admin.model._meta,
        "action_checkbox_name": "_selected_action",
    }
    return TemplateResponse(request, "admin/tickets/ticket/merge_confirm.html", context)


merge_action.short_description = gettext_lazy("Merge into one ticket")  # type: ignore[attr-defined]
merge_action.allowed_permissions = ("change",)  # type: ignore[attr-defined]
