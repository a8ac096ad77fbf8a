"""Fixtures for the channel tests: one channel of each kind with its secrets, the e-mail corpus,
and a helper that runs the worker step on whatever was stored."""

from pathlib import Path

import pytest

from channels import intake
from channels.models import InboundMessage, InboundStatus
from customers.models import ChannelKind
from tests.factories import ChannelFactory

EMAILS = Path(__file__).parent / "emails"


def eml(name: str) -> bytes:
    return (EMAILS / name).read_bytes()


def process_waiting() -> list[str]:
    """What the worker does: every waiting raw row, oldest first."""
    ids = InboundMessage.objects.filter(status=InboundStatus.RECEIVED).order_by("pk")
    return [intake.process_inbound(inbound_id=pk) for pk in ids.values_list("pk", flat=True)]


@pytest.fixture
def email_channel(queue):
    return ChannelFactory(
        code="support-mail",
        name="Support mail",
        kind=ChannelKind.EMAIL,
        default_queue=queue,
        address="support@cim.example",
        config={"token": "relay-token", "secret": "relay-secret"},
    )


@pytest.fixture
def phone_channel(queue):
    return ChannelFactory(
        code="hotline",
        name="Hotline 1900",
        kind=ChannelKind.PHONE,
        default_queue=queue,
        config={"secret": "pbx-secret"},
    )


@pytest.fixture
def facebook_channel(queue):
    return ChannelFactory(
        code="fanpage",
        name="Fanpage",
        kind=ChannelKind.FACEBOOK,
        default_queue=queue,
        config={
            "app_secret": "fb-app-secret",
            "verify_token": "fb-verify",
            "page_access_token": "fb-page-token",
        },
    )


@pytest.fixture
def zalo_channel(queue):
    return ChannelFactory(
        code="zalo-oa",
        name="Zalo OA",
        kind=ChannelKind.ZALO,
        default_queue=queue,
        config={"app_id": "3608465", "oa_secret_key": "zalo-oa-secret", "access_token": "zat"},
    )


@pytest.fixture
def chat_channel(queue):
    return ChannelFactory(
        code="web-chat", name="Web chat", kind=ChannelKind.WEB_CHAT, default_queue=queue
    )


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # django-ratelimit counts in the cache, which outlives a test; each test starts at zero.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
