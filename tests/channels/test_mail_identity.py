"""One sender identity per channel: the receipt, an agent's reply and the survey invitation about a
ticket all come from the channel's sender with the ticket's signed Reply-To, over a real SMTP
server; and a customer answering any of them lands on the same ticket."""

from email.utils import parseaddr

import pytest
from django.test import TestCase

from channels import services
from channels.email_intake import receive_email
from channels.models import OutboundMessage, OutboundStatus
from customers.models import ChannelKind
from feedback import services as feedback_services
from feedback.models import SurveyInvitation
from tests.channels.conftest import process_waiting
from tests.factories import ChannelFactory
from tests.feedback.conftest import make_due
from tests.feedback.smtp import start_smtp
from tests.workers.conftest import wait_for
from tickets import services as ticket_services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(settings):
    controller, received = start_smtp()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    yield received
    controller.stop()


@pytest.fixture
def branded_channel(email_channel):
    email_channel.sender_name = "CIM Hỗ trợ khách hàng"
    email_channel.sender_address = "hotro@cim.example"
    email_channel.save()
    return email_channel


def _deliver_all(inbox, count: int) -> list:
    for outbound_id in OutboundMessage.objects.filter(status=OutboundStatus.QUEUED).values_list(
        "pk", flat=True
    ):
        assert services.deliver_outbound(outbound_id=outbound_id) == OutboundStatus.SENT
    wait_for(lambda: len(inbox.messages) >= count, timeout=10)
    return inbox.messages


def _mail(*, message_id: str, to: str = "support@cim.example", subject: str, extra: str = ""):
    return (
        f"From: Lan <lan@example.vn>\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Message-ID: {message_id}\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Cảm ơn!\r\n"
    ).encode()


def _send_survey(ticket: Ticket) -> None:
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    make_due(invitation)
    with TestCase.captureOnCommitCallbacks(execute=True):
        feedback_services.send_invitation(invitation_id=invitation.pk)


def test_receipt_reply_and_survey_share_the_channels_sender_and_reply_to(
    inbox, branded_channel, agent
):
    receive_email(channel=branded_channel, raw=_mail(message_id="<lan-1@example.vn>", subject="Hi"))
    process_waiting()
    ticket = Ticket.objects.get()
    ticket_services.reply(ticket=ticket, by=agent, body="Đơn hàng sẽ giao ngày mai.")
    ticket_services.solve_ticket(ticket=ticket, by=agent)
    _deliver_all(inbox, 2)
    _send_survey(ticket)
    receipt, reply, survey = _deliver_all(inbox, 3)

    assert "/survey/" in survey.get_content()
    for mail in (receipt, reply, survey):
        assert mail["To"] == "lan@example.vn"
        assert parseaddr(str(mail["From"])) == ("CIM Hỗ trợ khách hàng", "hotro@cim.example")
        # The signed address on the mailbox intake reads, not on the display sender.
        assert str(mail["Reply-To"]) == str(receipt["Reply-To"])
        assert str(mail["Reply-To"]).startswith("support+")
        assert str(mail["Reply-To"]).endswith("@cim.example")
        assert mail["Message-ID"]
    assert reply["In-Reply-To"] == "<lan-1@example.vn>"
    assert "<lan-1@example.vn>" in survey["References"]


def test_a_reply_to_the_receipt_naming_only_its_message_id_threads_onto_the_ticket(
    inbox, email_channel
):
    receive_email(
        channel=email_channel, raw=_mail(message_id="<lan-1@example.vn>", subject="Giao hàng")
    )
    process_waiting()
    ticket = Ticket.objects.get()
    (receipt,) = _deliver_all(inbox, 1)
    # Plain mailbox address and a subject without the reference: only In-Reply-To links it.
    answer = _mail(
        message_id="<lan-2@example.vn>",
        subject="Re: câu hỏi",
        extra=f"In-Reply-To: {receipt['Message-ID']}\r\n",
    )
    receive_email(channel=email_channel, raw=answer)
    process_waiting()
    assert Ticket.objects.count() == 1
    assert ticket.messages.order_by("-id").first().body == "Cảm ơn!"


def test_the_web_form_receipt_comes_from_the_support_mailbox_and_its_reply_to_threads(
    inbox, email_channel, queue
):
    ChannelFactory(kind=ChannelKind.WEB_FORM, default_queue=queue)
    with TestCase.captureOnCommitCallbacks(execute=True):
        ticket = services.submit_web_form(
            name="Lan", email="lan@example.vn", subject="Đổi hàng", body="Tôi muốn đổi size"
        )
    (receipt,) = _deliver_all(inbox, 1)
    assert parseaddr(str(receipt["From"])) == ("Support mail", "support@cim.example")
    assert str(receipt["Reply-To"]).startswith("support+")
    # A mail program that drops every header but the address still finds the ticket.
    answer = _mail(message_id="<lan-9@example.vn>", to=str(receipt["Reply-To"]), subject="Re:")
    receive_email(channel=email_channel, raw=answer)
    process_waiting()
    assert Ticket.objects.count() == 1
    assert ticket.messages.order_by("-id").first().body == "Cảm ơn!"


def test_without_an_email_inbox_mail_comes_from_the_site_default(inbox, settings, queue, agent):
    settings.DEFAULT_FROM_EMAIL = "CIM <hello@cim.example>"
    ChannelFactory(kind=ChannelKind.WEB_FORM, default_queue=queue)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.submit_web_form(name="Lan", email="lan@example.vn", subject="s", body="b")
    (receipt,) = _deliver_all(inbox, 1)
    assert parseaddr(str(receipt["From"])) == ("CIM", "hello@cim.example")
    assert str(receipt["Reply-To"]).startswith("hello+")


def test_a_mail_about_no_ticket_sends_answers_to_the_mailbox_not_the_display_sender(
    inbox, branded_channel
):
    # A relationship survey: no ticket to sign for, and From shows the brand address.
    services.queue_outbound(
        kind=ChannelKind.EMAIL, to_address="lan@example.vn", subject="NPS", body="?"
    )
    (mail,) = _deliver_all(inbox, 1)
    assert parseaddr(str(mail["From"]))[1] == "hotro@cim.example"
    assert str(mail["Reply-To"]) == "support@cim.example"
