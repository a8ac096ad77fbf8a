"""Intake and delivery: raw contacts become customers, tickets and journey records; replies leave
through the channel the customer used."""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers.models import ChannelKind, Customer, CustomerIdentity
from customers.services import (
    find_customer,
    make_claim_token,
    normalize_phone,
    resolve_claimed_customer,
    update_customer,
)
from tickets import services as ticket_services
from tickets.links import status_url
from tickets.models import AuthorType, InteractionReason, MessageKind, Ticket, TicketMessage
from tickets.queueing import enqueue_on_commit

from .errors import ChannelError, ChannelErrorCode
from .models import (
    Action,
    ActionKind,
    Channel,
    Direction,
    Event,
    Interaction,
    OutboundMessage,
    OutboundStatus,
    Outcome,
)

log = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 5


def get_channel(kind: str) -> Channel:
    channel = (
        Channel.objects.filter(kind=kind, is_active=True).select_related("default_queue").first()
    )
    if channel is None:
        raise ChannelError(
            ChannelErrorCode.NO_CHANNEL,
            _("No active %(kind)s channel is set up.") % {"kind": ChannelKind(kind).label},
        )
    return channel


@transaction.atomic
def record_interaction(
    *,
    customer: Customer,
    channel: Channel,
    ticket: Ticket | None = None,
    direction: str = Direction.INBOUND,
    external_id: str = "",
    agent: Any = None,
    reason: InteractionReason | None = None,
    outcome: str = Outcome.NONE,
    started_at: datetime | None = None,
    note: str = "",
) -> tuple[Interaction, bool]:
    """One interaction per channel id: a second call with the same id returns the first one and
    False, so a replayed input is recorded once."""
    if external_id:
        existing = Interaction.objects.filter(channel=channel, external_id=external_id).first()
        if existing:
            return existing, False
    try:
        with transaction.atomic():
            interaction = Interaction.objects.create(
                customer=customer,
                channel=channel,
                ticket=ticket,
                direction=direction,
                external_id=external_id,
                agent=agent,
                reason=reason,
                outcome=outcome,
                started_at=started_at or timezone.now(),
                note=note,
            )
    except IntegrityError:
        return Interaction.objects.get(channel=channel, external_id=external_id), False
    return interaction, True


def record_action(
    *,
    interaction: Interaction,
    kind: str,
    agent: Any = None,
    outcome: str = "",
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
) -> Action:
    return Action.objects.create(
        interaction=interaction,
        kind=kind,
        agent=agent,
        outcome=outcome,
        started_at=started_at or timezone.now(),
        ended_at=ended_at,
    )


def record_event(
    *,
    action: Action,
    kind: str,
    data: dict[str, Any] | None = None,
    message: TicketMessage | None = None,
    occurred_at: datetime | None = None,
) -> Event:
    return Event.objects.create(
        action=action,
        interaction_id=action.interaction_id,
        kind=kind,
        data=data or {},
        message=message,
        occurred_at=occurred_at or timezone.now(),
    )


@transaction.atomic
def submit_web_form(
    *,
    name: str,
    email: str,
    subject: str,
    body: str,
    phone: str = "",
    language: str = "vi",
    attachments: Iterable[UploadedFile] = (),
) -> Ticket:
    """The public contact form: finds or creates the customer by email, opens a ticket in the web
    form channel's queue, records the contact in the journey and sends the customer a signed link
    to follow it."""
    channel = get_channel(ChannelKind.WEB_FORM)
    # The form proves nothing about the address typed: one that belongs to a known customer gets
    # a provisional customer until its owner confirms (customers.services).
    customer = resolve_claimed_customer(
        kind=ChannelKind.EMAIL, address=email, name=name, language=language
    )
    changes: dict[str, Any] = {}
    # A phone already known for someone else (a shared family number) is not a reason to refuse
    # the request, nor something to reveal to the sender: it just is not copied.
    phone = normalize_phone(phone) if phone else ""
    if (
        phone
        and not customer.phone
        and find_customer(kind=ChannelKind.PHONE, address=phone) is None
    ):
        changes["phone"] = phone
    if name and not customer.name:
        changes["name"] = name
    if changes and not customer.is_unverified:
        customer = update_customer(customer=customer, **changes)
    ticket = ticket_services.create_ticket(
        customer=customer,
        subject=subject,
        body=body,
        queue=channel.default_queue,
        channel=ChannelKind.WEB_FORM,
        language=language,
        attachments=attachments,
    )
    interaction, _created = record_interaction(
        customer=customer, channel=channel, ticket=ticket, outcome=Outcome.TICKET_OPENED
    )
    action = record_action(interaction=interaction, kind=ActionKind.WEB, ended_at=timezone.now())
    record_event(
        action=action,
        kind="form_submitted",
        message=ticket.messages.first(),
        data={"subject": ticket.subject},
    )
    with translation.override(language):
        queue_outbound(
            kind=ChannelKind.EMAIL,
            to_address=customer.email,
            ticket=ticket,
            subject=_("[%(ref)s] We have received your request") % {"ref": ticket.reference},
            body=_(
                "Hello %(name)s,\n\nThank you for contacting us. Your request %(ref)s "
                "“%(subject)s” has been received and a member of our team will reply soon.\n\n"
                "Follow your request here:\n%(link)s\n"
            )
            % {
                "name": customer.name or customer.email,
                "ref": ticket.reference,
                "subject": ticket.subject,
                "link": status_url(ticket),
            },
            headers={"Auto-Submitted": "auto-replied"},
        )
    if customer.is_unverified:
        send_claim_verification(customer=customer, ticket=ticket, language=language)
    return ticket


def claim_verification_url(customer: Customer) -> str:
    path = reverse("channels:verify_identity", kwargs={"token": make_claim_token(customer)})
    return f"{settings.SITE_URL}{path}"


def send_claim_verification(
    *, customer: Customer, ticket: Ticket | None = None, language: str = "vi"
) -> OutboundMessage | None:
    """Mails the claimed address (its real owner) a link that joins this conversation to their
    history. Whoever typed the address only gets it if the mailbox is theirs."""
    if not customer.is_unverified or not customer.email:
        return None
    with translation.override(language if language in ("vi", "en") else "vi"):
        return queue_outbound(
            kind=ChannelKind.EMAIL,
            to_address=customer.email,
            ticket=ticket,
            subject=_("Please confirm it was you who contacted us"),
            body=_(
                "Hello,\n\nSomeone contacted us through our website and gave this email "
                "address. If it was you, open this link to add the conversation to your history "
                "with us:\n%(link)s\n\nIf it was not you, ignore this mail: nothing from your "
                "history is shown to them.\n"
            )
            % {"link": claim_verification_url(customer)},
            headers={"Auto-Submitted": "auto-generated"},
        )


def queue_outbound(
    *,
    kind: str,
    to_address: str,
    body: str,
    subject: str = "",
    ticket: Ticket | None = None,
    message: TicketMessage | None = None,
    headers: dict[str, str] | None = None,
    channel: Channel | None = None,
) -> OutboundMessage | None:
    """Writes the message to send in the caller's transaction and asks a worker to send it once
    the transaction commits. Returns None if this reply already has a delivery.

    An email leaves with the ticket's sender identity (channels.mail_identity): the given inbox,
    else the ticket's email inbox; Message-ID, In-Reply-To, References and the signed Reply-To
    are added here, so every mail about a ticket threads back onto it. `headers` adds to or
    overrides them."""
    if message is not None and OutboundMessage.objects.filter(message=message).exists():
        return None
    email_message_id = ""
    if kind == ChannelKind.EMAIL:
        from .mail_identity import channel_identity, thread_headers, ticket_identity

        identity = channel_identity(channel) if channel is not None else ticket_identity(ticket)
        channel = identity.channel
        headers = {**thread_headers(identity=identity, ticket=ticket), **(headers or {})}
        email_message_id = headers["Message-ID"][:255]
    outbound = OutboundMessage.objects.create(
        kind=kind,
        channel=channel,
        to_address=to_address,
        subject=subject[:255],
        body=body,
        ticket=ticket,
        message=message,
        headers=headers or {},
        email_message_id=email_message_id,
    )
    if email_message_id and message is not None and channel is not None:
        from .models import ChannelMessage

        # An agent's reply joins the ticket's email chain, so later mails reference it. A
        # notice (receipt, survey) has no ticket message: intake finds it by email_message_id.
        ChannelMessage.objects.get_or_create(
            channel=channel,
            external_id=email_message_id,
            defaults={
                "ticket": message.ticket,
                "message": message,
                "direction": Direction.OUTBOUND,
            },
        )
    from .tasks import deliver_outbound_task  # the task module imports this one

    enqueue_on_commit(deliver_outbound_task, outbound.pk)
    return outbound


def lease() -> timedelta:
    """How long a claim holds: a message still "sending" after this was abandoned by a worker
    that died between claim and send, and is taken again. Longer than the task time limit, so a
    live worker's send is never taken from it."""
    return timedelta(seconds=getattr(settings, "CIM_OUTBOUND_LEASE_SECONDS", 600))


def _claim(outbound_id: int) -> OutboundMessage | None:
    """Takes one due message for sending. A conditional UPDATE decides between two workers; a
    message stuck in "sending" by a killed worker is taken again, once, after its lease."""
    now = timezone.now()
    stale = now - lease()
    claimed = (
        OutboundMessage.objects.filter(pk=outbound_id, due_at__lte=now)
        .filter(
            Q(status=OutboundStatus.QUEUED)
            # sending, but the lease expired: the worker that claimed it is gone
            | Q(status=OutboundStatus.SENDING, claimed_at__lte=stale)
            | Q(status=OutboundStatus.SENDING, claimed_at__isnull=True)
        )
        .update(status=OutboundStatus.SENDING, claimed_at=now)
    )
    if not claimed:
        return None
    return OutboundMessage.objects.get(pk=outbound_id)


def _send_email(outbound: OutboundMessage) -> None:
    from .mail_identity import channel_identity

    headers = dict(outbound.headers or {})
    reply_to = headers.pop("Reply-To", "")
    mail = EmailMessage(
        subject=outbound.subject,
        body=outbound.body,
        from_email=channel_identity(outbound.channel).from_email,
        to=[outbound.to_address],
        reply_to=[reply_to] if reply_to else None,
        # Message-ID, In-Reply-To, References were fixed when the message was queued, so a
        # retried send carries the same Message-ID and the customer's reply threads either way.
        headers=headers or None,
    )
    mail.send(fail_silently=False)


def _transports() -> dict[str, Any]:
    from .messaging import send_facebook, send_zalo

    return {
        ChannelKind.EMAIL: _send_email,
        ChannelKind.ZALO: send_zalo,
        ChannelKind.FACEBOOK: send_facebook,
    }


def deliver_outbound(*, outbound_id: int) -> str:
    """Sends one outbound message; returns its status afterwards. Safe to call twice: a message
    already sent or being sent by another worker is left alone."""
    outbound = _claim(outbound_id)
    if outbound is not None and outbound.channel_id:
        outbound = OutboundMessage.objects.select_related("channel").get(pk=outbound.pk)
    if outbound is None:
        status = OutboundMessage.objects.filter(pk=outbound_id).values_list("status", flat=True)
        return status.first() or "missing"
    transport = _transports().get(outbound.kind)
    try:
        if transport is None:
            raise ChannelError(
                ChannelErrorCode.SEND_FAILED,
                f"No transport for {outbound.kind} yet; the message waits in the outbox.",
            )
        transport(outbound)
    except Exception as exc:  # noqa: BLE001 - any transport failure is recorded and retried
        attempts = outbound.attempts + 1
        final = attempts >= MAX_SEND_ATTEMPTS or transport is None
        OutboundMessage.objects.filter(pk=outbound.pk, status=OutboundStatus.SENDING).update(
            status=OutboundStatus.FAILED if final else OutboundStatus.QUEUED,
            attempts=attempts,
            last_error=str(exc)[:2000],
            due_at=timezone.now() + timedelta(minutes=2**attempts),
        )
        log.warning("Sending outbound %s failed (attempt %s): %s", outbound.pk, attempts, exc)
        return OutboundStatus.FAILED if final else OutboundStatus.QUEUED
    OutboundMessage.objects.filter(pk=outbound.pk, status=OutboundStatus.SENDING).update(
        status=OutboundStatus.SENT, sent_at=timezone.now(), attempts=outbound.attempts + 1
    )
    return OutboundStatus.SENT


def due_outbound_ids(*, limit: int = 500) -> list[int]:
    """What the sweep sends: queued rows that are due, and rows in "sending" whose lease expired
    (each through its own index)."""
    now = timezone.now()
    queued = list(
        OutboundMessage.objects.filter(status=OutboundStatus.QUEUED, due_at__lte=now)
        .order_by("due_at")
        .values_list("id", flat=True)[:limit]
    )
    abandoned = list(
        OutboundMessage.objects.filter(status=OutboundStatus.SENDING)
        .filter(Q(claimed_at__lte=now - lease()) | Q(claimed_at__isnull=True))
        .order_by("claimed_at")
        .values_list("id", flat=True)[:limit]
    )
    return abandoned + queued


def retry_outbound(*, outbound: OutboundMessage) -> None:
    """Puts a failed message back in the queue (staff action)."""
    OutboundMessage.objects.filter(pk=outbound.pk, status=OutboundStatus.FAILED).update(
        status=OutboundStatus.QUEUED, due_at=timezone.now(), attempts=0
    )


# The identity an agent picked for the reply being written (admin "send via"); read by
# deliver_reply, which the tickets app calls through its message_added signal.
_reply_identity: ContextVar[CustomerIdentity | None] = ContextVar("reply_identity", default=None)


@contextmanager
def reply_via(identity: CustomerIdentity | None) -> Iterator[None]:
    """Within the block, public replies leave through this identity of the customer instead of
    the channel the customer last used."""
    token = _reply_identity.set(identity)
    try:
        yield
    finally:
        _reply_identity.reset(token)


def _customer_channel(ticket: Ticket) -> str:
    """The channel the customer used last on this ticket (their latest message's)."""
    last = (
        TicketMessage.objects.filter(ticket=ticket, author_type=AuthorType.CUSTOMER)
        .order_by("-created_at", "-id")
        .values_list("channel", flat=True)
        .first()
    )
    return last or ticket.channel


def _inbox_for(*, ticket: Ticket, kind: str) -> Channel | None:
    """The inbox of that kind the customer last wrote to on this ticket, else the first active."""
    from .models import ChannelMessage

    link = (
        ChannelMessage.objects.filter(ticket=ticket, channel__kind=kind)
        .select_related("channel")
        .order_by("-created_at")
        .first()
    )
    if link is not None:
        return link.channel
    return Channel.objects.filter(kind=kind, is_active=True).order_by("pk").first()


def deliver_reply(*, message: TicketMessage) -> OutboundMessage | None:
    """A public agent (or bot) reply leaves through the channel the customer used last on the
    ticket, or through the identity the agent picked (reply_via). Email replies thread with
    Message-ID / In-Reply-To / References and a Reply-To that leads back to the ticket; chat
    replies appear in the customer's widget; Zalo and Messenger replies go through their send
    APIs from the outbox."""
    if message.kind != MessageKind.PUBLIC or message.author_type not in (
        AuthorType.AGENT,
        AuthorType.BOT,
    ):
        return None
    from .conversation import record_agent_reply

    ticket = message.ticket
    customer = ticket.customer
    chosen = _reply_identity.get()
    if chosen is not None and chosen.customer_id == customer.pk:
        kind, address = chosen.kind, chosen.address
    else:
        kind = _customer_channel(ticket)
        address = ""
    if kind == ChannelKind.WEB_CHAT:
        from .chat import post_agent_line

        if post_agent_line(message=message):
            record_agent_reply(message=message, channel=None)
            return None
        kind = ChannelKind.EMAIL  # the chat is over: the answer still reaches the customer
    if kind in (ChannelKind.ZALO, ChannelKind.FACEBOOK):
        address = address or (
            CustomerIdentity.objects.filter(customer=customer, kind=kind)
            .order_by("-created_at")
            .values_list("address", flat=True)
            .first()
            or ""
        )
        channel = _inbox_for(ticket=ticket, kind=kind)
        if address and channel is not None:
            record_agent_reply(message=message, channel=channel)
            return queue_outbound(
                kind=kind,
                channel=channel,
                to_address=address,
                ticket=ticket,
                message=message,
                body=message.body,
            )
        kind = ChannelKind.EMAIL
    # Email, web form, API; and phone or walk-in, which have no written channel of their own.
    if chosen is None or chosen.kind != ChannelKind.EMAIL:
        address = customer.email
    if not address:
        return None
    # From, Reply-To and threading: the ticket's sender identity, as for every mail about it.
    return queue_outbound(
        kind=ChannelKind.EMAIL,
        to_address=address,
        ticket=ticket,
        message=message,
        subject=f"Re: [{ticket.reference}] {ticket.subject}",
        body=f"{message.body}\n\n--\n{status_url(ticket)}\n",
    )
