"""E-mail in: stored raw, processed by the worker into a customer, a ticket and the journey;
deduplicated, threaded, auto-replies and bad mail handled."""

import hashlib
import hmac
import mailbox

import pytest
from django.core import mail
from django.urls import reverse

from channels import intake
from channels.email_intake import receive_email
from channels.mailboxes import import_maildir
from channels.models import (
    ChannelMessage,
    Event,
    InboundMessage,
    InboundStatus,
    Interaction,
    OutboundMessage,
)
from customers.models import ChannelKind, Customer
from tests.channels.conftest import eml, process_waiting
from tickets import services as ticket_services
from tickets.models import Attachment, Ticket, TicketMessage, TicketStatus

pytestmark = pytest.mark.django_db


def _mail(message_id: str, *, sender="an@example.vn", subject="Help", body="Hello", extra=""):
    return (
        f"From: An <{sender}>\r\nTo: support@cim.example\r\nSubject: {subject}\r\n"
        f"Message-ID: {message_id}\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()


def test_new_mail_opens_ticket_in_channel_queue_and_records_the_journey(email_channel):
    inbound, created = receive_email(channel=email_channel, raw=eml("plain_utf8_qp.eml"))
    assert created and inbound.status == InboundStatus.RECEIVED
    assert process_waiting() == [InboundStatus.PROCESSED]
    inbound.refresh_from_db()
    ticket = inbound.ticket
    assert ticket.queue == email_channel.default_queue
    assert ticket.channel == ChannelKind.EMAIL
    assert ticket.subject == "Đơn hàng chưa giao"
    assert ticket.customer.email == "an.nguyen@example.vn"
    assert ticket.customer.name == "Nguyễn Văn An"
    interaction = Interaction.objects.get(ticket=ticket)
    assert interaction.external_id == "<plain-utf8-qp@example.vn>"
    assert (interaction.actions.count(), interaction.events.count()) == (1, 1)
    assert Event.objects.get(interaction=interaction).message == ticket.messages.get()
    # The receipt is marked auto-replied so the sender's auto-responder stays quiet.
    receipt = OutboundMessage.objects.get(ticket=ticket)
    assert receipt.headers["Auto-Submitted"] == "auto-replied"
    assert receipt.headers["In-Reply-To"] == "<plain-utf8-qp@example.vn>"


def test_the_same_mail_twice_is_one_row_one_message_one_interaction(email_channel):
    raw = eml("plain_utf8_qp.eml")
    receive_email(channel=email_channel, raw=raw, source="imap")
    _again, created = receive_email(channel=email_channel, raw=raw, source="maildir")
    assert not created
    process_waiting()
    process_waiting()
    assert InboundMessage.objects.count() == 1
    assert TicketMessage.objects.count() == 1
    assert Interaction.objects.count() == 1


def test_processing_one_row_twice_changes_nothing(email_channel):
    inbound, _ = receive_email(channel=email_channel, raw=eml("plain_utf8_qp.eml"))
    assert intake.process_inbound(inbound_id=inbound.pk) == InboundStatus.PROCESSED
    assert intake.process_inbound(inbound_id=inbound.pk) == InboundStatus.PROCESSED
    assert TicketMessage.objects.count() == 1


def test_a_reply_threads_by_in_reply_to_onto_the_agents_ticket(email_channel, agent):
    receive_email(channel=email_channel, raw=_mail("<first@example.vn>", subject="Order"))
    process_waiting()
    ticket = Ticket.objects.get()
    ticket_services.reply(ticket=ticket, by=agent, body="Shipped today.")
    reply_id = ChannelMessage.objects.get(ticket=ticket, direction="outbound").external_id
    raw = _mail(
        "<second@example.vn>",
        subject="Re: something else entirely",
        body="Thanks!\r\n\r\nOn Mon, Support wrote:\r\n> Shipped today.",
        extra=f"In-Reply-To: {reply_id}\r\nReferences: <first@example.vn> {reply_id}\r\n",
    )
    receive_email(channel=email_channel, raw=raw)
    process_waiting()
    assert Ticket.objects.count() == 1
    last = ticket.messages.order_by("-id").first()
    assert last.body == "Thanks!"
    assert Interaction.objects.filter(ticket=ticket).count() == 2


def test_a_reply_without_headers_threads_by_the_signed_reply_to_address(email_channel, agent):
    receive_email(channel=email_channel, raw=_mail("<a1@example.vn>"))
    process_waiting()
    ticket = Ticket.objects.get()
    reply_to = OutboundMessage.objects.get(ticket=ticket).headers["Reply-To"]
    assert reply_to.startswith("support+") and reply_to.endswith("@cim.example")
    raw = _mail("<a2@example.vn>", subject="no reference").replace(
        b"To: support@cim.example", f"To: {reply_to}".encode()
    )
    receive_email(channel=email_channel, raw=raw)
    process_waiting()
    assert Ticket.objects.count() == 1 and ticket.messages.count() == 2
    # A forged token (right reference, wrong signature) does not thread.
    forged = reply_to.split(".")[0] + ".0000000000@cim.example"
    raw = _mail("<a3@example.vn>", subject="forged").replace(
        b"To: support@cim.example", f"To: {forged}".encode()
    )
    receive_email(channel=email_channel, raw=raw)
    process_waiting()
    assert Ticket.objects.count() == 2


def test_a_reference_in_the_subject_threads_only_for_the_tickets_customer(email_channel):
    receive_email(channel=email_channel, raw=_mail("<s1@example.vn>"))
    process_waiting()
    ticket = Ticket.objects.get()
    subject = f"About [{ticket.reference}]"
    receive_email(channel=email_channel, raw=_mail("<s2@example.vn>", subject=subject))
    receive_email(
        channel=email_channel,
        raw=_mail("<s3@example.vn>", subject=subject, sender="stranger@example.vn"),
    )
    process_waiting()
    assert ticket.messages.count() == 2
    assert Ticket.objects.count() == 2  # the stranger got their own ticket


def test_a_reply_to_a_closed_ticket_opens_a_new_one(email_channel, agent):
    receive_email(channel=email_channel, raw=_mail("<c1@example.vn>"))
    process_waiting()
    ticket = Ticket.objects.get()
    ticket_services.close_ticket(ticket=ticket, by=agent)
    receive_email(
        channel=email_channel,
        raw=_mail("<c2@example.vn>", extra="In-Reply-To: <c1@example.vn>\r\n"),
    )
    assert process_waiting() == [InboundStatus.PROCESSED]
    assert Ticket.objects.count() == 2
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.CLOSED


def test_a_solved_ticket_is_reopened_by_the_customers_reply(email_channel, agent):
    receive_email(channel=email_channel, raw=_mail("<r1@example.vn>"))
    process_waiting()
    ticket = Ticket.objects.get()
    ticket_services.solve_ticket(ticket=ticket, by=agent)
    receive_email(
        channel=email_channel,
        raw=_mail("<r2@example.vn>", extra="References: <r1@example.vn>\r\n"),
    )
    process_waiting()
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.OPEN


@pytest.mark.parametrize("name", ["auto_reply_ooo.eml", "precedence_bulk.eml", "bounce_dsn.eml"])
def test_auto_replies_and_bounces_open_nothing_and_get_no_answer(email_channel, name):
    inbound, _ = receive_email(channel=email_channel, raw=eml(name))
    assert process_waiting() == [InboundStatus.IGNORED]
    inbound.refresh_from_db()
    assert inbound.error  # the reason it was ignored
    assert not Ticket.objects.exists()
    assert not OutboundMessage.objects.exists()
    assert not mail.outbox


def test_bad_mail_is_stored_as_failed_and_the_rest_goes_on(email_channel):
    receive_email(channel=email_channel, raw=eml("malformed_no_boundary.eml"))
    receive_email(channel=email_channel, raw=eml("unknown_charset.eml"))
    receive_email(channel=email_channel, raw=eml("broken_base64_attachment.eml"))
    receive_email(channel=email_channel, raw=eml("plain_utf8_qp.eml"))
    assert process_waiting() == ["failed", "failed", "failed", "processed"]
    errors = list(
        InboundMessage.objects.filter(status=InboundStatus.FAILED)
        .order_by("pk")
        .values_list("error", flat=True)
    )
    assert "NoBoundaryInMultipartDefect" in errors[0]
    assert "x-no-such-charset" in errors[1]
    assert "bill.pdf" in errors[2]
    assert Ticket.objects.count() == 1


def test_a_failed_row_can_be_processed_again(email_channel, django_capture_on_commit_callbacks):
    inbound, _ = receive_email(channel=email_channel, raw=_mail("<again@example.vn>"))
    InboundMessage.objects.filter(pk=inbound.pk).update(status=InboundStatus.FAILED, error="x")
    with django_capture_on_commit_callbacks(execute=True):
        assert intake.reprocess_inbound(inbound=inbound)
    inbound.refresh_from_db()
    assert inbound.status == InboundStatus.PROCESSED and inbound.ticket is not None
    assert not intake.reprocess_inbound(inbound=inbound)  # only failed rows go back


def test_attachments_are_kept_and_refused_types_are_noted(email_channel):
    receive_email(channel=email_channel, raw=eml("attachments.eml"))
    process_waiting()
    message = TicketMessage.objects.get()
    names = sorted(Attachment.objects.values_list("filename", flat=True))
    assert names == ["Hóa đơn.pdf", "attachment-2.png"]
    assert "setup.exe" in message.body  # refused, and the agent is told
    assert ChannelMessage.objects.get(message=message).html.startswith("<p>See the photo")


def test_oversized_attachment_is_left_out_with_a_note(email_channel, settings):
    settings.CIM_ATTACHMENT_MAX_BYTES = 20
    receive_email(channel=email_channel, raw=eml("attachments.eml"))
    assert process_waiting() == [InboundStatus.PROCESSED]
    assert not Attachment.objects.filter(filename="Hóa đơn.pdf").exists()
    assert "Attachments too large" in TicketMessage.objects.get().body


def test_a_new_subject_from_the_same_customer_opens_a_second_ticket(email_channel):
    receive_email(channel=email_channel, raw=_mail("<n1@example.vn>", subject="One"))
    receive_email(channel=email_channel, raw=_mail("<n2@example.vn>", subject="Two"))
    process_waiting()
    assert Ticket.objects.count() == 2
    assert Customer.objects.count() == 1


def test_maildir_messages_are_stored_once_and_moved_to_cur(email_channel, tmp_path):
    box = mailbox.Maildir(str(tmp_path / "mail"), create=True)
    box.add(eml("plain_utf8_qp.eml"))
    box.add(eml("multipart_alternative.eml"))
    assert import_maildir(channel=email_channel, path=tmp_path / "mail") == 2
    assert import_maildir(channel=email_channel, path=tmp_path / "mail") == 0
    assert not list((tmp_path / "mail" / "new").iterdir())
    assert len(list((tmp_path / "mail" / "cur").iterdir())) == 2
    process_waiting()
    assert Ticket.objects.count() == 2


# --- the HTTP endpoint for mail relays ----------------------------------------------------------


def _relay(client, channel, raw, **headers):
    return client.post(
        reverse("hooks:email", args=[channel.code]),
        data=raw,
        content_type="message/rfc822",
        **headers,
    )


def test_relay_with_token_stores_raw_mime_and_answers_202(client, email_channel):
    raw = eml("plain_utf8_qp.eml")
    response = _relay(client, email_channel, raw, HTTP_AUTHORIZATION="Bearer relay-token")
    assert response.status_code == 202 and response.json()["duplicate"] is False
    assert bytes(InboundMessage.objects.get().raw) == raw
    again = _relay(client, email_channel, raw, HTTP_AUTHORIZATION="Bearer relay-token")
    assert again.status_code == 202 and again.json()["duplicate"] is True
    assert InboundMessage.objects.count() == 1


def test_relay_with_hmac_signature_is_accepted(client, email_channel):
    raw = eml("multipart_alternative.eml")
    signature = hmac.new(b"relay-secret", raw, hashlib.sha256).hexdigest()
    response = _relay(client, email_channel, raw, HTTP_X_CIM_SIGNATURE=f"sha256={signature}")
    assert response.status_code == 202


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"HTTP_AUTHORIZATION": "Bearer wrong"}, 403),
        ({"HTTP_X_CIM_SIGNATURE": "sha256=" + "0" * 64}, 403),
    ],
)
def test_relay_without_valid_credentials_stores_nothing(client, email_channel, headers, status):
    response = _relay(client, email_channel, eml("plain_utf8_qp.eml"), **headers)
    assert response.status_code == status
    assert not InboundMessage.objects.exists()


def test_relay_refuses_an_oversized_message_with_413(client, email_channel, settings):
    settings.CIM_EMAIL_MAX_BYTES = 100
    response = _relay(
        client, email_channel, eml("plain_utf8_qp.eml"), HTTP_AUTHORIZATION="Bearer relay-token"
    )
    assert response.status_code == 413
    assert not InboundMessage.objects.exists()


def test_relay_for_an_unknown_channel_is_404(client, email_channel):
    response = client.post("/hooks/email/nope/", data=b"x", content_type="message/rfc822")
    assert response.status_code == 404


def test_sweep_processes_rows_whose_enqueue_was_lost(email_channel):
    from datetime import timedelta

    from django.utils import timezone

    from channels.tasks import process_pending_inbound

    inbound, _ = receive_email(channel=email_channel, raw=_mail("<lost@example.vn>"))
    assert process_pending_inbound() == 0  # too fresh: its own task has the first go
    InboundMessage.objects.filter(pk=inbound.pk).update(
        received_at=timezone.now() - timedelta(minutes=2)
    )
    assert process_pending_inbound() == 1
    assert InboundMessage.objects.get(pk=inbound.pk).status == InboundStatus.PROCESSED
