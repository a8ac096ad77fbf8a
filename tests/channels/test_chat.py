"""Web chat: the widget's session is bound to its browser; the agent's reply from the ticket
appears in it; the chat is one interaction with an event per customer line."""

import pytest
from django.test import Client
from django.urls import reverse

from channels.models import ChatMessage, ChatSession, Interaction, OutboundMessage
from tickets import services as ticket_services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _start(client, **data):
    payload = {"name": "Lan", "email": "lan.chat@example.vn", "message": "Xin chào"} | data
    return client.post(reverse("channels:chat_start"), payload)


def test_chat_page_renders_the_widget(client, chat_channel):
    response = client.get(reverse("channels:chat"))
    assert response.status_code == 200
    assert b'id="cim-chat"' in response.content


def test_start_send_and_poll_a_chat(client, chat_channel):
    started = _start(client)
    assert started.status_code == 201
    data = started.json()
    assert [m["body"] for m in data["messages"]] == ["Xin chào"]
    sent = client.post(data["send_url"], {"message": "Đơn hàng 42 ở đâu?"})
    assert sent.status_code == 201
    polled = client.get(data["poll_url"], {"after": 0}).json()
    assert [m["author"] for m in polled["messages"]] == ["customer", "customer"]
    ticket = Ticket.objects.get()
    assert ticket.channel == "web_chat" and ticket.messages.count() == 2
    interaction = Interaction.objects.get()
    assert (interaction.actions.count(), interaction.events.count()) == (1, 2)


def test_agent_reply_appears_in_the_widget_and_is_not_mailed(client, chat_channel, agent):
    data = _start(client).json()
    ticket = Ticket.objects.get()
    ticket_services.reply(ticket=ticket, by=agent, body="Chào chị, em kiểm tra ngay.")
    last_id = data["messages"][-1]["id"]
    polled = client.get(data["poll_url"], {"after": last_id}).json()["messages"]
    assert [(m["author"], m["body"]) for m in polled] == [("agent", "Chào chị, em kiểm tra ngay.")]
    assert not OutboundMessage.objects.filter(message__isnull=False).exists()
    assert Interaction.objects.get().agent == agent


def test_when_the_customer_has_left_the_reply_goes_by_email(client, chat_channel, agent):
    from datetime import timedelta

    from django.utils import timezone

    _start(client)
    ChatSession.objects.update(last_seen_at=timezone.now() - timedelta(hours=1))
    ticket_services.reply(ticket=Ticket.objects.get(), by=agent, body="Are you there?")
    assert ChatMessage.objects.filter(author_type="agent").count() == 1
    assert OutboundMessage.objects.get(message__isnull=False).to_address == "lan.chat@example.vn"


def test_another_browser_cannot_read_or_write_the_chat(client, chat_channel):
    data = _start(client).json()
    stranger = Client()
    assert stranger.get(data["poll_url"]).status_code == 404
    assert stranger.post(data["send_url"], {"message": "hi"}).status_code == 404
    # A second chat in the stranger's browser does not open the first one either.
    _start(stranger, email="other@example.vn")
    assert stranger.get(data["poll_url"]).status_code == 404


def test_a_tampered_session_token_is_404(client, chat_channel):
    data = _start(client).json()
    bad = data["poll_url"].replace(data["session"], data["session"][:-2] + "xx")
    assert client.get(bad).status_code == 404
    assert client.get("/help/chat/garbage/messages/").status_code == 404


def test_empty_or_bad_input_is_a_400_never_a_500(client, chat_channel):
    assert _start(client, message="  ").status_code == 400
    assert _start(client, email="not an email").status_code == 400
    data = _start(client).json()
    assert client.post(data["send_url"], {"message": ""}).status_code == 400
    assert client.get(data["poll_url"], {"after": "abc"}).status_code == 200


def test_customer_text_is_returned_as_text_not_markup(client, chat_channel):
    data = _start(client, message="<script>alert(1)</script>").json()
    assert (
        data["messages"][0]["body"] == "<script>alert(1)</script>"
    )  # JSON; the widget uses textContent


def test_chat_without_email_is_known_by_its_browser(client, chat_channel):
    _start(client, email="")
    _start(client, email="")
    customers = {s.customer_id for s in ChatSession.objects.all()}
    assert len(customers) == 1


def test_chat_lines_are_rate_limited(client, chat_channel, settings):
    settings.CIM_CHAT_POST_RATE = "2/m"
    data = _start(client).json()
    statuses = [client.post(data["send_url"], {"message": f"m{n}"}).status_code for n in range(3)]
    assert statuses == [201, 201, 429]


@pytest.mark.parametrize(
    "language,text", [("vi", "Vui lòng nhập tin nhắn."), ("en", "Write a message.")]
)
def test_error_the_widget_shows_is_in_the_customers_language(client, chat_channel, language, text):
    # The widget puts `message` in front of the customer as it is.
    response = client.post(
        reverse("channels:chat_start"), {"message": " "}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    assert response.json()["message"] == text
    assert response.json()["fields"]["message"] == [text]
