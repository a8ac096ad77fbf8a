"""Zalo Official Account and Facebook Messenger: signature checks, splitting a webhook delivery into
one stored row per message, processing a row into the journey, and sending agent replies through
the platforms' send APIs.

Signatures (checked on the raw body before anything is stored):
- Messenger: X-Hub-Signature-256 = "sha256=" + HMAC-SHA256(app secret, raw body).
- Zalo OA: X-ZEvent-Signature = "mac=" + SHA-256(app_id + raw body + timestamp + OA secret key),
  app_id and timestamp being the fields of the event itself.

Also the choice of a route for a message we start ourselves (a survey): route_to_customer.
"""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from django.utils import timezone

from cim_site.api import sanitise
from customers.models import ChannelKind, Customer, CustomerIdentity
from customers.services import resolve_customer
from tickets.models import AuthorType, Ticket

from . import intake
from .conversation import post_customer_message, recent_open_ticket, record_message_contact
from .errors import ChannelError, ChannelErrorCode
from .models import (
    Channel,
    ChannelMessage,
    ChatMessage,
    ChatSession,
    ChatStatus,
    Direction,
    InboundMessage,
    InboundStatus,
)

ZALO_API_BASE = "https://openapi.zalo.me"
FACEBOOK_API_BASE = "https://graph.facebook.com/v19.0"
SEND_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
TEXT_LIMIT = 2000  # both platforms refuse longer text messages


# --- signatures --------------------------------------------------------------------------------


def verify_facebook_signature(*, channel: Channel, body: bytes, header: str) -> bool:
    secret = str(channel.config.get("app_secret") or "")
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256=") :].strip().lower())


def zalo_signature(*, app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode())
    return "mac=" + digest.hexdigest()


def verify_zalo_signature(*, channel: Channel, body: bytes, header: str) -> bool:
    secret = str(channel.config.get("oa_secret_key") or "")
    if not secret or not header:
        return False
    try:
        # The signed fields are inside the body, so it is parsed first, with the API's limits
        # (a deeply nested body is refused here instead of recursing).
        event = sanitise.loads(body)
    except sanitise.BadInput:
        return False
    if not isinstance(event, dict):
        return False
    app_id = str(event.get("app_id") or "")
    expected_app = str(channel.config.get("app_id") or "")
    if expected_app and app_id != expected_app:
        return False
    expected = zalo_signature(
        app_id=app_id, body=body, timestamp=str(event.get("timestamp") or ""), secret=secret
    )
    given = header.strip().lower()
    if not given.startswith("mac="):
        given = "mac=" + given
    return hmac.compare_digest(expected, given)


# --- receiving: one stored row per message ------------------------------------------------------


def receive_zalo(*, channel: Channel, event: dict[str, Any]) -> tuple[InboundMessage, bool] | None:
    message = event.get("message") if isinstance(event.get("message"), dict) else {}
    event_name = str(event.get("event_name") or "")
    sender = (event.get("sender") or {}).get("id") if isinstance(event.get("sender"), dict) else ""
    external_id = str(message.get("msg_id") or f"{event_name}:{sender}:{event.get('timestamp')}")
    return intake.store_inbound(
        channel=channel,
        external_id=external_id,
        raw=json.dumps(event, ensure_ascii=False).encode(),
        content_type=intake.ZALO_EVENT,
        source="webhook",
    )


def receive_facebook(*, channel: Channel, payload: dict[str, Any]) -> list[InboundMessage]:
    """A delivery may batch several entries and messages; each message is its own row, so a
    replayed delivery, or one that overlaps an earlier one, adds only what is new."""
    stored = []
    entries = payload.get("entry") if isinstance(payload.get("entry"), list) else []
    for entry in entries:
        events = entry.get("messaging") if isinstance(entry, dict) else None
        for event in events if isinstance(events, list) else []:
            if not isinstance(event, dict):
                continue
            message = event.get("message")
            if isinstance(message, dict):
                if message.get("is_echo"):
                    continue  # our own replies coming back
                external_id = str(message.get("mid") or "")
            elif isinstance(event.get("postback"), dict):
                external_id = str(event["postback"].get("mid") or "")
            else:
                continue  # delivery and read receipts: nothing for the journey
            if not external_id:
                continue
            inbound, _created = intake.store_inbound(
                channel=channel,
                external_id=external_id,
                raw=json.dumps(event, ensure_ascii=False).encode(),
                content_type=intake.FACEBOOK_EVENT,
                source="webhook",
            )
            stored.append(inbound)
    return stored


# --- processing ---------------------------------------------------------------------------------


def _when(millis: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(millis) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return timezone.now()


def _text_with_attachments(text: str, attachments: Any) -> str:
    lines = [text.strip()] if text and text.strip() else []
    for item in attachments if isinstance(attachments, list) else []:
        payload = item.get("payload") if isinstance(item, dict) else None
        url = payload.get("url") if isinstance(payload, dict) else None
        kind = item.get("type", "file") if isinstance(item, dict) else "file"
        lines.append(f"[{kind}] {url}" if url else f"[{kind}]")
    return "\n".join(lines)


def _post(
    *, inbound: InboundMessage, kind: str, user_id: str, text: str, when: datetime
) -> intake.Outcome:
    channel = inbound.channel
    customer = resolve_customer(kind=kind, address=user_id)
    ticket, message, opened = post_customer_message(
        channel=channel,
        customer=customer,
        ticket=recent_open_ticket(channel=channel, customer=customer),
        subject=text.split("\n", 1)[0][:80],
        body=text,
    )
    ChannelMessage.objects.get_or_create(
        channel=channel,
        external_id=inbound.external_id,
        defaults={"ticket": ticket, "message": message, "direction": Direction.INBOUND},
    )
    interaction = record_message_contact(
        channel=channel,
        customer=customer,
        ticket=ticket,
        message=message,
        event_kind="message_received",
        opened=opened,
        occurred_at=when,
    )
    return intake.Outcome(ticket=ticket, interaction=interaction)


def process_zalo_event(inbound: InboundMessage) -> intake.Outcome:
    event = json.loads(bytes(inbound.raw))
    name = str(event.get("event_name") or "")
    if not name.startswith("user_send_"):
        return intake.Outcome(status=InboundStatus.IGNORED, note=f"event {name or '?'}")
    user_id = str((event.get("sender") or {}).get("id") or "")
    if not user_id:
        raise ValueError("Zalo event without sender.id")
    message = event.get("message") or {}
    text = _text_with_attachments(str(message.get("text") or ""), message.get("attachments"))
    return _post(
        inbound=inbound,
        kind=ChannelKind.ZALO,
        user_id=user_id,
        text=text,
        when=_when(event.get("timestamp")),
    )


def process_facebook_event(inbound: InboundMessage) -> intake.Outcome:
    event = json.loads(bytes(inbound.raw))
    psid = str((event.get("sender") or {}).get("id") or "")
    if not psid:
        raise ValueError("Messenger event without sender.id")
    message = event.get("message") or {}
    if message:
        text = _text_with_attachments(str(message.get("text") or ""), message.get("attachments"))
    else:
        postback = event.get("postback") or {}
        text = str(postback.get("title") or postback.get("payload") or "")
    return _post(
        inbound=inbound,
        kind=ChannelKind.FACEBOOK,
        user_id=psid,
        text=text,
        when=_when(event.get("timestamp")),
    )


# --- sending ------------------------------------------------------------------------------------


def _chunks(text: str) -> list[str]:
    text = text.strip()
    return [text[i : i + TEXT_LIMIT] for i in range(0, len(text), TEXT_LIMIT)] or [""]


def _send_json(url: str, *, payload: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    """One POST with timeouts; connection failures are retried by the transport, a 429 or 5xx
    answer twice more with a short pause. Whatever still fails raises, and the outbox retries
    later with a longer backoff."""
    transport = httpx.HTTPTransport(retries=2)
    with httpx.Client(timeout=SEND_TIMEOUT, transport=transport) as client:
        for attempt in range(3):
            response = client.post(url, json=payload, headers=headers)
            if response.status_code != 429 and response.status_code < 500:
                break
            time.sleep(0.2 * (attempt + 1))
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.status_code >= 400:
        raise ChannelError(
            ChannelErrorCode.SEND_FAILED,
            f"HTTP {response.status_code}: {json.dumps(data)[:300] or response.text[:300]}",
        )
    return data if isinstance(data, dict) else {}


def _credential(channel: Channel | None, key: str) -> str:
    value = str((channel.config if channel else {}).get(key) or "")
    if not value:
        raise ChannelError(ChannelErrorCode.SEND_FAILED, f"The channel has no {key} set.")
    return value


def send_zalo(outbound: Any) -> None:
    channel = outbound.channel
    token = _credential(channel, "access_token")
    base = str(channel.config.get("api_base") or ZALO_API_BASE).rstrip("/")
    for chunk in _chunks(outbound.body):
        data = _send_json(
            f"{base}/v3.0/oa/message/cs",
            payload={"recipient": {"user_id": outbound.to_address}, "message": {"text": chunk}},
            headers={"access_token": token},
        )
        # Zalo answers 200 with an error code in the body.
        if data.get("error") not in (0, None):
            raise ChannelError(
                ChannelErrorCode.SEND_FAILED,
                f"Zalo error {data.get('error')}: {str(data.get('message'))[:200]}",
            )


def send_facebook(outbound: Any) -> None:
    channel = outbound.channel
    token = _credential(channel, "page_access_token")
    base = str(channel.config.get("api_base") or FACEBOOK_API_BASE).rstrip("/")
    for chunk in _chunks(outbound.body):
        _send_json(
            f"{base}/me/messages",
            payload={
                "recipient": {"id": outbound.to_address},
                "messaging_type": "RESPONSE",
                "message": {"text": chunk},
            },
            headers={"Authorization": f"Bearer {token}"},
        )


# --- a route for a message we start -------------------------------------------------------------

# What each kind needs in its inbox's config before its send API can be called.
_SEND_CREDENTIAL = {ChannelKind.ZALO: "access_token", ChannelKind.FACEBOOK: "page_access_token"}
CHAT_KINDS = (ChannelKind.WEB_CHAT, ChannelKind.CHATBOT)


@dataclass(frozen=True)
class Route:
    """Where a message can reach a customer: an open chat session (the line appears in the
    widget), or a kind with a transport in the outbox (email, Zalo, Messenger) and its address."""

    kind: str
    address: str = ""
    channel: Channel | None = None
    session: ChatSession | None = None


def open_chat_session(*, customer: Customer, ticket: Ticket | None = None) -> ChatSession | None:
    """The customer's chat that is open and was polled lately, the ticket's own one first."""
    from .chat import CHAT_IDLE

    sessions = ChatSession.objects.filter(
        customer=customer,
        status=ChatStatus.OPEN,
        last_seen_at__gte=timezone.now() - CHAT_IDLE,
    ).order_by("-last_seen_at")
    if ticket is not None:
        own = sessions.filter(ticket=ticket).first()
        if own is not None:
            return own
    return sessions.first()


def _sending_inbox(kind: str) -> Channel | None:
    """The first active inbox of that kind that holds what its send API needs."""
    for channel in Channel.objects.filter(kind=kind, is_active=True).order_by("pk"):
        if (channel.config or {}).get(_SEND_CREDENTIAL[kind]):
            return channel
    return None


def route_to_customer(
    *, customer: Customer, came_from: str, ticket: Ticket | None = None
) -> Route | None:
    """A route that can really carry a message to the customer, or None. In order: the chat
    widget the customer has open now (when the contact came from chat), the messaging app the
    contact came from when an inbox can send there, then the customer's email. Web chat has no
    transport of its own: a customer who left the chat is reached by email or not at all."""
    if came_from in CHAT_KINDS:
        session = open_chat_session(customer=customer, ticket=ticket)
        if session is not None:
            return Route(kind=ChannelKind.WEB_CHAT, session=session, channel=session.channel)
    if came_from in _SEND_CREDENTIAL:
        address = (
            CustomerIdentity.objects.filter(customer=customer, kind=came_from)
            .order_by("-verified", "id")
            .values_list("address", flat=True)
            .first()
        )
        channel = _sending_inbox(came_from) if address else None
        if address and channel is not None:
            return Route(kind=came_from, address=address, channel=channel)
    if customer.email:
        return Route(kind=ChannelKind.EMAIL, address=customer.email)
    return None


def post_chat_notice(
    *, session: ChatSession, body: str, link_url: str, link_title: str
) -> ChatMessage:
    """A line from the support team in the customer's open chat, with one link to a page of
    this site (the widget links only paths of its own site). The widget shows it at its next
    poll; the ticket's thread is left alone."""
    return ChatMessage.objects.create(
        session=session,
        author_type=AuthorType.SYSTEM,
        body=body.strip(),
        data={"link": {"url": link_url, "title": link_title}},
    )
