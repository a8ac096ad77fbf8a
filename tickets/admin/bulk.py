"""Bulk actions of the ticket list that need a choice first (which agent, which queue…).

Each shows a small form in the admin's style, then calls the ticket service once per ticket,
each ticket in its own transaction, so a refused ticket is left exactly as it was and the
others still change. The report says what was done to which ticket and, per reason, which
tickets were refused. The choices offered are only queues and agents the user may act on; the
services check every ticket again."""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import saved_views, services
from ..errors import TicketError, TicketErrorCode
from ..models import InteractionReason, Priority, Ticket
from ..selectors import visible_queues

# A bulk change walks the tickets one by one; past this many, narrow the list first.
MAX_BULK = 500


class _UserForm(forms.Form):
    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)


class AssignForm(_UserForm):
    agent = forms.ModelChoiceField(label=gettext_lazy("Agent"), queryset=None)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["agent"].queryset = saved_views.agents_for(user)
        self.fields["agent"].label_from_instance = lambda u: u.get_full_name() or u.get_username()


class MoveForm(_UserForm):
    queue = forms.ModelChoiceField(label=gettext_lazy("Queue"), queryset=None)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["queue"].queryset = visible_queues(user).filter(is_active=True)


class PriorityForm(_UserForm):
    priority = forms.TypedChoiceField(
        label=gettext_lazy("Priority"), choices=Priority.choices, coerce=int
    )


def _tag_names(value: str) -> list[str]:
    names = [slugify(part.strip(), allow_unicode=True)[:50] for part in value.split(",")]
    return sorted({n for n in names if n})


class TagsForm(_UserForm):
    add = forms.CharField(
        label=gettext_lazy("Add tags"),
        required=False,
        help_text=gettext_lazy("Tag names separated by commas."),
    )
    remove = forms.CharField(label=gettext_lazy("Remove tags"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["add"] = _tag_names(data.get("add") or "")
        data["remove"] = _tag_names(data.get("remove") or "")
        if not data["add"] and not data["remove"]:
            raise forms.ValidationError(_("Name at least one tag to add or remove."))
        if set(data["add"]) & set(data["remove"]):
            raise forms.ValidationError(_("A tag cannot be both added and removed."))
        return data


class ReasonForm(_UserForm):
    reason = forms.ModelChoiceField(label=gettext_lazy("Reason"), queryset=None)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["reason"].queryset = InteractionReason.objects.filter(
            parent__isnull=False, is_active=True
        ).select_related("parent")


# (form, apply(ticket, data, by) → True if it changed something, success message)
Apply = Callable[[Ticket, dict[str, Any], Any], bool]


def _assign(ticket: Ticket, data: dict[str, Any], by: Any) -> bool:
    before = ticket.assignee_id
    return services.assign_ticket(ticket=ticket, agent=data["agent"], by=by).assignee_id != before


def _move(ticket: Ticket, data: dict[str, Any], by: Any) -> bool:
    before = ticket.queue_id
    return services.move_ticket(ticket=ticket, queue=data["queue"], by=by).queue_id != before


def _priority(ticket: Ticket, data: dict[str, Any], by: Any) -> bool:
    if ticket.priority == data["priority"]:
        return False
    services.set_priority(ticket=ticket, priority=data["priority"], by=by)
    return True


def _tags(ticket: Ticket, data: dict[str, Any], by: Any) -> bool:
    before = set(ticket.tags.values_list("name", flat=True))
    for name in data["add"]:
        services.add_tag(ticket=ticket, name=name, by=by)
    for name in data["remove"]:
        if name in before:
            services.remove_tag(ticket=ticket, name=name, by=by)
    return set(ticket.tags.values_list("name", flat=True)) != before


def _reason(ticket: Ticket, data: dict[str, Any], by: Any) -> bool:
    if ticket.reason_id == data["reason"].pk:
        return False
    services.set_reason(ticket=ticket, reason=data["reason"], by=by)
    return True


def _refusal(exc: TicketError) -> str:
    # Messages that name the ticket would make one group per ticket; the references follow.
    if exc.code == TicketErrorCode.TICKET_CLOSED:
        return _("the ticket is closed")
    return str(exc.message)


def apply_each(
    tickets: QuerySet[Ticket], apply: Callable[[Ticket], bool]
) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """(changed, unchanged, {refusal reason: references}); one transaction per ticket."""
    changed: list[str] = []
    unchanged: list[str] = []
    refused: dict[str, list[str]] = defaultdict(list)
    for ticket in tickets:
        try:
            with transaction.atomic():
                did = apply(ticket)
        except TicketError as exc:
            refused[_refusal(exc)].append(ticket.reference)
        else:
            (changed if did else unchanged).append(ticket.reference)
    return changed, unchanged, dict(refused)


def report(
    model_admin: Any,
    request: HttpRequest,
    done: str,
    result: tuple[list[str], list[str], dict[str, list[str]]],
) -> None:
    changed, unchanged, refused = result
    if changed:
        model_admin.message_user(
            request,
            _("%(what)s — %(count)d ticket(s): %(refs)s")
            % {"what": done, "count": len(changed), "refs": ", ".join(changed)},
            level=messages.SUCCESS,
        )
    if unchanged:
        model_admin.message_user(
            request,
            _("Already so, nothing to change — %(count)d ticket(s): %(refs)s")
            % {"count": len(unchanged), "refs": ", ".join(unchanged)},
            level=messages.INFO,
        )
    for why, refs in refused.items():
        model_admin.message_user(
            request,
            _("Refused (%(why)s) — %(count)d ticket(s): %(refs)s")
            % {"why": why, "count": len(refs), "refs": ", ".join(refs)},
            level=messages.WARNING,
        )


def run(
    model_admin: Any,
    request: HttpRequest,
    queryset: QuerySet[Ticket],
    *,
    form_class: type[_UserForm],
    title: str,
    apply: Apply,
    done: Callable[[dict[str, Any]], str],
) -> TemplateResponse | None:
    """First call: the form. Second (with "apply"): the change, then back to the list."""
    tickets = queryset.select_related("queue").order_by("pk")
    selected = list(tickets[: MAX_BULK + 1])
    if len(selected) > MAX_BULK:
        model_admin.message_user(
            request,
            _("At most %(max)d tickets at once; narrow the list first.") % {"max": MAX_BULK},
            level=messages.ERROR,
        )
        return None
    form = form_class(request.POST if "apply" in request.POST else None, user=request.user)
    if "apply" in request.POST and form.is_valid():
        data = form.cleaned_data
        result = apply_each(tickets, lambda t: apply(t, data, request.user))
        report(model_admin, request, done(data), result)
        return None
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": opts,
        "form": form,
        "tickets": selected,
        "action": request.POST.get("action", ""),
        "select_across": request.POST.get("select_across", "0"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "selected_ids": [str(t.pk) for t in selected],
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, "admin/tickets/ticket/bulk_action.html", context)


def _name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


class BulkActionsMixin:
    """The bulk actions; TicketAdmin lists their names in `actions`."""

    BULK_ACTIONS = ("bulk_assign", "bulk_move", "bulk_priority", "bulk_tags", "bulk_reason")

    @admin.action(description=gettext_lazy("Assign to an agent…"), permissions=["change"])
    def bulk_assign(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> Any:
        return run(
            self,
            request,
            queryset,
            form_class=AssignForm,
            title=_("Assign tickets to an agent"),
            apply=_assign,
            done=lambda d: _("Assigned to %(agent)s") % {"agent": _name(d["agent"])},
        )

    @admin.action(description=gettext_lazy("Move to a queue…"), permissions=["change"])
    def bulk_move(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> Any:
        return run(
            self,
            request,
            queryset,
            form_class=MoveForm,
            title=_("Move tickets to a queue"),
            apply=_move,
            done=lambda d: _("Moved to %(queue)s") % {"queue": d["queue"]},
        )

    @admin.action(description=gettext_lazy("Set priority…"), permissions=["change"])
    def bulk_priority(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> Any:
        return run(
            self,
            request,
            queryset,
            form_class=PriorityForm,
            title=_("Set the priority of tickets"),
            apply=_priority,
            done=lambda d: (
                _("Priority set to %(priority)s") % {"priority": Priority(d["priority"]).label}
            ),
        )

    @admin.action(description=gettext_lazy("Add or remove tags…"), permissions=["change"])
    def bulk_tags(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> Any:
        return run(
            self,
            request,
            queryset,
            form_class=TagsForm,
            title=_("Add or remove tags"),
            apply=_tags,
            done=lambda d: _("Tags changed"),
        )

    @admin.action(description=gettext_lazy("Set reason…"), permissions=["change"])
    def bulk_reason(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> Any:
        return run(
            self,
            request,
            queryset,
            form_class=ReasonForm,
            title=_("Set the reason of tickets"),
            apply=_reason,
            done=lambda d: _("Reason set to %(reason)s") % {"reason": d["reason"]},
        )
