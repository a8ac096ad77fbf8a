"""Deflection and hand-off rates come from the bot's journey records: a selector, a staff API
endpoint and the figures above the chat sessions in the admin."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from channels.chatbot_metrics import bot_metrics
from channels.models import Action, ActionKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _chat(message, *answers, email="lan.chat@example.vn"):
    client = Client()
    started = client.post(
        reverse("channels:chat_start"), {"name": "Lan", "email": email, "message": message}
    ).json()
    for text, choice in answers:
        client.post(started["send_url"], {"message": text, "choice": choice})
    return started


@pytest.fixture
def conversations(bot_channel, kb, settings):
    settings.CIM_PUBLIC_POST_RATE = "100/m"  # six chats from one test address
    _chat("tôi quên mật khẩu", ("Có", "yes"))  # answered, deflected
    _chat("hoàn tiền", ("Có", "yes"))  # answered, deflected
    _chat("đơn hàng giao mấy ngày", ("Không", "no"), ("DH-1001", ""))  # answered, handed off
    _chat("khóa thẻ")  # clarified, still with the bot
    _chat("cho tôi gặp nhân viên về hoá đơn điện tử")  # handed off on request
    _chat("máy giặt kêu to quá")  # not confident


def test_bot_metrics_counts_deflection_and_hand_off(conversations, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        metrics = bot_metrics()
    assert metrics | {"since": None} == {
        "since": None,
        "sessions": 6,
        "answered": 3,
        "clarified": 1,
        "deflected": 2,
        "handed_off": 3,
        "handoff_reasons": {"asked_for_person": 1, "not_confident": 1, "not_helpful": 1},
        "answer_rate": 0.5,
        "deflection_rate": 0.3333,
        "handoff_rate": 0.5,
    }


def test_bot_metrics_since_leaves_older_chats_out(conversations):
    Action.objects.filter(kind=ActionKind.BOT).update(
        started_at=timezone.now() - timedelta(days=40)
    )
    assert bot_metrics(since=timezone.now() - timedelta(days=30))["sessions"] == 0
    assert bot_metrics()["sessions"] == 6


def test_staff_read_bot_metrics_from_the_api_and_others_cannot(conversations, agent, supervisor):
    url = "/api/v1/chat/bot-metrics/"
    client = Client()
    assert client.get(url).status_code in (401, 403)
    # The figures sit on the chat-session list of the admin, which agents do not see.
    client.force_login(agent)
    assert client.get(url).status_code == 403
    client.force_login(supervisor)
    data = client.get(url).json()
    assert (data["sessions"], data["deflected"], data["handed_off"]) == (6, 2, 3)
    assert client.get(url, {"since": "not a date"}).status_code == 400


def test_the_admin_chat_list_shows_the_bot_figures(conversations):
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    response = client.get(reverse("admin:channels_chatsession_changelist"))
    assert response.status_code == 200
    assert b'id="bot-metrics"' in response.content
    assert response.context["bot_metrics"]["sessions"] == 6
