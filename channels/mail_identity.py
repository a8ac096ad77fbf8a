"""Who a mail to a customer comes from, and where the customer's answer goes.

Every mail about a ticket (the acknowledgement, an agent's reply, the survey invitation) leaves
with one identity: the From of the email inbox the customer wrote to (its sender name and address,
or its name and mailbox), a Reply-To signed for the ticket on that mailbox, and Message-ID /
In-Reply-To / References taken from the ticket's email chain. Whatever mail the customer answers,
intake finds the ticket again (by In-Reply-To, References, the signed address or the subject).
Staff notifications do not use this: they come from settings.CIM_NOTIFICATION_FROM_EMAIL.
"""

from dataclasses import dataclass
from email.utils import formataddr, make_msgid, parseaddr

from django.conf import settings

from customers.models import ChannelKind
from tickets.models import Ticket

from .conversation import reply_to_address
from .models import Channel, ChannelMessage, Direction


@dataclass(frozen=True)
class SenderIdentity:
    # The inbox the mail leaves from; None: the site's default sender (no email inbox set up).
    channel: Channel | None
    from_email: str
    # The address intake reads: the signed Reply-To is built on it.
    mailbox: str

    @property
    def domain(self) -> str:
        return self.mailbox.rpartition("@")[2] or "localhost"

    def reply_to(self, ticket: Ticket | None) -> str:
        """The signed ticket address; without a ticket (a relationship survey), the mailbox
        itself when From shows another address, so the answer still reaches an inbox we read."""
        if not self.mailbox:
            return ""
        if ticket is None or not ticket.pk:
            return "" if parseaddr(self.from_email)[1] == self.mailbox else self.mailbox
        return reply_to_address(mailbox=self.mailbox, ticket=ticket)


def channel_identity(channel: Channel | None) -> SenderIdentity:
    """The identity of one inbox; the site default (DEFAULT_FROM_EMAIL) when it has no mailbox."""
    if channel is not None and "@" in (channel.address or ""):
        address = channel.sender_address or channel.address
        return SenderIdentity(
            channel=channel,
            from_email=formataddr((channel.sender_name or channel.name, address)),
            mailbox=channel.address,
        )
    default = settings.DEFAULT_FROM_EMAIL
    return SenderIdentity(channel=None, from_email=default, mailbox=parseaddr(default)[1])


def email_inbox_for(ticket: Ticket | None) -> Channel | None:
    """The email inbox this ticket's mail goes through: the last one that carried a mail of the
    ticket (the customer's, or ours), else the first active email inbox (a ticket opened from
    the web form, chat or phone is answered by mail from the support mailbox)."""
    if ticket is not None and ticket.pk:
        link = (
            ChannelMessage.objects.filter(ticket=ticket, channel__kind=ChannelKind.EMAIL)
            .select_related("channel")
            .order_by("-created_at", "-id")
            .first()
        )
        if link is not None:
            return link.channel
    return (
        Channel.objects.filter(kind=ChannelKind.EMAIL, is_active=True)
        .exclude(address="")
        .order_by("pk")
        .first()
    )


def ticket_identity(ticket: Ticket | None) -> SenderIdentity:
    return channel_identity(email_inbox_for(ticket))


def thread_headers(*, identity: SenderIdentity, ticket: Ticket | None) -> dict[str, str]:
    """Headers of a mail to the customer: a new Message-ID, In-Reply-To the customer's latest
    email, References the ticket's email chain, Reply-To the signed ticket address."""
    headers = {"Message-ID": make_msgid(domain=identity.domain)}
    reply_to = identity.reply_to(ticket)
    if reply_to:
        headers["Reply-To"] = reply_to
    if ticket is None or not ticket.pk:
        return headers
    chain = list(
        ChannelMessage.objects.filter(ticket=ticket, channel__kind=ChannelKind.EMAIL)
        .order_by("created_at", "id")
        .values_list("external_id", "direction")
    )
    inbound = [mid for mid, direction in chain if direction == Direction.INBOUND]
    if inbound:
        headers["In-Reply-To"] = inbound[-1]
    if chain:
        headers["References"] = " ".join(mid for mid, _d in chain[-20:])
    return headers
