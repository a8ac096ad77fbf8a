"""Webhooks: the size is checked while the body is read and the signature before it is parsed; a
deeply nested or otherwise hostile body is a 4xx whether the signature fails or passes (Zalo signs
fields of the body, so its body is parsed first — with the same limits); signed events outside the
replay window are refused and logged."""

import hashlib
import hmac
import json
import logging
import time

import pytest
from django.urls import reverse

from channels.messaging import zalo_signature
from channels.models import InboundMessage

pytestmark = pytest.mark.django_db

DEEP = b"[" * 100_000 + b"]" * 100_000
HOSTILE = [
    DEEP,
    b'{"a":' * 20_000 + b"1" + b"}" * 20_000,
    b'{"timestamp": 1e400, "app_id": "3608465"}',
    b'{"entry": [{"time": NaN}]}',
    b'{"x": "\\u0000", "app_id": "3608465"}',
    b'{"x\\ud800": 1, "app_id": "3608465"}',
    b"\xff\xfe\x00",
]


def _now_ms() -> int:
    return int(time.time() * 1000)


def _fb_sig(body: bytes) -> str:
    return "sha256=" + hmac.new(b"fb-app-secret", body, hashlib.sha256).hexdigest()


def _post(client, name, channel, body, **headers):
    return client.post(
        reverse(f"hooks:{name}", args=[channel.code]),
        data=body,
        content_type="application/json",
        **headers,
    )


def _zalo_event(timestamp) -> bytes:
    return json.dumps(
        {
            "app_id": "3608465",
            "event_name": "user_send_text",
            "sender": {"id": "u1"},
            "recipient": {"id": "OA"},
            "message": {"msg_id": f"m-{timestamp}", "text": "Xin chào"},
            "timestamp": str(timestamp),
        }
    ).encode()


def _zalo_sig(body: bytes, timestamp) -> str:
    return zalo_signature(
        app_id="3608465", body=body, timestamp=str(timestamp), secret="zalo-oa-secret"
    )


def _fb_event(time_ms) -> bytes:
    return json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "PAGE",
                    "time": time_ms,
                    "messaging": [
                        {
                            "sender": {"id": "PSID-9"},
                            "recipient": {"id": "PAGE"},
                            "timestamp": time_ms,
                            "message": {"mid": f"mid-{time_ms}", "text": "Xin chào"},
                        }
                    ],
                }
            ],
        }
    ).encode()


# --- hostile bodies: never a 500, nothing stored --------------------------------------------------


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_bodies_on_facebook(client, facebook_channel, body):
    assert _post(client, "facebook", facebook_channel, body).status_code == 401
    bad = _post(client, "facebook", facebook_channel, body, HTTP_X_HUB_SIGNATURE_256="sha256=0")
    assert bad.status_code == 403
    signed = _post(
        client, "facebook", facebook_channel, body, HTTP_X_HUB_SIGNATURE_256=_fb_sig(body)
    )
    assert signed.status_code == 400
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_bodies_on_zalo(client, zalo_channel, body):
    assert _post(client, "zalo", zalo_channel, body).status_code == 401
    # Zalo's signature covers two fields of the body: a body that cannot be parsed within the
    # limits cannot be verified, and is refused as unverifiable.
    for sig in ("mac=00", _zalo_sig(body, ""), _zalo_sig(body, "1e400")):
        response = _post(client, "zalo", zalo_channel, body, HTTP_X_ZEVENT_SIGNATURE=sig)
        assert response.status_code in (400, 403)
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("name", ["phone", "events"])
@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_bodies_on_machine_hooks(client, phone_channel, name, body):
    assert _post(client, name, phone_channel, body).status_code == 401
    bad = _post(client, name, phone_channel, body, HTTP_X_CIM_SIGNATURE="sha256=0")
    assert bad.status_code == 403
    sig = "sha256=" + hmac.new(b"pbx-secret", body, hashlib.sha256).hexdigest()
    signed = _post(client, name, phone_channel, body, HTTP_X_CIM_SIGNATURE=sig)
    assert signed.status_code == 400
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("name", ["facebook", "zalo", "phone", "events"])
def test_size_is_checked_before_the_signature(
    client, settings, name, phone_channel, zalo_channel, facebook_channel
):
    settings.CIM_WEBHOOK_MAX_BYTES = 100
    channel = {"facebook": facebook_channel, "zalo": zalo_channel}.get(name, phone_channel)
    assert _post(client, name, channel, b"[" * 1000).status_code == 413


def test_signature_is_checked_before_parsing(client, facebook_channel, monkeypatch):
    from cim_site.api import sanitise

    def boom(*args, **kwargs):
        raise AssertionError("parsed before the signature was checked")

    monkeypatch.setattr(sanitise, "loads", boom)
    response = _post(
        client, "facebook", facebook_channel, b"{}", HTTP_X_HUB_SIGNATURE_256="sha256=00"
    )
    assert response.status_code == 403


# --- replay window ------------------------------------------------------------------------------


def test_fresh_zalo_event_is_stored(client, zalo_channel):
    ts = _now_ms()
    body = _zalo_event(ts)
    response = _post(
        client, "zalo", zalo_channel, body, HTTP_X_ZEVENT_SIGNATURE=_zalo_sig(body, ts)
    )
    assert response.status_code == 200
    assert InboundMessage.objects.count() == 1


@pytest.mark.parametrize("offset_s", [-(25 * 3600), 25 * 3600])
def test_zalo_event_outside_the_window_is_refused_and_logged(
    client, zalo_channel, caplog, offset_s
):
    ts = _now_ms() + offset_s * 1000
    body = _zalo_event(ts)
    with caplog.at_level(logging.WARNING, logger="channels.hook_views"):
        response = _post(
            client, "zalo", zalo_channel, body, HTTP_X_ZEVENT_SIGNATURE=_zalo_sig(body, ts)
        )
    assert response.status_code == 400
    assert response.json()["code"] == "stale_event"
    assert "replay window" in caplog.text
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("stamp", ["", "abc", "NaN", None])
def test_zalo_event_without_a_usable_timestamp_is_refused(client, zalo_channel, stamp):
    body = json.dumps({"app_id": "3608465", "event_name": "x", "timestamp": stamp}).encode()
    sig = _zalo_sig(body, stamp or "")
    response = _post(client, "zalo", zalo_channel, body, HTTP_X_ZEVENT_SIGNATURE=sig)
    assert response.status_code == 400


def test_window_follows_the_setting(client, zalo_channel, settings):
    settings.CIM_WEBHOOK_REPLAY_SECONDS = 60
    ts = _now_ms() - 120_000
    body = _zalo_event(ts)
    response = _post(
        client, "zalo", zalo_channel, body, HTTP_X_ZEVENT_SIGNATURE=_zalo_sig(body, ts)
    )
    assert response.status_code == 400


def test_facebook_fresh_and_stale_entries(client, facebook_channel):
    fresh = _fb_event(_now_ms())
    ok = _post(client, "facebook", facebook_channel, fresh, HTTP_X_HUB_SIGNATURE_256=_fb_sig(fresh))
    assert ok.status_code == 200
    stale = _fb_event(_now_ms() - 25 * 3600 * 1000)
    refused = _post(
        client, "facebook", facebook_channel, stale, HTTP_X_HUB_SIGNATURE_256=_fb_sig(stale)
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "stale_event"
    assert InboundMessage.objects.count() == 1
