"""Every change to a ticket goes through here: one transaction per call, rows locked before they
are changed, the history actor set, side effects left to receivers and on_commit."""

import hashlib
import mimetypes
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from customers.models import ChannelKind, Customer

from . import notifications, signals, sla
from .errors import TicketError, TicketErrorCode
from .models import (
    OPEN_STATUSES,
    AgentProfile,
    Attachment,
    AuthorType,
    InteractionReason,
    MessageKind,
    Priority,
    Queue,
    Tag,
    Ticket,
    TicketIdempotencyKey,
    TicketMessage,
    TicketStatus,
)
from .queueing import enqueue_on_commit

S = TicketStatus
# The workflow. Closed is final: a customer who writes again about a closed ticket gets a new one.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.OPEN, S.PENDING, S.ON_HOLD, S.SOLVED, S.CLOSED}),
    S.OPEN: frozenset({S.PENDING, S.ON_HOLD, S.SOLVED, S.CLOSED}),
    S.PENDING: frozenset({S.OPEN, S.ON_HOLD, S.SOLVED, S.CLOSED}),
    S.ON_HOLD: frozenset({S.OPEN, S.PENDING, S.SOLVED, S.CLOSED}),
    S.SOLVED: frozenset({S.OPEN, S.CLOSED}),
    S.CLOSED: frozenset(),
}


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def _clean_text(text: str, *, field: str = "body") -> str:
    # PostgreSQL refuses NUL in text; nothing a person typed needs it.
    cleaned = (text or "").replace("\x00", "").strip()
    if not cleaned:
        raise TicketError(TicketErrorCode.EMPTY_MESSAGE, _("The message is empty."), field=field)
    if len(cleaned) > settings.CIM_MESSAGE_MAX_CHARS:
        raise TicketError(
            TicketErrorCode.MESSAGE_TOO_LONG,
            _("The message is longer than %(max)d characters.")
            % {"max": settings.CIM_MESSAGE_MAX_CHARS},
            field=field,
        )
    return cleaned


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


# Set by a caller that makes several changes for one purpose (a macro): each change stays its own
# audited history row, and every row names that purpose as its reason.
_change_label: ContextVar[str] = ContextVar("cim_change_label", default="")


@contextmanager
def change_label(label: str) -> Iterator[None]:
    token = _change_label.set(label)
    try:
        yield
    finally:
        _change_label.reset(token)


def _save(ticket: Ticket, *, by: Any, reason: str = "", fields: Sequence[str]) -> None:
    ticket._history_user = by  # type: ignore[attr-defined]
    ticket._change_reason = _change_label.get() or reason  # type: ignore[attr-defined]
    ticket.save(update_fields=[*fields, "updated_at"])


def _check_reason(reason: InteractionReason | None) -> None:
    if reason is None:
        return
    if reason.parent_id is None or not reason.is_active:
        raise TicketError(
            TicketErrorCode.INVALID_REASON,
            _("Pick an active reason, not a category."),
            field="reason",
        )


def _check_queue(queue: Queue) -> None:
    if not queue.is_active:
        raise TicketError(
            TicketErrorCode.INACTIVE_QUEUE,
            _("The queue %(q)s is closed.") % {"q": queue},
            field="queue",
        )


def validate_attachment(upload: UploadedFile) -> str:
    """Returns the content type to store, or raises if the file may not be attached."""
    if upload.size is None or upload.size > settings.CIM_ATTACHMENT_MAX_BYTES:
        raise TicketError(
            TicketErrorCode.ATTACHMENT_TOO_LARGE,
            _("%(name)s is larger than %(mb)d MB.")
            % {"name": upload.name, "mb": settings.CIM_ATTACHMENT_MAX_BYTES // (1024 * 1024)},
            field="attachments",
        )
    guessed, _encoding = mimetypes.guess_type(upload.name or "")
    content_type = guessed or upload.content_type or "application/octet-stream"
    if content_type not in settings.CIM_ATTACHMENT_CONTENT_TYPES:
        raise TicketError(
            TicketErrorCode.ATTACHMENT_TYPE,
            _("Files of type %(type)s cannot be attached.") % {"type": content_type},
            field="attachments",
        )
    return content_type


def _attach(message: TicketMessage, uploads: Iterable[UploadedFile]) -> None:
    for upload in uploads:
        content_type = validate_attachment(upload)
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        attachment = Attachment(
            message=message,
            filename=(upload.name or "file")[-255:],
            content_type=content_type,
            size=upload.size or 0,
            sha256=digest.hexdigest(),
        )
        attachment.file.save(upload.name or "file", upload, save=False)
        attachment.save()


def _add_message(
    *,
    ticket: Ticket,
    kind: str,
    author_type: str,
    body: str,
    channel: str,
    author_user: Any = None,
    author_customer: Customer | None = None,
    attachments: Iterable[UploadedFile] = (),
) -> TicketMessage:
    message = TicketMessage.objects.create(
        ticket=ticket,
        kind=kind,
        author_type=author_type,
        author_user=author_user,
        author_customer=author_customer,
        body=body,
        channel=channel,
    )
    _attach(message, attachments)
    signals.message_added.send(sender=TicketMessage, message=message, ticket=ticket)
    return message


def _set_status(ticket: Ticket, to: str, *, by: Any, note: str = "") -> list[str]:
    """Moves a locked ticket to `to` and stamps the timestamps that go with it. Returns the
    changed field names; the caller saves. Same status → nothing (idempotent)."""
    if ticket.status == to:
        return []
    if ticket.status == S.CLOSED:
        raise TicketError(
            TicketErrorCode.TICKET_CLOSED,
            _("Ticket %(ref)s is closed and cannot change.") % {"ref": ticket.reference},
            field="status",
        )
    if not can_transition(ticket.status, to):
        raise TicketError(
            TicketErrorCode.INVALID_TRANSITION,
            _("A ticket cannot go from %(old)s to %(new)s.")
            % {"old": S(ticket.status).label, "new": S(to).label},
            field="status",
        )
    old = ticket.status
    ticket.status = to
    now = timezone.now()
    fields = ["status"]
    if to == S.SOLVED:
        ticket.solved_at = now
        fields.append("solved_at")
    elif to == S.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
        if ticket.solved_at is None:
            ticket.solved_at = now
            fields.append("solved_at")
    elif old == S.SOLVED:
        # Reopened: it is no longer solved.
        ticket.solved_at = None
        fields.append("solved_at")
    fields += sla.on_status_change(ticket, old=old, new=to, now=now)
    ticket._status_change = (old, to)  # type: ignore[attr-defined]
    return fields


def _announce_status(ticket: Ticket, by: Any) -> None:
    change = getattr(ticket, "_status_change", None)
    if change:
        signals.ticket_status_changed.send(
            sender=Ticket, ticket=ticket, old_status=change[0], new_status=change[1], by=by
        )
        del ticket._status_change  # type: ignore[attr-defined]


@transaction.atomic
def create_ticket(
    *,
    customer: Customer,
    subject: str,
    body: str,
    queue: Queue,
    channel: str = ChannelKind.WEB_FORM,
    priority: int | None = None,
    reason: InteractionReason | None = None,
    tags: Iterable[str] = (),
    language: str | None = None,
    by: Any = None,
    author_type: str = AuthorType.CUSTOMER,
    idempotency_key: str | None = None,
    attachments: Iterable[UploadedFile] = (),
) -> Ticket:
    """Opens a ticket with its first message. With an idempotency key and a `by` user, a retry
    with the same key returns the ticket the first call made instead of a second one."""
    fields = dict(
        customer=customer,
        subject=subject,
        body=body,
        queue=queue,
        channel=channel,
        priority=priority,
        reason=reason,
        tags=tags,
        language=language,
        by=by,
        author_type=author_type,
        attachments=attachments,
    )
    if not idempotency_key or by is None:
        return _open_ticket(**fields)
    existing = _ticket_for_key(by, idempotency_key)
    if existing is not None:
        return existing
    try:
        # A savepoint: the loser of two concurrent requests with one key undoes only its own
        # ticket, then reads the winner's once the unique key has decided.
        with transaction.atomic():
            ticket = _open_ticket(**fields)
            TicketIdempotencyKey.objects.create(owner=by, key=idempotency_key, ticket=ticket)
            return ticket
    except IntegrityError:
        winner = _ticket_for_key(by, idempotency_key)
        if winner is None:
            raise
        return winner


def _ticket_for_key(owner: Any, key: str) -> Ticket | None:
    found = TicketIdempotencyKey.objects.filter(owner=owner, key=key).select_related("ticket")
    row = found.first()
    return row.ticket if row else None


def _open_ticket(
    *,
    customer: Customer,
    subject: str,
    body: str,
    queue: Queue,
    channel: str,
    priority: int | None,
    reason: InteractionReason | None,
    tags: Iterable[str],
    language: str | None,
    by: Any,
    author_type: str,
    attachments: Iterable[UploadedFile],
) -> Ticket:
    subject = _clean_text(subject, field="subject")[:255]
    body = _clean_text(body)
    _check_queue(queue)
    _check_reason(reason)
    ticket = Ticket(
        subject=subject,
        customer=customer,
        queue=queue,
        channel=channel,
        priority=priority or queue.default_priority or Priority.NORMAL,
        reason=reason,
        language=language or customer.language,
        created_by=by,
    )
    sla.start(ticket)
    ticket._history_user = by  # type: ignore[attr-defined]
    ticket._change_reason = "created"  # type: ignore[attr-defined]
    ticket.save()
    for name in tags:
        _tag(ticket, name)
    is_customer = author_type == AuthorType.CUSTOMER
    _add_message(
        ticket=ticket,
        kind=MessageKind.PUBLIC,
        author_type=author_type,
        body=body,
        channel=channel,
        author_user=None if is_customer else by,
        author_customer=customer if is_customer else None,
        attachments=attachments,
    )
    signals.ticket_created.send(sender=Ticket, ticket=ticket, by=by)
    _route_after_commit(ticket)
    return ticket


def _route_after_commit(ticket: Ticket) -> None:
    if ticket.assignee_id is None and ticket.queue.auto_assign:
        from .tasks import route_ticket_task

        enqueue_on_commit(route_ticket_task, ticket.pk)


@transaction.atomic
def reply(
    *,
    ticket: Ticket,
    by: Any,
    body: str,
    status: str | None = None,
    channel: str | None = None,
    attachments: Iterable[UploadedFile] = (),
    seen_message_id: int | None = None,
) -> TicketMessage:
    """An agent's public reply. The first one stamps first_responded_at; a new ticket becomes
    open unless the agent chooses another status (e.g. pending: waiting on the customer).
    With `seen_message_id` (the newest message the agent's page showed), a customer message
    written since then refuses the reply (STALE_REPLY), so the agent reads it first."""
    body = _clean_text(body)
    ticket = _lock(ticket)
    if seen_message_id is not None:
        _check_not_stale(ticket, seen_message_id)
    if ticket.status == S.CLOSED:
        raise TicketError(
            TicketErrorCode.TICKET_CLOSED,
            _("Ticket %(ref)s is closed; open a new ticket instead.") % {"ref": ticket.reference},
        )
    body = _signed(body, by=by, language=ticket.language)
    fields: list[str] = []
    target = status or (S.OPEN if ticket.status == S.NEW else None)
    if target:
        fields += _set_status(ticket, target, by=by)
    if ticket.first_responded_at is None:
        ticket.first_responded_at = timezone.now()
        fields.append("first_responded_at")
    fields += sla.on_agent_reply(ticket, now=timezone.now())
    if ticket.assignee_id is None and _is_agent_of(by, ticket.queue_id):
        ticket.assignee = by
        fields.append("assignee")
    message = _add_message(
        ticket=ticket,
        kind=MessageKind.PUBLIC,
        author_type=AuthorType.AGENT,
        body=body,
        channel=channel or ticket.channel,
        author_user=by,
        attachments=attachments,
    )
    _save(ticket, by=by, reason="reply", fields=fields)
    _announce_status(ticket, by)
    return message


def _signed(body: str, *, by: Any, language: str) -> str:
    """The body with the agent's signature in the reply's language (tickets.macros), once."""
    from .macros import signature_for

    signature = signature_for(by, language)
    if not signature or body.endswith(signature):
        return body
    signed = f"{body}\n\n{signature}"
    # A reply at the length limit goes out unsigned rather than cut.
    return signed if len(signed) <= settings.CIM_MESSAGE_MAX_CHARS else body


def _check_not_stale(ticket: Ticket, seen_message_id: int) -> None:
    # Decided under the ticket's lock: add_customer_message takes the same lock, so a customer
    # message is either visible here or written after this reply.
    newer = TicketMessage.objects.filter(
        ticket=ticket, author_type=AuthorType.CUSTOMER, pk__gt=seen_message_id
    )
    if newer.exists():
        raise TicketError(
            TicketErrorCode.STALE_REPLY,
            _("The customer wrote again after you opened this ticket; read it, then send."),
            field="reply_body",
        )


@transaction.atomic
def add_internal_note(
    *, ticket: Ticket, by: Any, body: str, attachments: Iterable[UploadedFile] = ()
) -> TicketMessage:
    body = _clean_text(body)
    ticket = _lock(ticket)
    message = _add_message(
        ticket=ticket,
        kind=MessageKind.INTERNAL,
        author_type=AuthorType.AGENT,
        body=body,
        channel=ticket.channel,
        author_user=by,
        attachments=attachments,
    )
    _save(ticket, by=by, reason="internal note", fields=[])
    return message


@transaction.atomic
def add_customer_message(
    *,
    ticket: Ticket,
    body: str,
    channel: str | None = None,
    attachments: Iterable[UploadedFile] = (),
) -> TicketMessage:
    """The customer writes on their ticket. Waiting (pending) or solved tickets go back to open;
    a closed ticket refuses, and the caller opens a new one."""
    body = _clean_text(body)
    ticket = _lock(ticket)
    if ticket.status == S.CLOSED:
        raise TicketError(
            TicketErrorCode.TICKET_CLOSED,
            _("Ticket %(ref)s is closed; please open a new request.") % {"ref": ticket.reference},
        )
    fields: list[str] = []
    if ticket.status in (S.PENDING, S.SOLVED):
        fields += _set_status(ticket, S.OPEN, by=None)
    fields += sla.on_customer_message(ticket, now=timezone.now())
    message = _add_message(
        ticket=ticket,
        kind=MessageKind.PUBLIC,
        author_type=AuthorType.CUSTOMER,
        body=body,
        channel=channel or ticket.channel,
        author_customer=ticket.customer,
        attachments=attachments,
    )
    _save(ticket, by=None, reason="customer message", fields=fields)
    _announce_status(ticket, None)
    notifications.notify_customer_reply(ticket=ticket)
    return message


@transaction.atomic
def change_status(*, ticket: Ticket, to: str, by: Any, note: str = "") -> Ticket:
    """Moves a ticket through the workflow table; forbidden moves raise TicketError. Asking for
    the status it already has changes nothing, so a retried call is harmless."""
    if to not in S.values:
        raise TicketError(
            TicketErrorCode.INVALID_TRANSITION,
            _("Unknown status %(s)s.") % {"s": to},
            field="status",
        )
    ticket = _lock(ticket)
    fields = _set_status(ticket, to, by=by)
    if not fields:
        return ticket
    if note:
        _add_message(
            ticket=ticket,
            kind=MessageKind.INTERNAL,
            author_type=AuthorType.AGENT,
            body=_clean_text(note, field="note"),
            channel=ticket.channel,
            author_user=by,
        )
    _save(ticket, by=by, reason=note or f"status → {to}", fields=fields)
    _announce_status(ticket, by)
    return ticket


def solve_ticket(*, ticket: Ticket, by: Any, note: str = "") -> Ticket:
    return change_status(ticket=ticket, to=S.SOLVED, by=by, note=note)


def close_ticket(*, ticket: Ticket, by: Any, note: str = "") -> Ticket:
    return change_status(ticket=ticket, to=S.CLOSED, by=by, note=note)


@transaction.atomic
def reopen_ticket(*, ticket: Ticket, by: Any, note: str = "") -> Ticket:
    # Decided on the locked row, not on the caller's copy, which may be stale.
    ticket = _lock(ticket)
    if ticket.status in OPEN_STATUSES:
        raise TicketError(
            TicketErrorCode.INVALID_TRANSITION,
            _("Ticket %(ref)s is not solved; there is nothing to reopen.")
            % {"ref": ticket.reference},
            field="status",
        )
    return change_status(ticket=ticket, to=S.OPEN, by=by, note=note)


def _is_agent_of(user: Any, queue_id: int) -> bool:
    if (
        user is None
        or not getattr(user, "is_active", False)
        or not getattr(user, "is_staff", False)
    ):
        return False
    return AgentProfile.objects.filter(user=user, queues__id=queue_id).exists()


@transaction.atomic
def assign_ticket(*, ticket: Ticket, agent: Any, by: Any) -> Ticket:
    """Gives the ticket to an agent of its queue, or takes it back to the queue (agent=None)."""
    ticket = _lock(ticket)
    if ticket.status == S.CLOSED:
        raise TicketError(
            TicketErrorCode.TICKET_CLOSED,
            _("Ticket %(ref)s is closed and cannot change.") % {"ref": ticket.reference},
        )
    if agent is not None and not _is_agent_of(agent, ticket.queue_id):
        if not getattr(agent, "is_staff", False) or not getattr(agent, "is_active", False):
            raise TicketError(
                TicketErrorCode.NOT_AN_AGENT,
                _("%(user)s is not an active staff member.") % {"user": agent},
                field="assignee",
            )
        raise TicketError(
            TicketErrorCode.AGENT_NOT_IN_QUEUE,
            _("%(user)s does not work the queue %(queue)s.")
            % {"user": agent, "queue": ticket.queue},
            field="assignee",
        )
    if ticket.assignee_id == (agent.pk if agent else None):
        return ticket
    ticket.assignee = agent
    _save(
        ticket, by=by, reason=f"assigned to {agent}" if agent else "unassigned", fields=["assignee"]
    )
    notifications.notify_assigned(ticket=ticket, by=by)
    return ticket


@transaction.atomic
def move_ticket(*, ticket: Ticket, queue: Queue, by: Any) -> Ticket:
    """Moves the ticket to another queue; an assignee who does not work that queue lets go."""
    _check_queue(queue)
    ticket = _lock(ticket)
    if ticket.queue_id == queue.pk:
        return ticket
    ticket.queue = queue
    fields = ["queue"]
    if ticket.assignee_id and not _is_agent_of(ticket.assignee, queue.pk):
        ticket.assignee = None
        fields.append("assignee")
    _save(ticket, by=by, reason=f"moved to {queue}", fields=fields)
    _route_after_commit(ticket)
    return ticket


@transaction.atomic
def set_reason(*, ticket: Ticket, reason: InteractionReason | None, by: Any) -> Ticket:
    _check_reason(reason)
    ticket = _lock(ticket)
    ticket.reason = reason
    _save(ticket, by=by, reason="reason set", fields=["reason"])
    return ticket


@transaction.atomic
def set_priority(*, ticket: Ticket, priority: int, by: Any) -> Ticket:
    if priority not in Priority.values:
        raise TicketError(
            TicketErrorCode.INVALID_TRANSITION, _("Unknown priority."), field="priority"
        )
    ticket = _lock(ticket)
    ticket.priority = priority
    _save(ticket, by=by, reason="priority set", fields=["priority"])
    return ticket


def _tag_name(name: str) -> str:
    slug = slugify((name or "").strip(), allow_unicode=True)[:50]
    if not slug:
        raise TicketError(
            TicketErrorCode.INVALID_TAG,
            _("A tag needs letters or digits."),
            field="tags",
        )
    return slug


def _tag(ticket: Ticket, name: str) -> Tag:
    tag, _created = Tag.objects.get_or_create(name=_tag_name(name))
    ticket.tags.add(tag)
    return tag


@transaction.atomic
def add_tag(*, ticket: Ticket, name: str, by: Any) -> Tag:
    ticket = _lock(ticket)
    tag = _tag(ticket, name)
    _save(ticket, by=by, reason=f"tag {tag.name} added", fields=[])
    return tag


@transaction.atomic
def remove_tag(*, ticket: Ticket, name: str, by: Any) -> None:
    ticket = _lock(ticket)
    ticket.tags.remove(*Tag.objects.filter(name=_tag_name(name)))
    _save(ticket, by=by, reason=f"tag {name} removed", fields=[])


# --- Interaction reasons (the governed list). Added for the REST API; the admin may use them too.

REASON_FIELDS = ("parent", "code", "name_vi", "name_en", "description", "is_active", "position")


def _save_reason(reason: InteractionReason, *, by: Any, change: str) -> InteractionReason:
    # full_clean runs the model's two-level rule and the unique code check; the IntegrityError
    # branch covers two managers saving the same code at the same moment.
    reason.full_clean()
    reason._history_user = by  # type: ignore[attr-defined]
    reason._change_reason = change  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            reason.save()
    except IntegrityError:
        from django.core.exceptions import ValidationError

        raise ValidationError({"code": _("Another reason already has this code.")}) from None
    return reason


@transaction.atomic
def create_reason(
    *,
    code: str,
    name_vi: str,
    name_en: str,
    parent: InteractionReason | None = None,
    description: str = "",
    is_active: bool = True,
    position: int = 0,
    by: Any = None,
) -> InteractionReason:
    """Adds a category (no parent) or a reason under a category; raises ValidationError when the
    list would get a third level or a duplicate code."""
    reason = InteractionReason(
        parent=parent,
        code=code,
        name_vi=name_vi,
        name_en=name_en,
        description=description,
        is_active=is_active,
        position=position,
    )
    return _save_reason(reason, by=by, change="created")


@transaction.atomic
def update_reason(
    *, reason: InteractionReason, by: Any = None, **changes: Any
) -> InteractionReason:
    unknown = set(changes) - set(REASON_FIELDS)
    if unknown:
        raise TypeError(f"update_reason() got unexpected fields: {sorted(unknown)}")
    reason = InteractionReason.objects.select_for_update().get(pk=reason.pk)
    for field, value in changes.items():
        setattr(reason, field, value)
    return _save_reason(reason, by=by, change="updated")


from .activities import log_activity as log_activity  # noqa: E402 - the work log service
