"""An email typed on the web chat or the contact form never attaches the conversation to the
existing customer with that address: a provisional customer holds it, shown "unverified", until the
address's owner opens the mailed link (through a real SMTP server here) or an agent links it."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from channels import chat
from channels.models import ChatSession
from customers.errors import CustomerError
from customers.models import ChannelKind, Customer
from customers.services import confirm_claim, create_customer, make_claim_token
from tests.factories import ChannelFactory, TicketFactory
from tests.feedback.smtp import start_smtp
from tests.workers.conftest import wait_for
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

CONTACT = {
    "name": "Kẻ Mạo Danh",
    "email": "LAN@example.vn",
    "phone": "",
    "subject": "Đổi địa chỉ giao hàng",
    "message": "Giao đơn DH9 tới địa chỉ mới.",
}


@pytest.fixture
def owner(queue):
    customer = create_customer(name="Nguyễn Thị Lan", email="lan@example.vn", phone="0912345678")
    TicketFactory(customer=customer, queue=queue, subject="Bí mật: hoá đơn cũ")
    return customer


@pytest.fixture
def channels_(queue):
    ChannelFactory(kind=ChannelKind.WEB_FORM, default_queue=queue)
    ChannelFactory(code="web-chat", kind=ChannelKind.WEB_CHAT, default_queue=queue)
    ChannelFactory(
        code="mail", kind=ChannelKind.EMAIL, default_queue=queue, address="support@cim.test"
    )


@pytest.fixture
def smtp(settings):
    controller, inbox = start_smtp()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield inbox
    controller.stop()


def _verify_link(inbox) -> str:
    for message in inbox.messages:
        body = message.get_content()
        match = re.search(re.escape(settings.SITE_URL) + r"(/help/verify/\S+/)", body)
        if match:
            return match.group(1)
    raise AssertionError("no verification link mailed")


def test_contact_form_claim_is_provisional_then_verified_by_the_mailed_link(
    client, owner, channels_, smtp
):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/help/contact/", CONTACT, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 302
    ticket = Ticket.objects.exclude(customer=owner).get()
    provisional = ticket.customer
    assert provisional.pk != owner.pk
    assert provisional.claimed_customer_id == owner.pk and provisional.is_unverified
    assert owner.tickets.count() == 1  # nothing attached on trust
    # The thank-you page (what the claimant sees) shows nothing of the owner's history.
    page = client.get(response["Location"]).content.decode()
    assert "Bí mật" not in page
    # The owner's mailbox gets the link, through a real SMTP server.
    wait_for(lambda: any("/help/verify/" in m.get_content() for m in smtp.messages), timeout=10)
    link = _verify_link(smtp)
    assert all(m["To"] == "lan@example.vn" for m in smtp.messages)
    # Opening it asks (mail scanners open links); pressing the button links.
    assert client.get(link).status_code == 200
    provisional.refresh_from_db()
    assert provisional.is_unverified
    done = client.post(link)
    assert done.status_code == 200
    ticket.refresh_from_db()
    assert ticket.customer_id == owner.pk
    provisional.refresh_from_db()
    assert provisional.merged_into_id == owner.pk and not provisional.is_unverified
    # A used link opens nothing.
    assert client.post(link).status_code == 404


def test_chat_claim_is_provisional_and_mailed(client, owner, channels_, smtp):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/help/chat/start/", {"name": "X", "email": "lan@example.vn", "message": "Xin chào"}
        )
    assert response.status_code == 201, response.content
    session = ChatSession.objects.get()
    assert session.customer_id != owner.pk
    assert session.customer.claimed_customer_id == owner.pk
    wait_for(lambda: smtp.messages, timeout=10)
    assert _verify_link(smtp).startswith("/help/verify/")


def test_new_address_and_real_mail_keep_todays_behaviour(owner, channels_):
    # A new address: a new, ordinary customer.
    session = chat.start_chat(browser_key="k" * 32, email="moi@example.vn", name="Mới")
    assert not session.customer.is_unverified
    assert Customer.objects.filter(claimed_customer__isnull=False).count() == 0
    # A real mail from the owner's address still lands in the owner's history.
    from channels.email_intake import process_email, receive_email

    raw = (
        b"From: Lan <lan@example.vn>\r\nTo: support@cim.test\r\nSubject: Hi\r\n"
        b"Message-ID: <a1@example.vn>\r\n\r\nHello\r\n"
    )
    channel = ChannelFactory(code="mail", kind=ChannelKind.EMAIL)
    inbound, _created = receive_email(channel=channel, raw=raw)
    process_email(inbound)
    assert owner.tickets.count() == 2


def test_agent_sees_unverified_and_can_link(client, owner, agent, channels_):
    provisional = chat.start_chat(browser_key="b" * 32, email="lan@example.vn").customer
    agent.groups.add(Group.objects.get(name="Agent"))
    agent.is_staff = True
    agent.save()
    client.force_login(agent)
    for lang, word in (("en", "unverified"), ("vi", None)):
        with translation.override(lang):
            expected = word or translation.gettext("unverified")
        if lang == "vi":
            assert expected != "unverified"
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        response = client.get(reverse("admin:customers_customer_changelist") + "?unverified=1")
        assert response.status_code == 200
        page = response.content.decode()
        assert expected in page
    with translation.override("en"):
        assert "(unverified)" in str(provisional)
    response = client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "link_to_claimed_customer", "_selected_action": [provisional.pk]},
    )
    assert response.status_code == 302
    provisional.refresh_from_db()
    assert provisional.merged_into_id == owner.pk
    with pytest.raises(CustomerError):
        confirm_claim(provisional=provisional)


def test_forged_or_foreign_tokens_open_nothing(client, owner, channels_):
    provisional = chat.start_chat(browser_key="c" * 32, email="lan@example.vn").customer
    token = make_claim_token(provisional)
    assert client.get(f"/help/verify/{token}x/").status_code == 404
    assert client.get("/help/verify/garbage/").status_code == 404
    ordinary = create_customer(name="B", email="b@example.vn")
    assert client.get(f"/help/verify/{make_claim_token(ordinary)}/").status_code == 404


def test_ticket_pages_name_the_claimant_unverified(client, owner, channels_, admin_user):
    client.post("/help/contact/", CONTACT)
    ticket = Ticket.objects.exclude(customer=owner).get()
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for url in (
        reverse("admin:tickets_ticket_change", args=[ticket.pk]),
        reverse("admin:tickets_ticket_changelist"),
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert "(unverified)" in page.content.decode(), url


def test_api_says_unverified(owner, channels_, agent):
    from rest_framework.test import APIClient

    provisional = chat.start_chat(browser_key="d" * 32, email="lan@example.vn").customer
    agent.is_staff = True
    agent.save()
    agent.groups.add(Group.objects.get(name="Agent"))
    api = APIClient()
    api.force_authenticate(agent)
    data = api.get(f"/api/v1/customers/{provisional.pk}/").json()
    assert data["unverified"] is True and data["claimed_customer"] == owner.pk
    assert api.get(f"/api/v1/customers/{owner.pk}/").json()["unverified"] is False
