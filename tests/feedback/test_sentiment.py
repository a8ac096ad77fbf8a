import csv
import json

import pytest
from django.core.management import call_command
from django.test import TestCase

from feedback import selectors, services
from feedback.models import MessageSentiment, NegativeSentimentAction, QueueSurveySettings
from feedback.sentiment import LexiconAnalyser, get_analyser
from feedback.sentiment.evaluation import Report, evaluate
from tickets import services as ticket_services
from tickets.models import Priority

lexicon = LexiconAnalyser()


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Nhân viên rất nhiệt tình, tôi rất hài lòng", "positive"),
        ("nhan vien rat nhiet tinh, toi rat hai long", "positive"),
        ("Sản phẩm tốt lắm 👍", "positive"),
        ("ok dc lắm shop ơi", "positive"),
        ("k chê vào đâu được", "positive"),
        ("Dịch vụ quá tệ, tôi rất thất vọng", "negative"),
        ("dich vu qua te, that vong", "negative"),
        ("ko hài lòng chút nào 😡", "negative"),
        ("Giao hàng chậm, hàng bị lỗi", "negative"),
        ("máy k tốt", "negative"),
        ("Tôi muốn hỏi về đơn hàng số 123", "neutral"),
        ("bt thôi", "neutral"),
        ("The agent was very helpful, thank you!", "positive"),
        ("Great service :)", "positive"),
        ("Worst experience ever. Still waiting for my refund", "negative"),
        ("not good at all", "negative"),
        ("My flight was cancelled and nobody answers the phone 😠", "negative"),
        ("What time does the store open on Sunday?", "neutral"),
    ],
)
def test_default_analyser_reads_vietnamese_english_teen_code_and_emoji(text, label):
    result = lexicon.analyse(text)
    assert result.label == label, (text, result)
    assert -1 <= result.score <= 1
    assert result.version == "lexicon-vi-en-1"


def test_negation_flips_polarity():
    assert lexicon.score("tốt") > 0 > lexicon.score("không tốt")
    assert lexicon.score("good") > 0 > lexicon.score("not good")


def test_boosters_strengthen():
    assert lexicon.score("rất tốt") > lexicon.score("tốt") > lexicon.score("hơi tốt")
    assert lexicon.score("tệ lắm") < lexicon.score("tệ")


@pytest.mark.parametrize("text", ["", "   ", "\x00", "😀" * 5000, "a" * 100_000, "<b>x</b>"])
def test_odd_input_never_raises(text):
    assert lexicon.analyse(text).label in ("negative", "neutral", "positive")


def test_evaluation_counts_accuracy_macro_f1_and_matrix():
    report = evaluate(
        lexicon,
        [("tuyệt vời", "positive"), ("tệ hại", "negative"), ("tốt", "negative")],
    )
    assert report.total == 3 and report.correct == 2
    assert report.matrix["negative"]["positive"] == 1
    assert report.accuracy == pytest.approx(2 / 3)
    empty = Report()
    assert empty.accuracy == 0 and empty.macro_f1 == 0


def _csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


def test_evaluate_sentiment_command_prints_the_figures(tmp_path, capsys):
    path = _csv(tmp_path / "mine.csv", [("rất tốt", "positive"), ("quá tệ", "negative")])
    call_command("evaluate_sentiment", str(path), "--analyser", "lexicon")
    out = capsys.readouterr().out
    assert "accuracy: 1.0000" in out and "macro-F1: 1.0000" in out
    assert "confusion matrix" in out


def test_train_sentiment_installs_a_model_the_analyser_then_uses(tmp_path, settings, capsys):
    # Words the lexicon does not know: only training can teach them.
    rows = [("giao hàng zzgood nhanh", "positive")] * 5 + [("hàng zzbad rồi", "negative")] * 5
    rows += [("cho hỏi giờ mở cửa", "neutral")] * 5
    path = _csv(tmp_path / "own.csv", rows)
    settings.CIM_SENTIMENT_MODEL_PATH = str(tmp_path / "model" / "model.json")
    assert get_analyser().version.startswith("lexicon")
    call_command("train_sentiment", str(path))
    model = json.loads((tmp_path / "model" / "model.json").read_text(encoding="utf-8"))
    assert model["examples"] == {"positive": 5, "negative": 5, "neutral": 5}
    analyser = get_analyser()
    assert analyser.version.startswith("trained-")
    assert analyser.analyse("zzgood").label == "positive"
    assert analyser.analyse("zzbad").label == "negative"


def test_train_sentiment_refuses_a_file_with_one_label(tmp_path):
    from django.core.management.base import CommandError

    path = _csv(tmp_path / "one.csv", [("a", "positive"), ("b", "positive")])
    with pytest.raises(CommandError):
        call_command("train_sentiment", str(path), "--output", str(tmp_path / "m.json"))


# --- Applied to messages -----------------------------------------------------------------------


@pytest.fixture
def ticket(queue, customer):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return ticket_services.create_ticket(
            customer=customer, subject="Hỏi", body="Cho tôi hỏi giờ làm việc", queue=queue
        )


@pytest.mark.django_db
def test_customer_messages_get_a_sentiment_label_agent_replies_do_not(ticket, agent):
    with TestCase.captureOnCommitCallbacks(execute=True):
        ticket_services.add_customer_message(ticket=ticket, body="Dịch vụ tuyệt vời, cảm ơn!")
        ticket_services.reply(ticket=ticket, by=agent, body="Dịch vụ tệ")
    rows = list(MessageSentiment.objects.order_by("created_at"))
    assert [r.label for r in rows] == ["neutral", "positive"]
    assert all(not r.pending and r.analyser_version for r in rows)


@pytest.mark.django_db
def test_pending_rows_are_picked_up_by_the_sweep_and_analysed_once(ticket):
    # The enqueue is lost (no on-commit callbacks run): the row stays pending for the sweep.
    message = ticket_services.add_customer_message(ticket=ticket, body="Tệ quá, rất thất vọng")
    assert MessageSentiment.objects.get(message=message).pending
    from feedback.tasks import analyse_pending_sentiment

    assert analyse_pending_sentiment() == 1
    assert analyse_pending_sentiment() == 0
    row = MessageSentiment.objects.get(message=message)
    assert row.label == "negative"
    assert services.analyse_message(message_id=message.pk) == "done"


@pytest.mark.django_db
def test_very_negative_message_raises_priority_once(ticket):
    before = ticket.priority
    with TestCase.captureOnCommitCallbacks(execute=True):
        message = ticket_services.add_customer_message(
            ticket=ticket, body="Dịch vụ quá tệ, lừa đảo, tôi cực kỳ thất vọng và bực mình!!!"
        )
    ticket.refresh_from_db()
    assert ticket.priority == before + 1
    assert MessageSentiment.objects.get(message=message).action_taken == "raised_priority"
    services.analyse_message(message_id=message.pk)
    ticket.refresh_from_db()
    assert ticket.priority == before + 1


@pytest.mark.django_db
def test_very_negative_message_alerts_the_lead_when_the_queue_says_so(ticket, queue, supervisor):
    from django.core import mail

    queue.lead = supervisor
    queue.save()
    QueueSurveySettings.objects.create(queue=queue, negative_action=NegativeSentimentAction.ALERT)
    with TestCase.captureOnCommitCallbacks(execute=True):
        ticket_services.add_customer_message(
            ticket=ticket, body="Worst service ever, terrible and rude. I am furious!!!"
        )
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL
    assert mail.outbox[-1].to == [supervisor.email]


@pytest.mark.django_db
def test_mildly_negative_message_changes_nothing(ticket):
    with TestCase.captureOnCommitCallbacks(execute=True):
        ticket_services.add_customer_message(ticket=ticket, body="giao hơi chậm")
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL


@pytest.mark.django_db
def test_survey_comment_gets_a_sentiment(sent_invitation):
    invitation, _token = sent_invitation
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = services.submit_response(
            invitation=invitation, score=5, comment="Nhân viên rất nhiệt tình 👍"
        )
    response.refresh_from_db()
    assert (response.sentiment, response.sentiment_pending) == ("positive", False)


@pytest.mark.django_db
def test_sentiment_selectors_for_the_thread_ticket_trend_and_customer(
    ticket, customer, django_assert_num_queries
):
    with TestCase.captureOnCommitCallbacks(execute=True):
        ticket_services.add_customer_message(ticket=ticket, body="Tệ quá")
        ticket_services.add_customer_message(ticket=ticket, body="Cảm ơn, giờ thì tốt rồi")
    ids = list(ticket.messages.values_list("id", flat=True))
    with django_assert_num_queries(1):
        by_message = selectors.sentiments_for_messages(ids)
    assert len(by_message) == 3
    with django_assert_num_queries(1):
        trend = selectors.ticket_sentiment_trend(ticket=ticket)
    assert [t["label"] for t in trend] == ["neutral", "negative", "positive"]
    with django_assert_num_queries(1):
        summary = selectors.customer_sentiment_summary(customer_id=customer.pk)
    assert (summary["negative"], summary["neutral"], summary["positive"]) == (1, 1, 1)
    with django_assert_num_queries(1):
        summaries = selectors.ticket_sentiment_summaries([ticket.pk])
    assert summaries[ticket.pk]["latest"] == "positive"
