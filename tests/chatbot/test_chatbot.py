"""The chatbot in the web chat, through the widget's endpoints: it answers from the knowledge
base, asks which article when two are close, and hands over to a person — asking first what the
queue needs — when it is not confident, asked for a person, the customer is upset, the answer
did not help, or the customer's segment prefers people. The person then answers in the same
widget."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from channels import chatbot_slots as slots
from channels.models import (
    Action,
    ActionKind,
    ChatMessage,
    ChatSession,
    Event,
    Interaction,
    Outcome,
)
from customers.models import Customer
from tests.factories import CustomerFactory, SegmentFactory
from tickets import services as ticket_services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _start(client, message, **data):
    payload = {"name": "Lan", "email": "lan.chat@example.vn", "message": message} | data
    response = client.post(reverse("channels:chat_start"), payload)
    assert response.status_code == 201, response.content
    return response.json()


def _send(client, started, message, choice=""):
    response = client.post(started["send_url"], {"message": message, "choice": choice})
    assert response.status_code == 201, response.content
    return response.json()


def _bot_texts(lines):
    return [m["body"] for m in lines if m["author"] == "bot"]


def _bot_action():
    return Action.objects.get(kind=ActionKind.BOT)


def _event_kinds():
    return list(Event.objects.filter(action__kind=ActionKind.BOT).values_list("kind", flat=True))


# --- answers


def test_a_confident_question_gets_the_article_and_a_yes_closes_it_without_a_ticket(
    client, bot_channel, kb
):
    started = _start(client, "tôi quên mật khẩu")
    assert started["mode"] == "bot"
    customer_line, article_line, question_line = started["messages"]
    assert customer_line["author"] == "customer"
    assert article_line["link"] == {"url": "/help/a/doi-mat-khau/", "title": "Đổi mật khẩu"}
    assert article_line["body"].startswith("Đổi mật khẩu\nVào Tài khoản")
    assert "**" not in article_line["body"]  # the excerpt is plain text
    assert [c["value"] for c in question_line["choices"]] == ["yes", "no"]

    reply = _send(client, started, "Có, cảm ơn", choice="yes")
    assert reply["mode"] == "bot"
    assert len(reply["replies"]) == 1
    assert not Ticket.objects.exists()
    assert _bot_action().outcome == Outcome.RESOLVED
    assert Interaction.objects.get().outcome == Outcome.RESOLVED
    assert _event_kinds() == ["bot_question", "bot_answer", "bot_question", "bot_resolved"]


def test_a_typed_yes_counts_like_the_button(client, bot_channel, kb):
    started = _start(client, "quen mat khau")
    _send(client, started, "đúng rồi")
    assert _bot_action().outcome == Outcome.RESOLVED


def test_an_answer_that_did_not_help_hands_over_with_the_transcript(client, bot_channel, kb, queue):
    started = _start(client, "tôi quên mật khẩu")
    reply = _send(client, started, "Không", choice="no")
    assert reply["mode"] == "human"
    ticket = Ticket.objects.get()
    # The problem is what the customer asked and the customer gave an email: nothing to ask.
    assert ticket.queue == queue and ticket.channel == "web_chat"
    assert ticket.subject == "tôi quên mật khẩu"
    first = ticket.messages.get()
    assert "tôi quên mật khẩu" in first.body and "Đổi mật khẩu" in first.body
    assert ticket.reference in reply["replies"][-1]["body"]
    session = ChatSession.objects.get()
    assert (session.mode, session.ticket) == ("human", ticket)
    assert _bot_action().outcome == Outcome.TRANSFERRED
    assert Event.objects.get(kind="bot_handoff").data["reason"] == "not_helpful"


def test_two_close_articles_make_the_bot_ask_which_one_and_the_pick_answers(
    client, bot_channel, kb
):
    started = _start(client, "khóa thẻ")
    question = started["messages"][-1]
    labels = [c["label"] for c in question["choices"]]
    assert set(labels[:2]) == {"Khóa thẻ tín dụng", "Khóa thẻ ghi nợ"}
    credit = next(c for c in question["choices"] if c["label"] == "Khóa thẻ tín dụng")
    reply = _send(client, started, credit["label"], choice=credit["value"])
    assert reply["replies"][0]["link"]["url"] == "/help/a/khoa-the-tin-dung/"
    assert "bot_clarify" in _event_kinds() and "bot_clarify_pick" in _event_kinds()


def test_a_typed_title_picks_a_clarified_article_too(client, bot_channel, kb):
    started = _start(client, "thẻ bị khóa")
    reply = _send(client, started, "khoa the ghi no")
    assert reply["replies"][0]["link"]["url"] == "/help/a/khoa-the-ghi-no/"


def test_a_choice_value_for_an_article_not_offered_is_not_honoured(client, bot_channel, kb):
    started = _start(client, "khóa thẻ")
    reply = _send(client, started, "hmm", choice=f"article:{kb['password'].pk}")
    assert all(
        (r.get("link") or {}).get("url") != "/help/a/doi-mat-khau/" for r in reply["replies"]
    )


def test_the_bot_answers_in_english_for_an_english_session(bot_channel, kb):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    started = _start(client, "I lost my card")
    assert started["messages"][1]["link"]["url"] == "/help/a/lost-card/"
    assert started["messages"][2]["body"] == "Did this answer your question?"


# --- hand-over


def test_asking_for_a_person_hands_over_and_asks_an_anonymous_customer_for_the_problem_and_contact(
    client, bot_channel, kb, queue
):
    started = _start(client, "cho tôi gặp nhân viên", email="")
    texts = _bot_texts(started["messages"])
    assert len(texts) == 2  # "let me put you through", then the first question
    assert Event.objects.get(kind="bot_handoff").data == {
        "reason": "asked_for_person",
        "queue": "support",
        "slots": ["problem", "contact"],
    }
    _send(client, started, "?")  # too short to say what the problem is: asked again
    _send(client, started, "Máy giặt kêu rất to khi vắt")
    again = _send(client, started, "0912 345")  # a mistyped number: asked again
    assert again["mode"] == "bot" and not Ticket.objects.exists()
    assert [c["value"] for c in again["replies"][-1]["choices"]] == ["skip"]
    done = _send(client, started, "0912 345 678")
    assert done["mode"] == "human"
    ticket = Ticket.objects.get()
    assert ticket.subject == "Máy giặt kêu rất to khi vắt" and ticket.queue == queue
    body = ticket.messages.get().body
    assert "+84912345678" in body and "0912 345\n" in body
    assert Customer.objects.get(pk=ticket.customer_id).phone == "+84912345678"
    kinds = _event_kinds()
    assert kinds.count("slot_invalid") == 2 and kinds.count("slot_filled") == 2


def test_a_question_the_bot_is_not_sure_of_goes_to_a_person(client, bot_channel, kb, queue):
    started = _start(client, "máy giặt kêu to quá")
    assert started["mode"] == "human"
    assert Ticket.objects.get().queue == queue  # a weak match does not pick the queue
    assert Event.objects.get(kind="bot_handoff").data["reason"] == "not_confident"


def test_a_very_negative_line_goes_to_a_person(client, bot_channel, kb):
    started = _start(client, "tôi quên mật khẩu")
    reply = _send(client, started, "Dịch vụ quá tệ, tôi rất bực mình, lừa đảo!")
    assert reply["mode"] == "human"
    assert Event.objects.get(kind="bot_handoff").data["reason"] == "negative_sentiment"


def test_a_customer_of_a_segment_that_prefers_people_never_stays_with_the_bot(
    client, bot_channel, kb
):
    segment = SegmentFactory(code="prefers-people", name="Prefers people")
    CustomerFactory(email="vip@example.vn", name="VIP", segment=segment)
    started = _start(client, "tôi quên mật khẩu", email="vip@example.vn")
    assert started["mode"] == "human"
    assert len(_bot_texts(started["messages"])) == 2  # hand-over and ticket reference only
    assert Ticket.objects.get().customer.email == "vip@example.vn"
    assert Event.objects.get(kind="bot_handoff").data["reason"] == "segment"
    assert not Event.objects.filter(kind="bot_answer").exists()


def test_an_order_matter_goes_to_the_mapped_queue_with_its_order_number(
    client, bot_channel, kb, orders_queue
):
    started = _start(client, "đơn hàng giao mấy ngày")
    reply = _send(client, started, "no", choice="no")
    with translation.override("vi"):
        assert reply["replies"][-1]["body"] == slots.prompt("order_number")
    assert Event.objects.get(kind="bot_handoff").data["slots"] == ["order_number"]
    _send(client, started, "abc")
    _send(client, started, "mã đơn của tôi là dh-20240517")
    ticket = Ticket.objects.get()
    assert ticket.queue == orders_queue
    assert "DH-20240517" in ticket.messages.get().body


def test_an_order_number_in_the_question_is_not_asked_again(client, bot_channel, kb):
    _start(client, "đơn hàng DH-12345 của tôi cho tôi gặp nhân viên")
    assert Event.objects.get(kind="bot_handoff").data["slots"] == []
    assert "DH-12345" in Ticket.objects.get().messages.get().body


def test_slots_can_be_set_per_queue_in_the_channel_settings(client, bot_channel, kb, orders_queue):
    bot_channel.config["bot_slots"] = {"orders": ["contact", "order_number"]}
    bot_channel.save()
    started = _start(client, "hoàn tiền", email="")
    _send(client, started, "không", choice="no")
    assert Event.objects.get(kind="bot_handoff").data["slots"] == ["contact", "order_number"]
    _send(client, started, "lan@example.vn")
    _send(client, started, "bỏ qua")  # no order number at hand: still handed over
    ticket = Ticket.objects.get()
    assert ticket.queue == orders_queue
    assert "lan@example.vn" in ticket.messages.get().body


def test_a_customer_who_cannot_answer_a_slot_is_handed_over_anyway(client, bot_channel, kb):
    started = _start(client, "cần người hỗ trợ", email="")
    for _ in range(3):
        _send(client, started, "!!")
    # The third bad answer moved on to the contact, which is asked three times too.
    assert Ticket.objects.count() == 0
    assert Event.objects.filter(kind="slot_invalid").count() == 3
    for _ in range(2):
        _send(client, started, "12")  # not a phone number
    assert Ticket.objects.count() == 0
    _send(client, started, "12")
    assert ChatSession.objects.get().mode == "human"
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    ("answer", "language"),
    [
        ("skip", "en"),
        ("Skip", "en"),
        ("no", "en"),
        ("bỏ qua", "vi"),
        ("Không", "vi"),
        ("không có", "vi"),
    ],
)
def test_the_phone_number_is_optional_a_skip_word_hands_over_at_once(
    client, bot_channel, kb, answer, language
):
    english = language == "en"
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    started = _start(client, "I need a human" if english else "cần người hỗ trợ", email="")
    asked = _send(client, started, "My washing machine is loud" if english else "Máy giặt kêu to")
    with translation.override(language):
        assert asked["replies"][-1]["body"] == slots.prompt("contact")
    done = _send(client, started, answer)
    assert done["mode"] == "human"
    ticket = Ticket.objects.get()
    assert ticket.customer.phone == "" and ticket.customer.email == ""
    assert "slot_skipped" in _event_kinds() and "slot_invalid" not in _event_kinds()


def test_the_skip_button_skips_the_question_in_either_language(client, bot_channel, kb):
    started = _start(client, "cần người hỗ trợ", email="")
    prompt = _send(client, started, "Máy giặt kêu to")["replies"][-1]
    with translation.override("vi"):
        assert prompt["body"] == slots.prompt("contact")
        assert prompt["choices"] == [{"value": "skip", "label": "Bỏ qua"}]
    done = _send(client, started, "Bỏ qua", choice="skip")
    assert done["mode"] == "human"


@pytest.mark.parametrize(
    ("language", "question", "problem", "at_the_prompt"),
    [
        (
            "vi",
            "cho tôi gặp nhân viên",
            "Tôi bị trừ tiền hai lần",
            "Tôi không muốn để lại số, nhưng hoá đơn tháng trước cũng sai thì sao?",
        ),
        (
            "en",
            "I want to talk to a human",
            "I was charged twice",
            "I would rather not, but why was last month's invoice wrong too?",
        ),
    ],
)
def test_a_whole_question_at_the_phone_prompt_goes_to_the_ticket_and_is_not_asked_again(
    bot_channel, kb, language, question, problem, at_the_prompt
):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    started = _start(client, question, email="")
    _send(client, started, problem)
    done = _send(client, started, at_the_prompt)
    assert done["mode"] == "human"
    texts = _bot_texts(done["replies"])
    with translation.override(language):
        assert texts[0] == str(translation.gettext("Noted, I will pass that on to our team."))
        assert str(translation.gettext("Also written by the customer")) + ": " + at_the_prompt in (
            Ticket.objects.get().messages.get().body
        )
    assert texts[-1].count(Ticket.objects.get().reference) == 1
    assert "slot_note" in _event_kinds() and "slot_invalid" not in _event_kinds()


def test_a_phone_number_inside_a_sentence_is_found(client, bot_channel, kb):
    started = _start(client, "cần người hỗ trợ", email="")
    _send(client, started, "Máy giặt kêu to")
    _send(client, started, "số của tôi là 0912.345.678 nhé")
    ticket = Ticket.objects.get()
    assert ticket.customer.phone == "+84912345678"
    assert "Liên hệ: +84912345678" in ticket.messages.get().body


def test_skip_at_the_order_number_and_a_sentence_instead_of_it_are_kept(
    client, bot_channel, kb, orders_queue
):
    started = _start(client, "đơn hàng giao mấy ngày")
    _send(client, started, "không", choice="no")
    done = _send(client, started, "tôi không nhớ mã, đặt hôm thứ hai")
    assert done["mode"] == "human"
    body = Ticket.objects.get().messages.get().body
    assert "tôi không nhớ mã, đặt hôm thứ hai" in body.split("\n\n")[-1]


# --- the person's part


def test_after_the_hand_over_the_agent_answers_in_the_same_widget(client, bot_channel, kb, agent):
    started = _start(client, "máy giặt kêu to quá")
    ticket = Ticket.objects.get()
    ticket_services.reply(ticket=ticket, by=agent, body="Chào chị, em là Minh.")
    last = started["messages"][-1]["id"]
    polled = client.get(started["poll_url"], {"after": last}).json()
    assert polled["mode"] == "human"
    assert [(m["author"], m["body"]) for m in polled["messages"]] == [
        ("agent", "Chào chị, em là Minh.")
    ]
    _send(client, started, "Cảm ơn em")
    assert ticket.messages.count() == 3  # transcript, agent reply, customer line
    interaction = Interaction.objects.get()
    kinds = list(interaction.actions.order_by("id").values_list("kind", flat=True))
    assert kinds == [ActionKind.BOT, ActionKind.MESSAGE, ActionKind.AGENT]
    assert interaction.ticket == ticket and interaction.agent == agent
    assert interaction.outcome == Outcome.TICKET_OPENED
    message_events = Event.objects.filter(action__kind=ActionKind.MESSAGE)
    assert list(message_events.values_list("kind", flat=True)) == [
        "chat_transcript",
        "chat_message",
    ]


# --- bad input and when there is no bot


def test_a_line_without_words_gets_a_gentle_request(client, bot_channel, kb):
    started = _start(client, "???")
    assert started["mode"] == "bot"
    assert len(_bot_texts(started["messages"])) == 1
    assert not Ticket.objects.exists()


def test_script_and_huge_lines_are_stored_as_bounded_plain_text(client, bot_channel, kb):
    started = _start(client, "<script>alert(1)</script> quên mật khẩu")
    assert started["messages"][0]["body"].startswith(
        "<script>"
    )  # text; the widget uses textContent
    _send(client, started, "x" * 50_000)
    assert max(len(m.body) for m in ChatMessage.objects.all()) <= 4000


def test_the_widget_never_puts_text_in_the_page_as_html():
    from pathlib import Path

    source = (Path(__file__).parents[2] / "channels/static/channels/chat.js").read_text()
    assert "innerHTML" not in source and "insertAdjacentHTML" not in source


def test_another_browser_cannot_read_or_write_a_bot_chat(client, bot_channel, kb):
    started = _start(client, "tôi quên mật khẩu")
    stranger = Client()
    assert stranger.get(started["poll_url"]).status_code == 404
    response = stranger.post(started["send_url"], {"message": "yes", "choice": "yes"})
    assert response.status_code == 404
    assert _bot_action().outcome == ""


def test_without_published_articles_the_chat_goes_straight_to_people(client, bot_channel):
    started = _start(client, "Xin chào")
    assert started["mode"] == "human"
    assert Ticket.objects.count() == 1
    assert not Action.objects.filter(kind=ActionKind.BOT).exists()


def test_a_channel_can_turn_the_bot_off(client, bot_channel, kb):
    bot_channel.config["bot"] = False
    bot_channel.save()
    assert _start(client, "tôi quên mật khẩu")["mode"] == "human"
