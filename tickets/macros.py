"""Macros (canned answers with actions) and agents' signatures.

The reply text is plain text with a fixed whitelist of placeholders, substituted in one pass:
Django's template engine never runs over text an agent typed, so a macro cannot reach settings,
other objects or tags, and a customer named "{{ agent.name }}" stays exactly that."""

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from . import services
from .errors import TicketError, TicketErrorCode
from .links import status_url
from .models import (
    AgentSignature,
    Macro,
    MacroAssign,
    MacroVisibility,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from .selectors import can_view_ticket, is_supervisor, queue_ids_for

PLACEHOLDERS = ("customer.name", "ticket.reference", "agent.name", "ticket.status_url")
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
# Any other piece of template syntax: tags, comments, stray braces left by a typo.
_OTHER_SYNTAX = re.compile(r"\{%|%\}|\{#|#\}|\{\{|\}\}")


# --- placeholders -------------------------------------------------------------------------------


def check_placeholders(text: str) -> None:
    """Raises ValidationError naming what is not allowed: unknown placeholders, filters, tags."""
    unknown = [
        m.group(1) for m in _PLACEHOLDER.finditer(text or "") if m.group(1) not in PLACEHOLDERS
    ]
    if unknown:
        raise ValidationError(
            _("Unknown placeholder %(names)s. Use only: %(allowed)s.")
            % {
                "names": ", ".join(f"{{{{ {name} }}}}" for name in unknown),
                "allowed": ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS),
            },
            code="unknown_placeholder",
        )
    if _OTHER_SYNTAX.search(_PLACEHOLDER.sub("", text or "")):
        raise ValidationError(
            _("Template tags, comments and lone braces are not allowed; use only: %(allowed)s.")
            % {"allowed": ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS)},
            code="template_syntax",
        )


def render_placeholders(text: str, values: dict[str, str], *, html: bool = False) -> str:
    """One pass over the text: a value is never scanned again, so it cannot inject a placeholder.
    With html=True every value is escaped (the text itself is the macro author's)."""

    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(1), "")
        return str(escape(found)) if html else found

    return _PLACEHOLDER.sub(value, text or "")


def _agent_name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def placeholder_values(*, ticket: Ticket, agent: Any) -> dict[str, str]:
    return {
        "customer.name": ticket.customer.name or str(ticket.customer),
        "ticket.reference": ticket.reference,
        "agent.name": _agent_name(agent),
        "ticket.status_url": status_url(ticket),
    }


def reply_template(macro: Macro, language: str) -> str:
    own = macro.reply_en if language == "en" else macro.reply_vi
    return own or macro.reply_vi or macro.reply_en


def render_reply(*, macro: Macro, ticket: Ticket, agent: Any, html: bool = False) -> str:
    return render_placeholders(
        reply_template(macro, ticket.language),
        placeholder_values(ticket=ticket, agent=agent),
        html=html,
    ).strip()


# --- who may use and manage which macro -------------------------------------------------------


def usable_macros(user: Any) -> QuerySet[Macro]:
    """Active macros the user may apply, most used first (one query)."""
    if not getattr(user, "is_authenticated", False) or not user.is_staff or not user.is_active:
        return Macro.objects.none()
    queue_ids = queue_ids_for(user)
    in_queue = Q(visibility=MacroVisibility.QUEUE)
    if queue_ids is not None:
        in_queue &= Q(queue_id__in=queue_ids)
    return Macro.objects.filter(
        Q(visibility=MacroVisibility.EVERYONE)
        | Q(visibility=MacroVisibility.PERSONAL, owner=user)
        | in_queue,
        is_active=True,
    ).order_by("-usage_count", "name_vi", "id")


def can_use_macro(user: Any, macro: Macro) -> bool:
    if not macro.is_active or not getattr(user, "is_staff", False) or not user.is_active:
        return False
    if macro.visibility == MacroVisibility.EVERYONE:
        return True
    if macro.visibility == MacroVisibility.PERSONAL:
        return macro.owner_id == user.pk
    queue_ids = queue_ids_for(user)
    return queue_ids is None or macro.queue_id in queue_ids


def manageable_macros(user: Any) -> QuerySet[Macro]:
    """Macros the user may edit or delete: their own personal ones; as a queue's lead, that
    queue's; as a supervisor, all."""
    if is_supervisor(user):
        return Macro.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_staff or not user.is_active:
        return Macro.objects.none()
    return Macro.objects.filter(
        Q(visibility=MacroVisibility.PERSONAL, owner=user)
        | Q(visibility=MacroVisibility.QUEUE, queue__lead=user)
    )


def may_manage(user: Any, *, visibility: str, owner_id: int | None, queue: Any) -> bool:
    """Whether the user may create or keep a macro with these settings."""
    if is_supervisor(user):
        return True
    if visibility == MacroVisibility.PERSONAL:
        return owner_id == user.pk
    if visibility == MacroVisibility.QUEUE:
        return queue is not None and queue.lead_id == user.pk
    return False


# --- signatures ---------------------------------------------------------------------------------


def signature_for(user: Any, language: str) -> str:
    if user is None or not getattr(user, "pk", None):
        return ""
    row = AgentSignature.objects.filter(user_id=user.pk).first()
    return row.for_language(language) if row else ""


# --- applying ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MacroResult:
    ticket: Ticket
    reply_text: str
    sent_message: TicketMessage | None


def _not_allowed(message: str, field: str | None = None) -> TicketError:
    return TicketError(TicketErrorCode.NOT_ALLOWED, message, field=field)


@transaction.atomic
def apply_macro(*, ticket: Ticket, macro: Macro, by: Any, send: bool | None = None) -> MacroResult:
    """Applies every action of the macro through the ticket services, in one transaction: a
    refused action (a forbidden transition, an agent not in the queue) undoes them all. Each
    change is its own history row with the reason "macro: <name>". Sends the rendered reply when
    the macro (or `send`) says so; otherwise returns it for the agent to edit."""
    if not can_view_ticket(by, ticket) or not can_use_macro(by, macro):
        raise _not_allowed(_("You cannot use this macro on this ticket."), field="macro")
    send = macro.send_at_once if send is None else send
    # Locked first, so the checks below and the changes read the same row.
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("customer").get(pk=ticket.pk)
    )
    if ticket.status == TicketStatus.CLOSED and (macro.has_actions or send):
        raise TicketError(
            TicketErrorCode.TICKET_CLOSED,
            _("Ticket %(ref)s is closed and cannot change.") % {"ref": ticket.reference},
            field="status",
        )
    if macro.set_queue_id and macro.set_queue_id != ticket.queue_id:
        visible = queue_ids_for(by)
        if visible is not None and macro.set_queue_id not in visible:
            raise _not_allowed(
                _("The macro moves the ticket to %(queue)s, a queue you do not work.")
                % {"queue": macro.set_queue},
                field="queue",
            )
    with services.change_label(f"macro: {macro.name_vi}"):
        if macro.set_queue_id and macro.set_queue_id != ticket.queue_id:
            ticket = services.move_ticket(ticket=ticket, queue=macro.set_queue, by=by)
        if macro.assign:
            agent = by if macro.assign == MacroAssign.ME else macro.assign_agent
            if agent is not None:
                ticket = services.assign_ticket(ticket=ticket, agent=agent, by=by)
        if macro.set_reason_id and macro.set_reason_id != ticket.reason_id:
            ticket = services.set_reason(ticket=ticket, reason=macro.set_reason, by=by)
        if macro.set_priority and macro.set_priority != ticket.priority:
            ticket = services.set_priority(ticket=ticket, priority=macro.set_priority, by=by)
        for name in macro.tag_list("add_tags"):
            services.add_tag(ticket=ticket, name=name, by=by)
        for name in macro.tag_list("remove_tags"):
            services.remove_tag(ticket=ticket, name=name, by=by)
        reply_text = render_reply(macro=macro, ticket=ticket, agent=by)
        message = None
        if send and reply_text:
            # The reply carries the status ("reply and set pending"): one transition, as in the
            # reply form.
            message = services.reply(
                ticket=ticket, by=by, body=reply_text, status=macro.set_status or None
            )
        elif macro.set_status:
            ticket = services.change_status(ticket=ticket, to=macro.set_status, by=by)
    Macro.objects.filter(pk=macro.pk).update(
        usage_count=F("usage_count") + 1, last_used_at=timezone.now()
    )
    ticket.refresh_from_db()
    return MacroResult(ticket=ticket, reply_text=reply_text, sent_message=message)


# --- managing macros ----------------------------------------------------------------------------

MACRO_FIELDS = (
    "name_vi",
    "name_en",
    "visibility",
    "queue",
    "reply_vi",
    "reply_en",
    "set_status",
    "set_priority",
    "set_queue",
    "set_reason",
    "add_tags",
    "remove_tags",
    "assign",
    "assign_agent",
    "send_at_once",
    "is_active",
)


def _check_manage(macro: Macro, by: Any) -> None:
    if not may_manage(by, visibility=macro.visibility, owner_id=macro.owner_id, queue=macro.queue):
        raise _not_allowed(
            _(
                "Agents keep personal macros; a queue's macros are kept by its lead, "
                "everyone's by supervisors."
            ),
            field="visibility",
        )
    visible = queue_ids_for(by)
    if macro.set_queue_id and visible is not None and macro.set_queue_id not in visible:
        raise _not_allowed(_("You cannot move tickets to a queue you do not work."), "set_queue")


def _save_macro(macro: Macro, *, by: Any, change: str) -> Macro:
    if macro.visibility != MacroVisibility.QUEUE:
        macro.queue = None
    if macro.visibility == MacroVisibility.PERSONAL and macro.owner_id is None:
        macro.owner = by
    macro.full_clean()
    _check_manage(macro, by)
    macro._history_user = by  # type: ignore[attr-defined]
    macro._change_reason = change  # type: ignore[attr-defined]
    macro.save()
    return macro


@transaction.atomic
def create_macro(*, by: Any, **fields: Any) -> Macro:
    """Raises ValidationError for bad fields (unknown placeholders…) and TicketError
    (not_allowed) for a macro the user may not keep."""
    unknown = set(fields) - set(MACRO_FIELDS)
    if unknown:
        raise TypeError(f"create_macro() got unexpected fields: {sorted(unknown)}")
    return _save_macro(Macro(owner=by, **fields), by=by, change="created")


@transaction.atomic
def update_macro(*, macro: Macro, by: Any, **changes: Any) -> Macro:
    unknown = set(changes) - set(MACRO_FIELDS)
    if unknown:
        raise TypeError(f"update_macro() got unexpected fields: {sorted(unknown)}")
    macro = Macro.objects.select_for_update().get(pk=macro.pk)
    # Allowed to touch it as it is, and to keep it as it will be.
    _check_manage(macro, by)
    for field, value in changes.items():
        setattr(macro, field, value)
    return _save_macro(macro, by=by, change="updated")


@transaction.atomic
def delete_macro(*, macro: Macro, by: Any) -> None:
    macro = Macro.objects.select_for_update().get(pk=macro.pk)
    _check_manage(macro, by)
    macro._history_user = by  # type: ignore[attr-defined]
    macro.delete()
