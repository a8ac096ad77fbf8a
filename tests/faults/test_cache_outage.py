"""A Redis cache that refuses or hangs: the API, the contact form and every rate limit still
answer within the short socket timeout, and the row is committed (DESIGN §5)."""

import time
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from channels.models import OutboundMessage
from customers.models import ChannelKind
from tests.factories import ChannelFactory
from tickets import presence
from tickets.models import Ticket

from .servers import closed_port, hanging_server

pytestmark = pytest.mark.django_db

# The settings' timeouts are 0.5 s; one request may pay it once, then the breaker answers.
BUDGET = 3.0


def _caches(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "cim_site.throttling.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@contextmanager
def refusing_cache():
    with override_settings(CACHES=_caches(closed_port())):
        yield


@contextmanager
def hanging_cache():
    with hanging_server() as port, override_settings(CACHES=_caches(port)):
        yield


OUTAGES = [pytest.param(refusing_cache, id="refused"), pytest.param(hanging_cache, id="hanging")]


@pytest.fixture(params=OUTAGES)
def outage(request):
    with request.param():
        yield


def _timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_the_cache_itself_answers_misses_quickly(outage):
    (value, elapsed) = _timed(lambda: cache.get("anything", "default"))
    assert value == "default"
    assert elapsed < BUDGET
    # Local fallback: a rate-limit style counter still counts within this process.
    assert cache.add("counter", 1, 60) is True
    assert cache.incr("counter") == 2


def test_the_api_answers_and_commits_while_the_cache_is_down(outage, api, agent, queue):
    client = api(agent)
    payload = {"subject": "Hàng bị vỡ", "body": "Hộp bị móp.", "queue": "support"}
    payload["email"] = "minh@example.vn"
    for _ in range(3):
        response, elapsed = _timed(lambda: client.post("/api/v1/tickets/", payload, format="json"))
        assert response.status_code == 201, response.content
        assert elapsed < BUDGET
    assert Ticket.objects.filter(subject="Hàng bị vỡ").count() == 3
    response, elapsed = _timed(lambda: client.get("/api/v1/tickets/"))
    assert response.status_code == 200
    assert elapsed < BUDGET


def test_the_anonymous_api_is_refused_by_permission_not_by_the_cache(outage, api):
    response = api().get("/api/v1/tickets/")
    assert response.status_code in (401, 403)


def test_the_contact_form_answers_and_commits_while_the_cache_is_down(outage, client, queue):
    ChannelFactory(kind=ChannelKind.WEB_FORM, default_queue=queue)
    data = {"name": "Hà", "email": "ha@example.vn", "subject": "Hỏi giao hàng", "message": "Chào"}
    response, elapsed = _timed(lambda: client.post(reverse("channels:contact"), data))
    assert response.status_code == 302, response.content[:500]
    assert elapsed < BUDGET
    ticket = Ticket.objects.get(subject="Hỏi giao hàng")
    assert OutboundMessage.objects.filter(ticket=ticket).exists()


def test_public_rate_limits_still_limit_locally(outage, client, queue, settings):
    """Failing open must not mean unlimited for ever: each process keeps counting locally."""
    settings.CIM_PUBLIC_POST_RATE = "2/m"
    ChannelFactory(kind=ChannelKind.WEB_FORM, default_queue=queue)
    codes = []
    for i in range(3):
        data = {"name": "Hà", "email": "ha@example.vn", "subject": f"Lần {i}", "message": "Chào"}
        codes.append(client.post(reverse("channels:contact"), data).status_code)
    assert codes == [302, 302, 429]


def test_presence_polling_does_not_fail(outage, agent, queue):
    from tests.factories import TicketFactory

    ticket = TicketFactory(queue=queue)
    started = time.monotonic()
    presence.touch(ticket_id=ticket.pk, user=agent)
    presence.others(ticket_id=ticket.pk, user=agent)
    presence.leave(ticket_id=ticket.pk, user=agent)
    assert time.monotonic() - started < BUDGET


def test_throttles_fail_open_when_the_cache_raises(monkeypatch, api, agent, queue, caplog):
    from rest_framework.throttling import SimpleRateThrottle

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(SimpleRateThrottle.cache, "get", broken, raising=False)
    response = api(agent).get("/api/v1/tickets/")
    assert response.status_code == 200
    assert "allowing" in caplog.text
