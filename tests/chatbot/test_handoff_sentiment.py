"""The chat hand-off opens a ticket whose first message is the transcript of the customer *and*
the bot. Its sentiment is the customer's: the bot's "I am sorry that did not help" or "that is
not a valid phone number" are not the customer's mood and must not raise the ticket's priority."""

import pytest
from django.test import Client, TestCase
from django.urls import reverse

from feedback.models import MessageSentiment
from feedback.sentiment import analyse
from tickets.models import Priority, Ticket

pytestmark = pytest.mark.django_db


def _chat(lines, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("channels:chat_start"), {"name": "Lan", "email": "", "message": lines[0]}
        )
        started = response.json()
        for line in lines[1:]:
            choice = "no" if line == "no" else ""
            client.post(started["send_url"], {"message": line, "choice": choice})
    return Ticket.objects.get()


def test_the_bots_apologies_in_the_transcript_do_not_raise_priority(bot_channel, kb):
    ticket = _chat(["my card was stolen what do I do", "no", "skip"])
    transcript = ticket.messages.get()
    assert "Assistant:" in transcript.body
    # The whole transcript reads as very negative; the customer's own words do not.
    assert analyse(transcript.body).score <= -0.6
    row = MessageSentiment.objects.get(message=transcript)
    assert not row.pending
    assert row.score > -0.6
    assert row.action_taken == ""
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL


def test_an_upset_customer_in_the_bot_chat_still_raises_priority(bot_channel, kb):
    ticket = _chat(
        [
            "Thẻ của tôi bị mất cắp, dịch vụ quá tệ, lừa đảo, tôi cực kỳ thất vọng và bực mình!!!",
            "bỏ qua",
        ],
        language="vi",
    )
    row = MessageSentiment.objects.get(message=ticket.messages.get())
    assert row.label == "negative" and row.action_taken == "raised_priority"
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL + 1
