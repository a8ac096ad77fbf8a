"""Web chat: a session bound to one browser, lines from the customer, agents and the chatbot.

A chat line is typed into our own page, so there is no outside input to keep raw: the line, the
ticket message and the journey event are written in one transaction. The session is one
interaction: the chatbot's part is one bot action (channels.chatbot), the part with people one
message action; each line is an event. While the bot talks (mode "bot") there is no ticket; the
hand-over opens it with the transcript.
"""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from customers.models import ChannelKind, Customer
from customers.services import resolve_claimed_customer, resolve_customer
from tickets.models import AuthorType, TicketMessage

from .conversation import post_customer_message
from .models import (
    Action,
    ActionKind,
    Channel,
    ChatMessage,
    ChatMode,
    ChatSession,
    ChatStatus,
    Event,
    Interaction,
    Outcome,
)
from .services import get_channel, record_action, record_event, record_interaction

# A customer whose widget has not polled for this long has left; replies go by email too.
CHAT_IDLE = timedelta(minutes=10)
MAX_LINE_CHARS = 4000


def new_browser_key() -> str:
    return secrets.token_urlsafe(24)


def hash_browser_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _customer(*, name: str, email: str, browser_key: str, language: str) -> Customer:
    if email:
        # The widget proves nothing about the address typed: one that belongs to a known
        # customer gets a provisional customer until its owner confirms (customers.services).
        return resolve_claimed_customer(
            kind=ChannelKind.EMAIL, address=email, name=name, language=language
        )
    # An anonymous visitor is known by their browser until they give an address.
    return resolve_customer(
        kind=ChannelKind.WEB_CHAT,
        address=f"browser:{hash_browser_key(browser_key)[:32]}",
        name=name,
        language=language,
    )


@transaction.atomic
def start_chat(
    *,
    browser_key: str,
    name: str = "",
    email: str = "",
    language: str = "vi",
    channel: Channel | None = None,
) -> ChatSession:
    from .chatbot import bot_enabled

    channel = channel or get_channel(ChannelKind.WEB_CHAT)
    customer = _customer(name=name, email=email, browser_key=browser_key, language=language)
    if customer.is_unverified:
        from .services import send_claim_verification

        send_claim_verification(customer=customer, language=language)
    return ChatSession.objects.create(
        channel=channel,
        customer=customer,
        browser_key_hash=hash_browser_key(browser_key),
        language=language if language in ("vi", "en") else "vi",
        mode=ChatMode.BOT if bot_enabled(channel) else ChatMode.HUMAN,
    )


def session_for_browser(*, session_id: Any, browser_key: str) -> ChatSession | None:
    """The session only for the browser that started it; anyone else gets nothing."""
    if not browser_key or not str(session_id).isdigit():
        return None
    session = ChatSession.objects.select_related("channel", "customer").filter(pk=session_id)
    found = session.first()
    if found is None or not secrets.compare_digest(
        found.browser_key_hash, hash_browser_key(browser_key)
    ):
        return None
    return found


def ensure_interaction(session: ChatSession) -> Interaction:
    """The session's interaction, recorded with its first line."""
    if session.interaction_id is None:
        interaction, _created = record_interaction(
            customer=session.customer,
            channel=session.channel,
            ticket=session.ticket,
            external_id=f"chat:{session.pk}",
            outcome=Outcome.TICKET_OPENED if session.ticket_id else Outcome.NONE,
            started_at=session.created_at,
        )
        ChatSession.objects.filter(pk=session.pk).update(interaction=interaction)
        session.interaction = interaction
    interaction = session.interaction
    assert interaction is not None  # noqa: S101 - set just above
    return interaction


def record_chat_event(session: ChatSession, *, kind: str, message: TicketMessage | None) -> None:
    interaction = ensure_interaction(session)
    action = Action.objects.filter(interaction=interaction, kind=ActionKind.MESSAGE).first()
    action = action or record_action(interaction=interaction, kind=ActionKind.MESSAGE)
    record_event(action=action, kind=kind, message=message)
    now = timezone.now()
    Action.objects.filter(pk=action.pk).update(ended_at=now)
    type(interaction).objects.filter(pk=interaction.pk).update(ended_at=now)


def transcript_customer_text(message: TicketMessage) -> str | None:
    """The customer's own lines of a chatbot hand-off transcript (the ticket's first message,
    which also holds what the bot said); None when the message is not such a transcript. The
    bot-phase lines are the session's customer lines not posted to the ticket one by one."""
    event = (
        Event.objects.filter(kind="chat_transcript", message_id=message.pk)
        .select_related("action__interaction")
        .first()
    )
    if event is None:
        return None
    session = ChatSession.objects.filter(interaction_id=event.action.interaction_id).first()
    if session is None:
        return None
    lines = session.messages.filter(
        author_type=AuthorType.CUSTOMER, ticket_message__isnull=True
    ).values_list("body", flat=True)
    return "\n".join(lines)


def clean_line(body: str) -> str:
    return (body or "").replace("\x00", "").strip()[:MAX_LINE_CHARS]


@transaction.atomic
def post_customer_line(*, session: ChatSession, body: str) -> ChatMessage:
    """The customer writes: the line shows in the widget, lands on the session's ticket (opened
    by the first line) and counts as one event of the chat interaction. While the chatbot has
    the session, use channels.chatbot.customer_writes instead (it calls this once a person has
    taken over)."""
    session = (
        # Only the session's row is locked (PostgreSQL cannot lock the nullable side of a join).
        ChatSession.objects.select_for_update(of=("self",))
        .select_related("channel", "channel__default_queue", "customer", "ticket", "interaction")
        .get(pk=session.pk)
    )
    text = clean_line(body)
    ticket, message, opened = post_customer_message(
        channel=session.channel,
        customer=session.customer,
        ticket=session.ticket,
        subject=text.split("\n", 1)[0][:80],
        body=text,
        language=session.language,
    )
    if ticket.pk != session.ticket_id:
        session.ticket = ticket
        ChatSession.objects.filter(pk=session.pk).update(ticket=ticket)
    line = ChatMessage.objects.create(
        session=session,
        author_type=AuthorType.CUSTOMER,
        author_name=session.customer.name,
        body=text,
        ticket_message=message,
    )
    record_chat_event(session, kind="chat_message", message=message)
    ChatSession.objects.filter(pk=session.pk).update(
        last_seen_at=timezone.now(), status=ChatStatus.OPEN
    )
    return line


def post_agent_line(*, message: TicketMessage) -> bool:
    """An agent's (or bot's) public reply on a ticket with a chat: it appears in the widget.
    Returns False when the customer has left the chat, so the reply goes by email instead."""
    session = (
        ChatSession.objects.filter(ticket_id=message.ticket_id, status=ChatStatus.OPEN)
        .order_by("-last_seen_at")
        .first()
    )
    if session is None:
        return False
    author = message.author_user
    ChatMessage.objects.get_or_create(
        ticket_message=message,
        defaults={
            "session": session,
            "author_type": message.author_type,
            "author_name": (author.first_name or author.get_username()) if author else "",
            "body": message.body,
        },
    )
    return timezone.now() - session.last_seen_at <= CHAT_IDLE


@transaction.atomic
def post_bot_line(
    *, session: ChatSession, body: str, name: str = "", data: dict[str, Any] | None = None
) -> ChatMessage:
    """For the chatbot: a line from the bot, shown in the widget (not on the ticket until a
    person takes over; then the transcript carries it)."""
    return ChatMessage.objects.create(
        session=session,
        author_type=AuthorType.BOT,
        author_name=name,
        body=body.strip(),
        data=data or {},
    )


def chat_lines(*, session: ChatSession, after: int = 0, limit: int = 200) -> list[ChatMessage]:
    ChatSession.objects.filter(pk=session.pk).update(last_seen_at=timezone.now())
    return list(session.messages.filter(id__gt=after).order_by("id")[:limit])


@transaction.atomic
def close_chat(*, session: ChatSession) -> None:
    ChatSession.objects.filter(pk=session.pk).update(status=ChatStatus.CLOSED)
