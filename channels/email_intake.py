"""Email in: raw MIME from IMAP, a maildir or a relay's HTTP POST is stored, then parsed, threaded
onto a ticket and recorded in the journey by a worker."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext as _

from customers.models import ChannelKind
from customers.services import resolve_customer
from tickets.links import status_url
from tickets.models import Ticket
from tickets.services import validate_attachment

from . import intake
from .conversation import (
    post_customer_message,
    recent_open_ticket,
    record_message_contact,
    ticket_from_reply_to,
    ticket_from_subject,
)
from .email_parsing import ParsedEmail, external_id_for, parse_email
from .models import (
    Channel,
    ChannelMessage,
    Direction,
    InboundMessage,
    InboundStatus,
    OutboundMessage,
)
from .services import queue_outbound


def receive_email(*, channel: Channel, raw: bytes, source: str = "") -> tuple[InboundMessage, bool]:
    """Stores one raw message (deduplicated on its Message-ID) for the worker."""
    return intake.store_inbound(
        channel=channel,
        external_id=external_id_for(raw),
        raw=raw,
        content_type=intake.EMAIL,
        source=source,
    )


def find_thread(*, channel: Channel, parsed: ParsedEmail, customer: object) -> Ticket | None:
    ids = [i for i in [parsed.in_reply_to, *reversed(parsed.references)] if i]
    if ids:
        link = (
            ChannelMessage.objects.filter(external_id__in=ids, channel__kind=ChannelKind.EMAIL)
            .select_related("ticket")
            .order_by("-created_at")
            .first()
        )
        if link is not None:
            return link.ticket
        # Our notices (receipt, survey invitation) are not ticket messages: their Message-IDs
        # are on the outbox.
        sent = (
            OutboundMessage.objects.filter(email_message_id__in=ids, ticket__isnull=False)
            .select_related("ticket")
            .order_by("-created_at")
            .first()
        )
        if sent is not None:
            return sent.ticket
    return (
        ticket_from_reply_to(parsed.recipients)
        or ticket_from_subject(parsed.subject, customer)  # type: ignore[arg-type]
        or recent_open_ticket(channel=channel, customer=customer)  # type: ignore[arg-type]
    )


def _uploads(parsed: ParsedEmail) -> tuple[list[SimpleUploadedFile], list[str]]:
    kept, refused = [], []
    for attachment in parsed.attachments:
        upload = SimpleUploadedFile(
            attachment.filename, attachment.content, content_type=attachment.content_type
        )
        try:
            validate_attachment(upload)
        except Exception as exc:  # noqa: BLE001 - TicketError: type or size not accepted
            refused.append(f"{attachment.filename}: {getattr(exc, 'message', exc)}")
            continue
        kept.append(upload)
    return kept, refused


def process_email(inbound: InboundMessage) -> intake.Outcome:
    parsed = parse_email(bytes(inbound.raw))
    if parsed.auto_reason:
        # Never a ticket, never an answer: that is how mail loops are avoided.
        return intake.Outcome(status=InboundStatus.IGNORED, note=parsed.auto_reason)
    channel = inbound.channel
    customer = resolve_customer(
        kind=ChannelKind.EMAIL, address=parsed.from_address, name=parsed.from_name
    )
    uploads, refused = _uploads(parsed)
    body = parsed.new_text
    if refused:
        body = f"{body}\n\n[" + _("Attachments not kept") + ": " + "; ".join(refused) + "]"
    ticket, message, opened = post_customer_message(
        channel=channel,
        customer=customer,
        ticket=find_thread(channel=channel, parsed=parsed, customer=customer),
        subject=parsed.subject,
        body=body,
        attachments=uploads,
    )
    ChannelMessage.objects.get_or_create(
        channel=channel,
        external_id=parsed.message_id,
        defaults={
            "ticket": ticket,
            "message": message,
            "direction": Direction.INBOUND,
            "references": " ".join(parsed.references)[:5000],
            "html": parsed.html,
        },
    )
    interaction = record_message_contact(
        channel=channel,
        customer=customer,
        ticket=ticket,
        message=message,
        event_kind="email_received",
        external_id=parsed.message_id,
        opened=opened,
        one_interaction_per_message=True,
        occurred_at=parsed.date,
        data={"subject": parsed.subject[:200]},
    )
    if opened:
        _acknowledge(channel=channel, ticket=ticket, parsed=parsed)
    return intake.Outcome(ticket=ticket, interaction=interaction)


def _acknowledge(*, channel: Channel, ticket: Ticket, parsed: ParsedEmail) -> None:
    """The receipt for a new ticket, from the inbox the customer wrote to (queue_outbound adds
    its sender identity: From, signed Reply-To, Message-ID). Marked auto-replied (RFC 3834) so a
    well-behaved auto-responder on the other side does not answer it."""
    headers = {
        "Auto-Submitted": "auto-replied",
        "In-Reply-To": parsed.message_id,
        "References": " ".join([*parsed.references[-10:], parsed.message_id]),
    }
    with translation.override(ticket.language):
        queue_outbound(
            kind=ChannelKind.EMAIL,
            channel=channel,
            to_address=parsed.from_address,
            ticket=ticket,
            subject=_("[%(ref)s] We have received your request") % {"ref": ticket.reference}
            + f": {ticket.subject}"[:120],
            body=_(
                "Hello %(name)s,\n\nThank you for contacting us. Your request %(ref)s "
                "“%(subject)s” has been received and a member of our team will reply soon.\n\n"
                "Follow your request here:\n%(link)s\n"
            )
            % {
                "name": ticket.customer.name or parsed.from_address,
                "ref": ticket.reference,
                "subject": ticket.subject,
                "link": status_url(ticket),
            },
            headers=headers,
        )
