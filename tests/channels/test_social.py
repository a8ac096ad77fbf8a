"""Zalo OA and Facebook Messenger: signatures checked before anything is stored, handshakes,
replays accepted once, oversized bodies refused, messages threaded into one conversation, and
agent replies sent through a local stub of each platform's send API."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.urls import reverse

from channels import services
from channels.messaging import zalo_signature
from channels.models import InboundMessage, Interaction, OutboundMessage, OutboundStatus
from customers.models import ChannelKind, CustomerIdentity
from tests.channels.conftest import process_waiting
from tickets import services as ticket_services
from tickets.models import Ticket, TicketMessage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_event_time():
    """The signed events below are stamped 1762000000000 ms; the hooks refuse events outside the
    replay window (tests/robustness/test_hooks.py), so these tests run a minute after that time."""
    with time_machine.travel(1762000060, tick=True):
        yield


def _fb_body(mid: str, text: str = "Xin chào", psid: str = "PSID-1") -> bytes:
    return json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "PAGE",
                    "time": 1762000000000,
                    "messaging": [
                        {
                            "sender": {"id": psid},
                            "recipient": {"id": "PAGE"},
                            "timestamp": 1762000000000,
                            "message": {"mid": mid, "text": text},
                        }
                    ],
                }
            ],
        }
    ).encode()


def _fb_post(client, channel, body, signature=None):
    sig = signature or "sha256=" + hmac.new(b"fb-app-secret", body, hashlib.sha256).hexdigest()
    return client.post(
        reverse("hooks:facebook", args=[channel.code]),
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sig,
    )


def _zalo_body(msg_id: str, text: str = "Cho tôi hỏi", user: str = "zalo-user-1") -> bytes:
    return json.dumps(
        {
            "app_id": "3608465",
            "event_name": "user_send_text",
            "sender": {"id": user},
            "recipient": {"id": "OA"},
            "message": {"msg_id": msg_id, "text": text},
            "timestamp": "1762000000000",
        },
        ensure_ascii=False,
    ).encode()


def _zalo_post(client, channel, body, signature=None):
    sig = signature or zalo_signature(
        app_id="3608465", body=body, timestamp="1762000000000", secret="zalo-oa-secret"
    )
    return client.post(
        reverse("hooks:zalo", args=[channel.code]),
        data=body,
        content_type="application/json",
        HTTP_X_ZEVENT_SIGNATURE=sig,
    )


# --- Facebook -----------------------------------------------------------------------------------


def test_facebook_handshake_echoes_the_challenge_only_for_our_verify_token(
    client, facebook_channel
):
    url = reverse("hooks:facebook", args=[facebook_channel.code])
    ok = client.get(
        url, {"hub.mode": "subscribe", "hub.verify_token": "fb-verify", "hub.challenge": "12345"}
    )
    assert ok.status_code == 200 and ok.content == b"12345"
    bad = client.get(
        url, {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "12345"}
    )
    assert bad.status_code == 403


def test_facebook_signed_message_is_stored_and_becomes_a_ticket(client, facebook_channel):
    response = _fb_post(client, facebook_channel, _fb_body("m_1"))
    assert response.status_code == 200
    assert process_waiting() == ["processed"]
    ticket = Ticket.objects.get()
    assert ticket.channel == ChannelKind.FACEBOOK
    identity = CustomerIdentity.objects.get(kind=ChannelKind.FACEBOOK)
    assert identity.address == "PSID-1" and ticket.customer_id == identity.customer_id


@pytest.mark.parametrize(
    ("signature", "status"),
    [("", 401), ("sha256=" + "0" * 64, 403), ("sha1=abc", 403)],
)
def test_facebook_bad_signature_is_refused_and_nothing_stored(
    client, facebook_channel, signature, status
):
    body = _fb_body("m_bad")
    url = reverse("hooks:facebook", args=[facebook_channel.code])
    headers = {"HTTP_X_HUB_SIGNATURE_256": signature} if signature else {}
    response = client.post(url, data=body, content_type="application/json", **headers)
    assert response.status_code == status
    assert not InboundMessage.objects.exists()


def test_facebook_signature_over_a_changed_body_is_refused(client, facebook_channel):
    body = _fb_body("m_2")
    good = "sha256=" + hmac.new(b"fb-app-secret", body, hashlib.sha256).hexdigest()
    tampered = body.replace(b"Xin ch", b"Xin CH")
    assert _fb_post(client, facebook_channel, tampered, signature=good).status_code == 403
    assert not InboundMessage.objects.exists()


def test_facebook_replay_is_accepted_once(client, facebook_channel):
    body = _fb_body("m_replay")
    assert _fb_post(client, facebook_channel, body).status_code == 200
    assert _fb_post(client, facebook_channel, body).status_code == 200
    process_waiting()
    assert InboundMessage.objects.count() == 1
    assert TicketMessage.objects.count() == 1


def test_facebook_oversized_body_is_413(client, facebook_channel, settings):
    settings.CIM_WEBHOOK_MAX_BYTES = 50
    assert _fb_post(client, facebook_channel, _fb_body("m_big")).status_code == 413
    assert not InboundMessage.objects.exists()


def test_facebook_echoes_and_receipts_are_not_stored(client, facebook_channel):
    body = json.loads(_fb_body("m_echo"))
    body["entry"][0]["messaging"][0]["message"]["is_echo"] = True
    body["entry"][0]["messaging"].append({"sender": {"id": "P"}, "delivery": {"mids": ["x"]}})
    assert _fb_post(client, facebook_channel, json.dumps(body).encode()).status_code == 200
    assert not InboundMessage.objects.exists()


def test_messages_close_in_time_are_one_conversation(client, facebook_channel):
    for n in range(3):
        _fb_post(client, facebook_channel, _fb_body(f"m_conv_{n}", text=f"line {n}"))
    process_waiting()
    ticket = Ticket.objects.get()
    assert ticket.messages.count() == 3
    interaction = Interaction.objects.get()
    assert (interaction.actions.count(), interaction.events.count()) == (1, 3)


# --- Zalo ---------------------------------------------------------------------------------------


def test_zalo_signed_event_is_stored_and_becomes_a_ticket(client, zalo_channel):
    assert _zalo_post(client, zalo_channel, _zalo_body("z1")).status_code == 200
    assert process_waiting() == ["processed"]
    ticket = Ticket.objects.get()
    assert ticket.channel == ChannelKind.ZALO
    assert ticket.messages.get().body == "Cho tôi hỏi"
    assert CustomerIdentity.objects.get(kind=ChannelKind.ZALO).address == "zalo-user-1"


@pytest.mark.parametrize(("signature", "status"), [("", 401), ("mac=" + "1" * 64, 403)])
def test_zalo_bad_signature_is_refused_and_nothing_stored(client, zalo_channel, signature, status):
    url = reverse("hooks:zalo", args=[zalo_channel.code])
    headers = {"HTTP_X_ZEVENT_SIGNATURE": signature} if signature else {}
    response = client.post(url, data=_zalo_body("z2"), content_type="application/json", **headers)
    assert response.status_code == status
    assert not InboundMessage.objects.exists()


def test_zalo_event_from_another_app_is_refused(client, zalo_channel):
    body = _zalo_body("z3").replace(b'"3608465"', b'"999"')
    sig = zalo_signature(
        app_id="999", body=body, timestamp="1762000000000", secret="zalo-oa-secret"
    )
    assert _zalo_post(client, zalo_channel, body, signature=sig).status_code == 403


def test_zalo_replay_is_accepted_once_and_non_message_events_are_ignored(client, zalo_channel):
    body = _zalo_body("z4")
    assert _zalo_post(client, zalo_channel, body).status_code == 200
    assert _zalo_post(client, zalo_channel, body).status_code == 200
    follow = json.dumps(
        {
            "app_id": "3608465",
            "event_name": "follow",
            "follower": {"id": "u"},
            "timestamp": "1762000000001",
        }
    ).encode()
    sig = zalo_signature(
        app_id="3608465", body=follow, timestamp="1762000000001", secret="zalo-oa-secret"
    )
    assert _zalo_post(client, zalo_channel, follow, signature=sig).status_code == 200
    assert process_waiting() == ["processed", "ignored"]
    assert TicketMessage.objects.count() == 1


def test_zalo_oversized_body_is_413(client, zalo_channel, settings):
    settings.CIM_WEBHOOK_MAX_BYTES = 10
    assert _zalo_post(client, zalo_channel, _zalo_body("z5")).status_code == 413


# --- sending through the platforms (local stub servers) -----------------------------------------


class StubPlatform:
    """A local HTTP server standing in for the platform's send API: records each request and
    answers with the queued statuses (then 200)."""

    def __init__(self, answers=()):
        self.requests: list[dict] = []
        self.answers = list(answers)
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                length = int(self.headers.get("Content-Length") or 0)
                stub.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(self.rfile.read(length) or b"{}"),
                    }
                )
                status, body = stub.answers.pop(0) if stub.answers else (200, {"error": 0})
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _deliver_all():
    return [
        services.deliver_outbound(outbound_id=pk)
        for pk in OutboundMessage.objects.order_by("pk").values_list("pk", flat=True)
    ]


def test_agent_reply_to_a_zalo_customer_goes_through_the_zalo_send_api(client, zalo_channel, agent):
    with StubPlatform(
        answers=[(503, {}), (200, {"error": 0, "data": {"message_id": "x"}})]
    ) as stub:
        zalo_channel.config["api_base"] = stub.url
        zalo_channel.save()
        _zalo_post(client, zalo_channel, _zalo_body("z-out"))
        process_waiting()
        ticket_services.reply(ticket=Ticket.objects.get(), by=agent, body="Chúng tôi đã nhận.")
        assert _deliver_all() == [OutboundStatus.SENT]
    # One 503 retried within the call, then accepted.
    assert len(stub.requests) == 2
    sent = stub.requests[-1]
    assert sent["path"] == "/v3.0/oa/message/cs"
    assert sent["headers"]["access_token"] == "zat"
    assert sent["json"] == {
        "recipient": {"user_id": "zalo-user-1"},
        "message": {"text": "Chúng tôi đã nhận."},
    }


def test_zalo_error_in_the_body_keeps_the_reply_queued(client, zalo_channel, agent):
    with StubPlatform(answers=[(200, {"error": -216, "message": "Access token invalid"})]) as stub:
        zalo_channel.config["api_base"] = stub.url
        zalo_channel.save()
        _zalo_post(client, zalo_channel, _zalo_body("z-err"))
        process_waiting()
        ticket_services.reply(ticket=Ticket.objects.get(), by=agent, body="Hello")
        assert _deliver_all() == [OutboundStatus.QUEUED]
    outbound = OutboundMessage.objects.get()
    assert "Access token invalid" in outbound.last_error


def test_agent_reply_to_a_messenger_customer_goes_through_the_send_api(
    client, facebook_channel, agent
):
    with StubPlatform() as stub:
        facebook_channel.config["api_base"] = stub.url
        facebook_channel.save()
        _fb_post(client, facebook_channel, _fb_body("m_out"))
        process_waiting()
        ticket_services.reply(ticket=Ticket.objects.get(), by=agent, body="Hi there")
        assert _deliver_all() == [OutboundStatus.SENT]
    [sent] = stub.requests
    assert sent["path"] == "/me/messages"
    assert sent["headers"]["Authorization"] == "Bearer fb-page-token"
    assert sent["json"]["recipient"] == {"id": "PSID-1"}
    assert sent["json"]["message"] == {"text": "Hi there"}


def test_the_agent_can_answer_a_zalo_customer_by_email_instead(client, zalo_channel, agent):
    _zalo_post(client, zalo_channel, _zalo_body("z-mail"))
    process_waiting()
    ticket = Ticket.objects.get()
    from customers.services import add_identity

    identity = add_identity(
        customer=ticket.customer, kind=ChannelKind.EMAIL, address="zalo.user@example.vn"
    )
    with services.reply_via(identity):
        ticket_services.reply(ticket=ticket, by=agent, body="By mail")
    outbound = OutboundMessage.objects.get()
    assert (outbound.kind, outbound.to_address) == (ChannelKind.EMAIL, "zalo.user@example.vn")
