"""The same webhook event or mail delivered several times at once, on separate connections:
one raw row, one ticket, one message; processed by racing workers: still one (PostgreSQL)."""

import threading

import pytest
import time_machine
from django.test import Client

from channels import intake
from channels.email_intake import receive_email
from channels.models import InboundMessage, InboundStatus
from tests.channels.conftest import email_channel, zalo_channel  # noqa: F401 - fixtures
from tests.channels.test_social import _zalo_body, _zalo_post
from tests.concurrency import in_threads, postgres_only
from tickets.models import Ticket, TicketMessage

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

COPIES = 6


def _all_at_once(work):
    start = threading.Barrier(COPIES)

    def run(i):
        start.wait(10)
        work(i)

    in_threads(COPIES, run)


def _process_racing():
    ids = list(InboundMessage.objects.values_list("pk", flat=True))
    _all_at_once(lambda i: [intake.process_inbound(inbound_id=pk) for pk in ids])


def test_one_mail_delivered_six_times_at_once_is_one_ticket(email_channel):  # noqa: F811
    raw = (
        b"From: An <an@example.vn>\r\nTo: support@cim.example\r\nSubject: Don hang\r\n"
        b"Message-ID: <dup-1@example.vn>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Xin chao\r\n"
    )
    _all_at_once(lambda i: receive_email(channel=email_channel, raw=raw, source=f"copy{i}"))
    assert InboundMessage.objects.count() == 1
    _process_racing()
    assert InboundMessage.objects.get().status == InboundStatus.PROCESSED
    assert Ticket.objects.count() == 1
    assert TicketMessage.objects.count() == 1


def test_one_webhook_event_posted_six_times_at_once_is_one_ticket(zalo_channel):  # noqa: F811
    # The signed events of tests/channels/test_social.py are stamped 1762000000000 ms; the hook
    # refuses events outside its replay window, so the posts happen a minute after that time.
    traveller = time_machine.travel(1762000060, tick=True)
    traveller.start()
    try:
        _post_six_times(zalo_channel)
    finally:
        traveller.stop()


def _post_six_times(channel) -> None:
    body = _zalo_body("zalo-dup-1")
    codes = []
    _all_at_once(lambda i: codes.append(_zalo_post(Client(), channel, body).status_code))
    assert all(code == 200 for code in codes), codes
    assert InboundMessage.objects.count() == 1
    _process_racing()
    assert Ticket.objects.count() == 1
    assert TicketMessage.objects.count() == 1
