"""Agent replies leave over real SMTP (a local aiosmtpd server) with the headers that thread them,
and the customer's answer to that mail comes back onto the same ticket."""

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from channels import services
from channels.email_intake import receive_email
from channels.models import OutboundMessage, OutboundStatus
from tests.channels.conftest import process_waiting
from tickets import services as ticket_services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


class Collect:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    yield handler
    controller.stop()


def _send_all() -> None:
    for outbound_id in OutboundMessage.objects.order_by("pk").values_list("pk", flat=True):
        services.deliver_outbound(outbound_id=outbound_id)


def test_agent_reply_is_sent_over_smtp_with_threading_headers(smtp_server, email_channel, agent):
    raw = (
        b"From: Lan <lan@example.vn>\r\nTo: support@cim.example\r\nSubject: Order 42\r\n"
        b"Message-ID: <lan-1@example.vn>\r\nContent-Type: text/plain\r\n\r\nWhere is it?\r\n"
    )
    receive_email(channel=email_channel, raw=raw)
    process_waiting()
    ticket = Ticket.objects.get()
    ticket_services.reply(ticket=ticket, by=agent, body="It ships tomorrow.")
    _send_all()
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {OutboundStatus.SENT}
    # The receipt first, then the reply.
    assert len(smtp_server.messages) == 2
    mail_from, rcpt, content = smtp_server.messages[1]
    assert rcpt == ["lan@example.vn"]
    sent = email.message_from_bytes(content, policy=policy.default)
    assert "support@cim.example" in str(sent["From"])
    assert sent["In-Reply-To"] == "<lan-1@example.vn>"
    assert "<lan-1@example.vn>" in sent["References"]
    assert str(sent["Reply-To"]).startswith("support+")
    assert sent["Message-ID"] and ticket.reference in str(sent["Subject"])
    assert "It ships tomorrow." in sent.get_body(("plain",)).get_content()

    # The customer answers that mail: it joins the ticket through its Message-ID.
    answer = (
        f"From: Lan <lan@example.vn>\r\nTo: {sent['Reply-To']}\r\nSubject: Re: x\r\n"
        f"Message-ID: <lan-2@example.vn>\r\nIn-Reply-To: {sent['Message-ID']}\r\n"
        "Content-Type: text/plain\r\n\r\nThank you!\r\n"
    ).encode()
    receive_email(channel=email_channel, raw=answer)
    process_waiting()
    assert Ticket.objects.count() == 1
    assert ticket.messages.order_by("-id").first().body == "Thank you!"


def test_smtp_down_leaves_the_reply_queued_for_a_retry(settings, email_channel, agent):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()  # nothing listens here
    receive_email(
        channel=email_channel,
        raw=b"From: a@example.vn\r\nSubject: s\r\nMessage-ID: <d1@x>\r\n\r\nhi\r\n",
    )
    process_waiting()
    ticket_services.reply(ticket=Ticket.objects.get(), by=agent, body="Hello")
    _send_all()
    reply = OutboundMessage.objects.get(message__isnull=False)
    assert reply.status == OutboundStatus.QUEUED and reply.attempts == 1
    assert reply.last_error
