"""Ticket relations: merging duplicates into one ticket, and links between related tickets.

A merge moves everything a customer sees or an agent needs (messages with their attachments,
tags, and, through the tickets_merged signal, the journey rows and per-ticket feedback rows of the
higher apps) to the target, then closes each source with a pointer to it. One transaction; the
tickets are locked in id order so two merges over overlapping tickets queue instead of
deadlocking.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from . import services, signals, sla
from .errors import TicketError, TicketErrorCode
from .models import (
    AuthorType,
    LinkKind,
    MessageKind,
    Tag,
    Ticket,
    TicketLink,
    TicketMessage,
    TicketStatus,
)
from .selectors import queue_ids_for, visible_tickets

MAX_MERGE_SOURCES = 50


@dataclass
class MergeResult:
    target: Ticket
    merged: list[Ticket] = field(default_factory=list)
    messages_moved: int = 0
    tags_added: int = 0


def merge_preview(*, target: Ticket, sources: Sequence[Ticket]) -> dict[str, Any]:
    """What a merge would move, for the confirmation page: counts in two queries."""
    ids = [s.pk for s in sources]
    messages = TicketMessage.objects.filter(ticket_id__in=ids).count()
    tags = sorted(
        set(Tag.objects.filter(tickets__in=ids).values_list("name", flat=True))
        - set(target.tags.values_list("name", flat=True))
    )
    customers = {target.customer_id, *(s.customer_id for s in sources)}
    return {"messages": messages, "tags": tags, "other_customers": len(customers) > 1}


def _refuse(code: TicketErrorCode, message: str, *, field_name: str | None = "sources") -> None:
    raise TicketError(code, message, field=field_name)


def _check_merge(
    target: Ticket, sources: list[Ticket], *, by: Any, allow_other_customers: bool
) -> None:
    if target.merged_into_id is not None:
        _refuse(
            TicketErrorCode.MERGE_INVALID,
            _("Ticket %(ref)s was itself merged; pick the ticket it went into.")
            % {"ref": target.reference},
            field_name="target",
        )
    if target.status == TicketStatus.CLOSED:
        _refuse(
            TicketErrorCode.TICKET_CLOSED,
            _("Ticket %(ref)s is closed; merge into an open ticket.") % {"ref": target.reference},
            field_name="target",
        )
    for source in sources:
        if source.merged_into_id is not None:
            _refuse(
                TicketErrorCode.MERGE_INVALID,
                _("Ticket %(ref)s is already merged.") % {"ref": source.reference},
            )
        if source.status == TicketStatus.CLOSED:
            _refuse(
                TicketErrorCode.TICKET_CLOSED,
                _("Ticket %(ref)s is closed and cannot be merged.") % {"ref": source.reference},
            )
    queue_ids = queue_ids_for(by)
    if queue_ids is not None and any(t.queue_id not in queue_ids for t in [target, *sources]):
        _refuse(
            TicketErrorCode.MERGE_FORBIDDEN,
            _("You can only merge tickets of queues you work."),
        )
    others = [s for s in sources if s.customer_id != target.customer_id]
    if others and not allow_other_customers:
        _refuse(
            TicketErrorCode.MERGE_OTHER_CUSTOMER,
            _(
                "%(refs)s belong to another customer than %(ref)s. Confirm to merge tickets of "
                "different customers."
            )
            % {"refs": ", ".join(s.reference for s in others), "ref": target.reference},
        )


@transaction.atomic
def merge_tickets(
    *,
    target: Ticket,
    sources: Iterable[Ticket],
    by: Any,
    notify_customer: bool = False,
    allow_other_customers: bool = False,
) -> MergeResult:
    """Merges `sources` into `target`. Either everything moves or nothing does (TicketError)."""
    if by is None or not getattr(by, "is_staff", False):
        _refuse(TicketErrorCode.MERGE_FORBIDDEN, _("Only staff can merge tickets."))
    source_ids = sorted({s.pk for s in sources} - {None})
    if not source_ids:
        _refuse(TicketErrorCode.MERGE_INVALID, _("Pick at least one ticket to merge."))
    if target.pk in source_ids:
        _refuse(TicketErrorCode.MERGE_INVALID, _("A ticket cannot be merged into itself."))
    if len(source_ids) > MAX_MERGE_SOURCES:
        _refuse(
            TicketErrorCode.MERGE_INVALID,
            _("At most %(n)d tickets can be merged at once.") % {"n": MAX_MERGE_SOURCES},
        )
    # One statement, ordered by id: every merge takes its locks in the same order.
    locked = {
        t.pk: t
        for t in Ticket.objects.select_for_update()
        .filter(pk__in=[target.pk, *source_ids])
        .order_by("pk")
    }
    if len(locked) != len(source_ids) + 1:
        _refuse(TicketErrorCode.MERGE_INVALID, _("A ticket to merge no longer exists."))
    target = locked[target.pk]
    merging = [locked[pk] for pk in source_ids]
    _check_merge(target, merging, by=by, allow_other_customers=allow_other_customers)

    moved = TicketMessage.objects.filter(ticket_id__in=source_ids).update(ticket=target)
    new_tags = list(Tag.objects.filter(tickets__in=source_ids).exclude(tickets=target).distinct())
    target.tags.add(*new_tags)
    signals.tickets_merged.send(sender=Ticket, target=target, sources=merging, by=by)

    refs = ", ".join(s.reference for s in merging)
    who = by.get_full_name() or by.get_username()
    for source in merging:
        fields = services._set_status(source, TicketStatus.CLOSED, by=by)
        # Closing already stops the sweep (sla_next_check_at); the due times go too, so no list
        # or report shows a merged ticket as still due.
        cleared = [*sla.DUE.values(), *sla.WARN.values(), "sla_next_check_at", "sla_paused_at"]
        for name in cleared:
            setattr(source, name, None)
        source.merged_into = target
        fields = sorted({*fields, *cleared, "merged_into"})
        services._add_message(
            ticket=source,
            kind=MessageKind.INTERNAL,
            author_type=AuthorType.SYSTEM,
            body=_("Merged into %(ref)s by %(user)s.") % {"ref": target.reference, "user": who},
            channel=source.channel,
        )
        services._save(source, by=by, reason=f"merged into {target.reference}", fields=fields)
        services._announce_status(source, by)
    services._add_message(
        ticket=target,
        kind=MessageKind.INTERNAL,
        author_type=AuthorType.SYSTEM,
        body=_("%(refs)s merged into this ticket by %(user)s (%(n)d messages moved).")
        % {"refs": refs, "user": who, "n": moved},
        channel=target.channel,
    )
    # The history reason is a 100-character column; the full list is in the note above.
    services._save(target, by=by, reason=f"merged {refs}"[:100], fields=[])
    if notify_customer:
        with translation.override(target.language):
            body = _(
                "Your requests %(refs)s are about the same matter as %(ref)s, so we have joined "
                "them: we will answer you here."
            ) % {"refs": refs, "ref": target.reference}
        services.reply(ticket=target, by=by, body=body)
    from . import notifications

    notifications.notify_merged(target=target, sources=merging, by=by)
    return MergeResult(
        target=target, merged=merging, messages_moved=moved, tags_added=len(new_tags)
    )


def final_ticket(ticket: Ticket) -> Ticket:
    """Where a merged ticket's reference leads: the end of its merged_into chain."""
    seen = {ticket.pk}
    while ticket.merged_into_id is not None and ticket.merged_into_id not in seen:
        seen.add(ticket.merged_into_id)
        ticket = Ticket.objects.select_related("customer", "queue").get(pk=ticket.merged_into_id)
    return ticket


def find_by_reference(*, user: Any, text: str, exclude: Ticket | None = None) -> Ticket:
    """The one ticket the user may see whose reference starts with `text` (dash and case
    optional), else TicketError with what went wrong."""
    norm = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if len(norm) < 4:
        _refuse(
            TicketErrorCode.LINK_INVALID,
            _("Type at least the first 4 characters of the reference."),
            field_name="reference",
        )
    prefix = f"{norm[:4]}-{norm[4:8]}" if len(norm) > 4 else norm
    qs = visible_tickets(user).filter(reference__startswith=prefix)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    found = list(qs.order_by("pk")[:2])
    if not found:
        _refuse(
            TicketErrorCode.LINK_INVALID,
            _("No ticket you can see has a reference starting with %(ref)s.") % {"ref": prefix},
            field_name="reference",
        )
    if len(found) > 1:
        _refuse(
            TicketErrorCode.LINK_INVALID,
            _("Several tickets start with %(ref)s; type more of the reference.") % {"ref": prefix},
            field_name="reference",
        )
    return found[0]


# --- Links ------------------------------------------------------------------------------------


def links_of(ticket: Ticket) -> QuerySet[TicketLink]:
    return (
        TicketLink.objects.filter(Q(from_ticket=ticket) | Q(to_ticket=ticket))
        .select_related("from_ticket", "to_ticket")
        .order_by("created_at", "id")
    )


def link_view(link: TicketLink, ticket: Ticket) -> dict[str, Any]:
    """A link as seen from one of its ends: the other ticket and the kind in that direction."""
    outgoing = link.from_ticket_id == ticket.pk
    other = link.to_ticket if outgoing else link.from_ticket
    if link.kind == LinkKind.RELATED:
        label = LinkKind.RELATED.label
    elif link.kind == LinkKind.DUPLICATE:
        label = LinkKind.DUPLICATE.label if outgoing else _("Has duplicate")
    else:
        label = LinkKind.CAUSED_BY.label if outgoing else _("Causes")
    return {"link": link, "other": other, "label": label, "kind": link.kind, "outgoing": outgoing}


@transaction.atomic
def link_tickets(
    *, ticket: Ticket, other: Ticket, by: Any, kind: str = LinkKind.RELATED
) -> TicketLink:
    """Links two tickets (`ticket` <kind> `other`); linking them again changes the kind."""
    if kind not in LinkKind.values:
        _refuse(TicketErrorCode.LINK_INVALID, _("Unknown kind of link."), field_name="kind")
    if ticket.pk == other.pk:
        _refuse(
            TicketErrorCode.LINK_INVALID,
            _("A ticket cannot be linked to itself."),
            field_name="reference",
        )
    first, second = sorted([ticket.pk, other.pk])
    locked = {
        t.pk: t
        for t in Ticket.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")
    }
    ticket, other = locked[ticket.pk], locked[other.pk]
    existing = TicketLink.objects.filter(
        Q(from_ticket=ticket, to_ticket=other) | Q(from_ticket=other, to_ticket=ticket)
    ).first()
    if existing is not None:
        existing.delete()
    try:
        with transaction.atomic():
            link = TicketLink.objects.create(
                from_ticket=ticket, to_ticket=other, kind=kind, created_by=by
            )
    except IntegrityError:
        _refuse(TicketErrorCode.LINK_INVALID, _("These tickets are already linked."))
    label = LinkKind(kind).label
    services._save(ticket, by=by, reason=f"linked {label} {other.reference}", fields=[])
    services._save(other, by=by, reason=f"linked from {ticket.reference} ({label})", fields=[])
    return link


@transaction.atomic
def unlink_tickets(*, link: TicketLink, by: Any) -> None:
    locked = {
        t.pk: t
        for t in Ticket.objects.select_for_update()
        .filter(pk__in=[link.from_ticket_id, link.to_ticket_id])
        .order_by("pk")
    }
    deleted, _rows = TicketLink.objects.filter(pk=link.pk).delete()
    if not deleted:
        return
    a, b = locked[link.from_ticket_id], locked[link.to_ticket_id]
    services._save(a, by=by, reason=f"unlinked {b.reference}", fields=[])
    services._save(b, by=by, reason=f"unlinked {a.reference}", fields=[])
