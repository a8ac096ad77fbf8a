"""The chat sessions page: the chatbot figures add up and say what they count, next to the
list's own count."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from channels import services as channel_services
from channels.models import ActionKind, ChatMode, ChatSession, Outcome
from tests.factories import ChannelFactory, CustomerFactory


def _chat(channel, *, outcome, mode, age_days=0):
    customer = CustomerFactory()
    started = timezone.now() - timedelta(days=age_days)
    interaction, _ = channel_services.record_interaction(
        customer=customer, channel=channel, started_at=started
    )
    channel_services.record_action(
        interaction=interaction, kind=ActionKind.BOT, outcome=outcome, started_at=started
    )
    return ChatSession.objects.create(
        channel=channel, customer=customer, browser_key_hash="x", mode=mode, created_at=started
    )


def _count(html, name):
    return int(re.search(rf'data-count="{name}">(\d+)', html).group(1))


def test_bot_figures_add_up_and_say_what_the_list_counts(superuser_client, db):
    channel = ChannelFactory(kind="web_chat")
    _chat(channel, outcome=Outcome.RESOLVED, mode=ChatMode.BOT)
    _chat(channel, outcome=Outcome.TRANSFERRED, mode=ChatMode.HUMAN)
    _chat(channel, outcome=Outcome.TRANSFERRED, mode=ChatMode.HUMAN)
    _chat(channel, outcome="", mode=ChatMode.BOT)
    _chat(channel, outcome=Outcome.RESOLVED, mode=ChatMode.BOT, age_days=45)  # outside 30 days

    response = superuser_client.get(reverse("admin:channels_chatsession_changelist"))
    html = response.content.decode()

    total = _count(html, "sessions")
    assert total == 4
    parts = [_count(html, name) for name in ("deflected", "handed_off", "undecided")]
    assert parts == [1, 2, 1] and sum(parts) == total
    # The list has every session; the box says so and gives the same number as the list.
    assert response.context["cl"].result_count == 5
    scope = html.split('id="chat-list-scope"')[1].split("</p>")[0]
    assert "5 in all" in scope
    assert "last 30 days" in html
