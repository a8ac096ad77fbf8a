"""Endpoints for machines: platform webhooks (Zalo OA, Facebook Messenger), mail relays posting raw
MIME, a PBX posting call records and IVR events, trackers posting events in bulk.

Each request is authenticated before anything is stored (platform signature, or the channel's own
token / HMAC), its size is checked while it is read, and its input is saved raw; the answer is 2xx
as soon as that row is committed. Processing happens in a worker.
"""

import hashlib
import hmac
import logging
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cim_site.api import sanitise
from customers.models import ChannelKind

from . import events as journey_events
from . import messaging
from .email_intake import receive_email
from .models import Channel

log = logging.getLogger(__name__)

MACHINE_KINDS = {
    "email": (ChannelKind.EMAIL,),
    "phone": (ChannelKind.PHONE,),
    "events": tuple(ChannelKind.values),
}


class TooLarge(Exception):
    pass


def _read_body(request: HttpRequest, limit: int) -> bytes:
    """Reads at most limit bytes; a larger body (declared or actual) is refused without being
    held in memory whole."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise TooLarge
    data = request.read(limit + 1)
    if len(data) > limit:
        raise TooLarge
    return data


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def _too_large() -> JsonResponse:
    return _error(413, "request_too_large", "The request body is too large.")


def _channel(code: str, kinds: tuple[str, ...]) -> Channel | None:
    return Channel.objects.filter(code=code, kind__in=kinds, is_active=True).first()


def machine_auth_error(channel: Channel, request: HttpRequest, body: bytes) -> JsonResponse | None:
    """A relay or PBX proves itself with the channel's token (Authorization: Bearer …) or an
    HMAC-SHA256 of the body with the channel's secret (X-CIM-Signature: sha256=…)."""
    token = str(channel.config.get("token") or "")
    secret = str(channel.config.get("secret") or "")
    if not token and not secret:
        return _error(403, "not_configured", "This channel takes no machine input.")
    given_auth = request.headers.get("Authorization", "")
    given_sig = request.headers.get("X-CIM-Signature", "")
    if not given_auth and not given_sig:
        return _error(401, "unauthenticated", "Send a token or a signature.")
    if (
        token
        and given_auth.startswith("Bearer ")
        and hmac.compare_digest(given_auth[len("Bearer ") :].strip(), token)
    ):
        return None
    if secret and given_sig.startswith("sha256="):
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, given_sig[len("sha256=") :].strip().lower()):
            return None
    return _error(403, "bad_signature", "The token or signature is not valid.")


def _json(body: bytes) -> Any:
    """The body parsed with the API's limits (depth, numbers, NUL/surrogates); None if refused.
    Only called once the size and the signature are checked (Zalo's signature needs two fields of
    the body, so its verify parses with the same limits)."""
    try:
        return sanitise.loads(body)
    except sanitise.BadInput:
        return None


def _stale(millis: Any) -> bool:
    """A platform timestamp (milliseconds since the epoch) outside the replay window, either way;
    a missing or non-numeric one is stale too. Duplicates inside the window are dropped by the
    message id's unique key, so the window only bounds how long a captured request is useful."""
    try:
        seconds = float(str(millis)) / 1000
    except ValueError:
        return True
    if seconds != seconds:  # NaN
        return True
    return abs(time.time() - seconds) > settings.CIM_WEBHOOK_REPLAY_SECONDS


def _replayed(channel: Channel, kind: str, stamps: list[Any]) -> JsonResponse | None:
    if stamps and not any(_stale(s) for s in stamps):
        return None
    log.warning(
        "webhook refused: %s event outside the replay window on channel %s", kind, channel.code
    )
    return _error(400, "stale_event", "The event is older than the replay window.")


# --- email relay --------------------------------------------------------------------------------


@csrf_exempt
@require_http_methods(["POST"])
def email_relay(request: HttpRequest, code: str) -> HttpResponse:
    channel = _channel(code, MACHINE_KINDS["email"])
    if channel is None:
        return _error(404, "not_found", "No such channel.")
    try:
        raw = _read_body(request, settings.CIM_EMAIL_MAX_BYTES)
    except TooLarge:
        return _too_large()
    denied = machine_auth_error(channel, request, raw)
    if denied:
        return denied
    if not raw.strip():
        return _error(400, "empty", "The body must be one raw MIME message.")
    with transaction.atomic():
        inbound, created = receive_email(channel=channel, raw=raw, source="http")
    return JsonResponse({"id": inbound.pk, "duplicate": not created}, status=202)


# --- PBX and trackers ---------------------------------------------------------------------------


@csrf_exempt
@require_http_methods(["POST"])
def phone_calls(request: HttpRequest, code: str) -> HttpResponse:
    """A call record, or {"calls": [...]}: call_id, from, events [{type, at, key, agent}],
    ended_at, outcome. Live events may be posted as they happen with the same call_id."""
    channel = _channel(code, MACHINE_KINDS["phone"])
    if channel is None:
        return _error(404, "not_found", "No such channel.")
    return _store_events(request, channel, convert=_call_events, source="pbx")


@csrf_exempt
@require_http_methods(["POST"])
def bulk_events(request: HttpRequest, code: str) -> HttpResponse:
    """{"events": [{id, interaction, customer: {kind, address}, type, action, at, data}]}."""
    channel = _channel(code, MACHINE_KINDS["events"])
    if channel is None:
        return _error(404, "not_found", "No such channel.")
    return _store_events(request, channel, convert=_plain_events, source="hook")


def _call_events(payload: Any) -> list[dict[str, Any]]:
    calls = payload.get("calls") if isinstance(payload, dict) and "calls" in payload else [payload]
    if not isinstance(calls, list):
        raise ValueError("calls must be a list")
    out: list[dict[str, Any]] = []
    for call in calls:
        if not isinstance(call, dict):
            raise ValueError("each call must be an object")
        out += journey_events.call_record_events(call)
    return out


def _plain_events(payload: Any) -> list[dict[str, Any]]:
    items = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        raise ValueError('send {"events": [...]}')
    for item in items:
        journey_events.validate_event(item)
    return items


def _store_events(request: HttpRequest, channel: Channel, *, convert: Any, source: str) -> Any:
    try:
        body = _read_body(request, settings.CIM_WEBHOOK_MAX_BYTES)
    except TooLarge:
        return _too_large()
    denied = machine_auth_error(channel, request, body)
    if denied:
        return denied
    payload = _json(body)
    try:
        items = convert(payload)
    except ValueError as exc:
        return _error(400, "invalid", str(exc)[:300])
    if len(items) > journey_events.MAX_BATCH:
        return _error(413, "too_many_events", f"At most {journey_events.MAX_BATCH} events.")
    with transaction.atomic():
        new, seen = journey_events.receive_events(channel=channel, events=items, source=source)
    return JsonResponse({"accepted": new, "duplicates": seen}, status=202)


# --- Facebook Messenger -------------------------------------------------------------------------


@csrf_exempt
@require_http_methods(["GET", "POST"])
def facebook_webhook(request: HttpRequest, code: str) -> HttpResponse:
    channel = _channel(code, (ChannelKind.FACEBOOK,))
    if channel is None:
        return _error(404, "not_found", "No such channel.")
    if request.method == "GET":
        return _handshake(request, channel)
    try:
        body = _read_body(request, settings.CIM_WEBHOOK_MAX_BYTES)
    except TooLarge:
        return _too_large()
    header = request.headers.get("X-Hub-Signature-256", "")
    if not header:
        return _error(401, "unauthenticated", "X-Hub-Signature-256 is missing.")
    if not messaging.verify_facebook_signature(channel=channel, body=body, header=header):
        return _error(403, "bad_signature", "The signature does not match.")
    payload = _json(body)
    if not isinstance(payload, dict):
        return _error(400, "invalid", "The body is not a JSON object.")
    # Messenger puts the delivery time in each entry's "time" (ms).
    entries = payload.get("entry")
    if isinstance(entries, list) and entries:
        stamps = [e.get("time") if isinstance(e, dict) else None for e in entries]
        if stale := _replayed(channel, "facebook", stamps):
            return stale
    with transaction.atomic():
        messaging.receive_facebook(channel=channel, payload=payload)
    return HttpResponse("EVENT_RECEIVED", content_type="text/plain")


def _handshake(request: HttpRequest, channel: Channel) -> HttpResponse:
    """The platform's subscription check: echo hub.challenge when hub.verify_token is ours."""
    expected = str(channel.config.get("verify_token") or "")
    given = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if (
        request.GET.get("hub.mode") == "subscribe"
        and expected
        and hmac.compare_digest(given, expected)
        and len(challenge) <= 200
    ):
        return HttpResponse(challenge, content_type="text/plain")
    return _error(403, "forbidden", "Verification failed.")


# --- Zalo Official Account ----------------------------------------------------------------------


@csrf_exempt
@require_http_methods(["GET", "POST"])
def zalo_webhook(request: HttpRequest, code: str) -> HttpResponse:
    channel = _channel(code, (ChannelKind.ZALO,))
    if channel is None:
        return _error(404, "not_found", "No such channel.")
    if request.method == "GET":
        # Zalo checks that the URL answers when it is saved in the OA settings; a hub-style
        # challenge is answered too for relays that use one.
        if "hub.challenge" in request.GET:
            return _handshake(request, channel)
        return HttpResponse("ok", content_type="text/plain")
    try:
        body = _read_body(request, settings.CIM_WEBHOOK_MAX_BYTES)
    except TooLarge:
        return _too_large()
    header = request.headers.get("X-ZEvent-Signature", "")
    if not header:
        return _error(401, "unauthenticated", "X-ZEvent-Signature is missing.")
    if not messaging.verify_zalo_signature(channel=channel, body=body, header=header):
        return _error(403, "bad_signature", "The signature does not match.")
    event = _json(body)
    if not isinstance(event, dict):
        return _error(400, "invalid", "The body is not a JSON object.")
    # The timestamp is part of what Zalo signs, so it cannot be refreshed by a replayer.
    if stale := _replayed(channel, "zalo", [event.get("timestamp")]):
        return stale
    with transaction.atomic():
        messaging.receive_zalo(channel=channel, event=event)
    return JsonResponse({"received": True})
