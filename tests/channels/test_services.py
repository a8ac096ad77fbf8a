import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from channels import services, tasks
from channels.errors import ChannelError
from channels.models import Event, Interaction, OutboundMessage, OutboundStatus
from customers.errors import CustomerError
from customers.models import ChannelKind, Customer
from tests.factories import ChannelFactory
from tickets import services as ticket_services
from tickets.links import read_status_token, status_url
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def web_form(queue):
    return ChannelFactory(kind=ChannelKind.WEB_FORM, default_queue=queue)


def _submit(**overrides):
    data = dict(
        name="Phạm Minh",
        email="Minh@Example.vn",
        phone="0912345678",
        subject="Hỏi về đơn hàng",
        body="Đơn hàng của tôi đang ở đâu?",
        language="vi",
    )
    data.update(overrides)
    return services.submit_web_form(**data)


def test_web_form_opens_ticket_records_journey_and_acknowledges(
    web_form, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _submit()
    customer = ticket.customer
    assert (customer.email, customer.phone, customer.name) == (
        "minh@example.vn",
        "+84912345678",
        "Phạm Minh",
    )
    assert ticket.queue == web_form.default_queue
    assert ticket.channel == ChannelKind.WEB_FORM
    interaction = Interaction.objects.get(ticket=ticket)
    assert interaction.channel == web_form and interaction.customer == customer
    assert interaction.actions.count() == 1
    assert Event.objects.get(interaction=interaction).message == ticket.messages.get()
    outbound = OutboundMessage.objects.get(ticket=ticket)
    assert outbound.status == OutboundStatus.SENT
    [sent] = mail.outbox
    assert sent.to == ["minh@example.vn"]
    assert ticket.reference in sent.subject
    [token] = re.findall(r"/help/tickets/status/([^/\s]+)/", sent.body)
    assert read_status_token(token) == ticket


def test_web_form_acknowledgement_is_in_the_customers_language(web_form):
    ticket = _submit(language="en", email="en@example.com")
    outbound = OutboundMessage.objects.get(ticket=ticket)
    assert "We have received your request" in outbound.subject


def test_second_form_from_same_email_is_unverified_until_confirmed(web_form):
    # Issue 14: a form proves nothing about the address typed, so the second request is held
    # by a provisional customer claiming the first until the mailed link is opened.
    from customers.services import confirm_claim

    first = _submit()
    second = _submit(subject="Câu hỏi khác", name="")
    assert first.customer_id != second.customer_id
    assert second.customer.claimed_customer_id == first.customer_id
    confirm_claim(provisional=second.customer)
    second.refresh_from_db()
    assert first.customer_id == second.customer_id
    assert Customer.objects.filter(merged_into__isnull=True).count() == 1


def test_web_form_with_invalid_phone_saves_nothing(web_form):
    with pytest.raises(CustomerError):
        _submit(phone="12")
    assert Ticket.objects.count() == 0
    assert Customer.objects.count() == 0
    assert OutboundMessage.objects.count() == 0


def test_web_form_without_channel_is_a_clear_error(queue):
    with pytest.raises(ChannelError):
        _submit()
    assert Customer.objects.count() == 0


def test_status_token_opens_only_its_ticket(web_form):
    ticket = _submit()
    token = status_url(ticket, absolute=False).rstrip("/").rsplit("/", 1)[-1]
    assert read_status_token(token) == ticket
    assert read_status_token(token[:-2] + "xx") is None
    assert read_status_token(token, max_age=timedelta(seconds=-1)) is None


def test_agent_reply_is_mailed_once(web_form, agent, django_capture_on_commit_callbacks):
    ticket = _submit()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message = ticket_services.reply(ticket=ticket, by=agent, body="Đơn hàng sẽ tới ngày mai")
    assert OutboundMessage.objects.filter(message=message).count() == 1
    assert services.deliver_reply(message=message) is None  # a second hook run adds nothing
    [sent] = mail.outbox
    assert "Đơn hàng sẽ tới ngày mai" in sent.body
    assert sent.subject == f"Re: [{ticket.reference}] {ticket.subject}"


def test_internal_note_is_never_mailed(web_form, agent):
    ticket = _submit()
    note = ticket_services.add_internal_note(ticket=ticket, by=agent, body="nội bộ")
    assert not OutboundMessage.objects.filter(message=note).exists()


def _queued(**kwargs):
    return OutboundMessage.objects.create(
        kind=ChannelKind.EMAIL, to_address="x@example.vn", subject="s", body="b", **kwargs
    )


def test_delivery_runs_once_even_if_called_twice():
    outbound = _queued()
    assert services.deliver_outbound(outbound_id=outbound.pk) == OutboundStatus.SENT
    assert services.deliver_outbound(outbound_id=outbound.pk) == OutboundStatus.SENT
    assert len(mail.outbox) == 1


def test_message_claimed_by_a_live_worker_is_left_alone():
    outbound = _queued(status=OutboundStatus.SENDING, claimed_at=timezone.now())
    assert services.deliver_outbound(outbound_id=outbound.pk) == OutboundStatus.SENDING
    assert mail.outbox == []


def test_message_abandoned_by_a_dead_worker_is_sent_again():
    outbound = _queued(
        status=OutboundStatus.SENDING, claimed_at=timezone.now() - timedelta(minutes=11)
    )
    assert services.deliver_outbound(outbound_id=outbound.pk) == OutboundStatus.SENT
    assert len(mail.outbox) == 1


def test_failed_send_is_retried_later_then_given_up(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    outbound = _queued()
    assert services.deliver_outbound(outbound_id=outbound.pk) == OutboundStatus.QUEUED
    outbound.refresh_from_db()
    assert outbound.attempts == 1 and outbound.due_at > timezone.now() and outbound.last_error
    # Not due yet: a sweep leaves it.
    assert tasks.deliver_due_outbound() == 0
    for _ in range(services.MAX_SEND_ATTEMPTS - 1):
        OutboundMessage.objects.filter(pk=outbound.pk).update(due_at=timezone.now())
        services.deliver_outbound(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.FAILED
    assert outbound.attempts == services.MAX_SEND_ATTEMPTS
    services.retry_outbound(outbound=outbound)
    outbound.refresh_from_db()
    assert (outbound.status, outbound.attempts) == (OutboundStatus.QUEUED, 0)


def test_sweep_sends_due_messages_whose_enqueue_was_lost():
    _queued()
    _queued()
    _queued(due_at=timezone.now() + timedelta(hours=1))
    assert tasks.deliver_due_outbound() == 2
    assert tasks.deliver_due_outbound() == 0
    assert len(mail.outbox) == 2


def test_interaction_with_same_channel_id_is_recorded_once(customer):
    channel = ChannelFactory(kind=ChannelKind.PHONE)
    first, created = services.record_interaction(
        customer=customer, channel=channel, external_id="call-1"
    )
    again, created_again = services.record_interaction(
        customer=customer, channel=channel, external_id="call-1"
    )
    assert created and not created_again and first.pk == again.pk
    services.record_interaction(customer=customer, channel=channel)
    services.record_interaction(customer=customer, channel=channel)
    assert Interaction.objects.count() == 3


def test_web_form_with_a_phone_known_for_someone_else_still_opens_the_ticket(web_form):
    from customers.services import create_customer

    owner = create_customer(name="Chủ số", email="owner@example.vn", phone="0912345678")
    ticket = _submit(email="family@example.vn", phone="0912 345 678")
    assert ticket.customer != owner
    assert ticket.customer.phone == ""
    assert Customer.objects.get(pk=owner.pk).phone == "+84912345678"
