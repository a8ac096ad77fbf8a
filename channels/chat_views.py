"""The web chat widget's endpoints (JSON, same origin, CSRF-protected). The session id travels
signed in the URL and is only honoured for the browser holding the matching signed cookie; any
other caller gets 404, as if the chat did not exist."""

from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from customers.errors import CustomerError
from tickets.errors import TicketError

from . import chat, chatbot
from .errors import ChannelError
from .models import ChatMessage, ChatSession, ChatStatus
from .views import _language, public_post_rate

COOKIE = "cim_chat"
COOKIE_SALT = "cim.channels.chat-browser"
TOKEN_SALT = "cim.channels.chat-session"  # noqa: S105 - a salt, not a secret


def chat_post_rate(group: str, request: HttpRequest) -> str:
    return getattr(settings, "CIM_CHAT_POST_RATE", "30/m")


def _browser_key(request: HttpRequest) -> str:
    return request.get_signed_cookie(COOKIE, default="", salt=COOKIE_SALT) or ""


def _token(session: ChatSession) -> str:
    return signing.dumps({"s": session.pk}, salt=TOKEN_SALT, compress=True)


def _session(request: HttpRequest, token: str) -> ChatSession | None:
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    return chat.session_for_browser(session_id=data.get("s"), browser_key=_browser_key(request))


def _line(line: ChatMessage) -> dict[str, Any]:
    # Plain text only; the widget puts it in the page with textContent, never as HTML.
    return {
        "id": line.pk,
        "author": line.author_type,
        "name": line.author_name,
        "body": line.body,
        "at": line.created_at.isoformat(),
        # The bot's article link and answer buttons: data the widget renders as text.
        "link": line.data.get("link"),
        "choices": line.data.get("choices") or [],
    }


def _not_found() -> JsonResponse:
    return JsonResponse({"code": "not_found", "message": _("No such chat.")}, status=404)


def _limited() -> JsonResponse:
    return JsonResponse({"code": "rate_limited", "message": _("Too many messages.")}, status=429)


def _session_payload(session: ChatSession, lines: list[ChatMessage]) -> dict[str, Any]:
    token = _token(session)
    return {
        "session": token,
        "status": session.status,
        "mode": session.mode,
        "send_url": reverse("channels:chat_send", kwargs={"token": token}),
        "poll_url": reverse("channels:chat_messages", kwargs={"token": token}),
        "messages": [_line(line) for line in lines],
    }


@never_cache
@ensure_csrf_cookie
@require_GET
def chat_page(request: HttpRequest) -> HttpResponse:
    return render(request, "channels/chat.html", {})


@require_POST
@ratelimit(group="chat-start", key="ip", rate=public_post_rate, method="POST", block=False)
def chat_start(request: HttpRequest) -> HttpResponse:
    if getattr(request, "limited", False):
        return _limited()
    name = (request.POST.get("name") or "").strip()[:200]
    email = (request.POST.get("email") or "").strip()[:254]
    first = (request.POST.get("message") or "").strip()
    if not first:
        return JsonResponse(
            {
                "code": "invalid",
                "message": _("Write a message."),
                "fields": {"message": [_("Write a message.")]},
            },
            status=400,
        )
    key = _browser_key(request) or chat.new_browser_key()
    try:
        with transaction.atomic():
            session = chat.start_chat(browser_key=key, name=name, email=email, language=_language())
            lines = chatbot.customer_writes(session=session, body=first)
    except (CustomerError, TicketError, ChannelError) as exc:
        field = getattr(exc, "field", None)
        return JsonResponse(
            {
                "code": str(exc.code),
                "message": exc.message,
                "fields": {field: [exc.message]} if field else {},
            },
            status=400,
        )
    session.refresh_from_db(fields=["mode", "status"])
    response = JsonResponse(_session_payload(session, lines), status=201)
    response.set_signed_cookie(
        COOKIE,
        key,
        salt=COOKIE_SALT,
        max_age=60 * 60 * 24 * 30,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@require_POST
@ratelimit(group="chat-send", key="ip", rate=chat_post_rate, method="POST", block=False)
def chat_send(request: HttpRequest, token: str) -> HttpResponse:
    if getattr(request, "limited", False):
        return _limited()
    session = _session(request, token)
    if session is None:
        return _not_found()
    body = (request.POST.get("message") or "").strip()
    if not body:
        return JsonResponse({"code": "invalid", "message": _("Write a message.")}, status=400)
    if session.status == ChatStatus.CLOSED:
        return JsonResponse({"code": "closed", "message": _("This chat has ended.")}, status=409)
    try:
        line, *replies = chatbot.customer_writes(
            session=session, body=body, choice=request.POST.get("choice") or ""
        )
    except (CustomerError, TicketError, ChannelError) as exc:
        return JsonResponse({"code": str(exc.code), "message": exc.message}, status=400)
    session.refresh_from_db(fields=["mode"])
    return JsonResponse(
        {"message": _line(line), "replies": [_line(r) for r in replies], "mode": session.mode},
        status=201,
    )


@never_cache
@require_GET
def chat_messages(request: HttpRequest, token: str) -> HttpResponse:
    session = _session(request, token)
    if session is None:
        return _not_found()
    after = request.GET.get("after", "0")
    after_id = int(after) if after.isascii() and after.isdigit() and len(after) < 19 else 0
    lines = chat.chat_lines(session=session, after=after_id)
    return JsonResponse(
        {
            "status": session.status,
            "mode": session.mode,
            "messages": [_line(line) for line in lines],
        },
    )
