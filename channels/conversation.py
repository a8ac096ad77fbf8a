"""What every message channel shares: which ticket a message continues, posting it there (or on a
new ticket), and recording it in the journey (Event → Action → Interaction)."""

import hashlib
import hmac
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import ChannelKind, Customer
from tickets import services as ticket_services
from tickets.models import OPEN_STATUSES, Ticket, TicketMessage, TicketStatus

from .models import Action, ActionKind, Channel, Interaction, Outcome
from .services import record_action, record_event, record_interaction

# Messages of one conversation closer together than this are one interaction.
CONVERSATION_GAP = timedelta(minutes=30)
REFERENCE_IN_SUBJECT = re.compile(r"\[([0-9A-Z]{4}-[0-9A-Z]{4})\]")
PLUS_TOKEN = re.compile(r"\+([0-9a-z]{8})\.([0-9a-f]{10})@", re.IGNORECASE)


def thread_window(channel: Channel) -> timedelta:
    """How long an open ticket takes new messages of its customer on the same channel without a
    thread reference. Email keeps separate subjects apart unless the channel says otherwise."""
    default = 0 if channel.kind == ChannelKind.EMAIL else settings.CIM_THREAD_WINDOW_HOURS
    try:
        hours = float(channel.config.get("thread_window_hours", default))
    except (TypeError, ValueError):
        hours = float(default)
    return timedelta(hours=max(hours, 0))


def recent_open_ticket(*, channel: Channel, customer: Customer) -> Ticket | None:
    window = thread_window(channel)
    if not window:
        return None
    return (
        Ticket.objects.filter(
            customer=customer,
            channel=channel.kind,
            status__in=OPEN_STATUSES,
            updated_at__gte=timezone.now() - window,
        )
        .order_by("-updated_at")
        .first()
    )


def _token_signature(reference: str) -> str:
    key = f"cim.channels.reply-to:{settings.SECRET_KEY}".encode()
    return hmac.new(key, reference.encode(), hashlib.sha256).hexdigest()[:10]


def reply_to_address(*, mailbox: str, ticket: Ticket) -> str:
    """support@example.vn → support+abcd1234.<sig>@example.vn: a reply to it finds the ticket
    even when the customer's mail program drops In-Reply-To. Signed, so a reference alone
    cannot be turned into an address that threads."""
    local, _sep, domain = mailbox.rpartition("@")
    if not local or not domain:
        return ""
    compact = ticket.reference.replace("-", "").lower()
    return f"{local}+{compact}.{_token_signature(ticket.reference)}@{domain}"


def ticket_from_reply_to(recipients: Iterable[str]) -> Ticket | None:
    for address in recipients:
        match = PLUS_TOKEN.search(address)
        if not match:
            continue
        compact = match.group(1).upper()
        reference = f"{compact[:4]}-{compact[4:]}"
        if hmac.compare_digest(_token_signature(reference), match.group(2).lower()):
            found = Ticket.objects.filter(reference=reference).first()
            if found is not None:
                return found
    return None


def ticket_from_subject(subject: str, customer: Customer) -> Ticket | None:
    # A bare reference is guessable, so it only threads for the ticket's own customer.
    for reference in REFERENCE_IN_SUBJECT.findall(subject or ""):
        found = Ticket.objects.filter(reference=reference, customer=customer).first()
        if found is not None:
            return found
    return None


def post_customer_message(
    *,
    channel: Channel,
    customer: Customer,
    ticket: Ticket | None,
    subject: str,
    body: str,
    attachments: Iterable[UploadedFile] = (),
    language: str | None = None,
) -> tuple[Ticket, TicketMessage, bool]:
    """Adds the message to the ticket it continues, or opens a ticket in the channel's queue when
    there is none, when that ticket is closed, or when it belongs to someone else (a colleague on
    Cc replying to the thread starts their own). Returns (ticket, message, opened)."""
    body = body.replace("\x00", "").strip() or _("(no text)")
    limit = settings.CIM_MESSAGE_MAX_CHARS
    if len(body) > limit:
        body = body[: limit - 40].rstrip() + "\n\n" + _("[message shortened]")
    attachments = list(attachments)
    if (
        ticket is not None
        and ticket.customer_id == customer.pk
        and ticket.status != TicketStatus.CLOSED
    ):
        message = ticket_services.add_customer_message(
            ticket=ticket, body=body, channel=channel.kind, attachments=attachments
        )
        return ticket, message, False
    new_ticket = ticket_services.create_ticket(
        customer=customer,
        subject=(subject or "").strip()[:255] or body.split("\n", 1)[0][:120] or _("(no subject)"),
        body=body,
        queue=channel.default_queue,
        channel=channel.kind,
        language=language,
        attachments=attachments,
    )
    message = new_ticket.messages.order_by("id").first()
    assert message is not None  # noqa: S101 - create_ticket always writes the first message
    return new_ticket, message, True


def record_message_contact(
    *,
    channel: Channel,
    customer: Customer,
    ticket: Ticket,
    message: TicketMessage | None,
    event_kind: str,
    external_id: str = "",
    opened: bool = False,
    one_interaction_per_message: bool = False,
    occurred_at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> Interaction:
    """Journey records for one inbound message. An email is one interaction; chat and social
    messages close together in time are one conversation, so one interaction with one action
    and an event per message."""
    when = occurred_at or timezone.now()
    interaction = None
    if not one_interaction_per_message:
        interaction = (
            Interaction.objects.select_for_update()
            .filter(
                customer=customer,
                channel=channel,
                ticket=ticket,
                started_at__gte=when - timedelta(hours=12),
            )
            .order_by("-started_at")
            .first()
        )
        if interaction is not None:
            last = interaction.events.order_by("-occurred_at").values_list("occurred_at", flat=True)
            last_at = last.first() or interaction.started_at
            if when - last_at > CONVERSATION_GAP:
                interaction = None
    if interaction is None:
        interaction, _created = record_interaction(
            customer=customer,
            channel=channel,
            ticket=ticket,
            external_id=external_id,
            outcome=Outcome.TICKET_OPENED if opened else Outcome.NONE,
            started_at=when,
        )
    action = (
        Action.objects.filter(interaction=interaction, kind=ActionKind.MESSAGE)
        .order_by("started_at")
        .first()
    ) or record_action(interaction=interaction, kind=ActionKind.MESSAGE, started_at=when)
    record_event(action=action, kind=event_kind, message=message, occurred_at=when, data=data or {})
    Action.objects.filter(pk=action.pk).update(ended_at=when)
    Interaction.objects.filter(pk=interaction.pk).update(ended_at=when)
    return interaction


def record_agent_reply(*, message: TicketMessage, channel: Channel | None) -> None:
    """An agent's public reply joins the latest interaction of its ticket as the 'talk with an
    agent' action (one per interaction), so a conversation counts agent contact once."""
    interaction = (
        Interaction.objects.filter(ticket_id=message.ticket_id)
        .filter(**({"channel": channel} if channel else {}))
        .order_by("-started_at")
        .first()
    )
    if interaction is None:
        return
    if interaction.agent_id is None and message.author_user_id:
        Interaction.objects.filter(pk=interaction.pk, agent__isnull=True).update(
            agent_id=message.author_user_id
        )
    last_at = interaction.ended_at or interaction.started_at
    if timezone.now() - last_at > CONVERSATION_GAP:
        # A reply days later is not part of that contact; the reply itself is in the thread.
        return
    action = Action.objects.filter(interaction=interaction, kind=ActionKind.AGENT).first()
    if action is None:
        action = record_action(
            interaction=interaction, kind=ActionKind.AGENT, agent=message.author_user
        )
    record_event(action=action, kind="agent_reply", message=message)
    Action.objects.filter(pk=action.pk).update(ended_at=timezone.now())
