"""Sentiment of customer messages and survey comments: a pending row is written with the
message; the task fills it in, and a very negative one raises the ticket's priority or alerts the
queue lead, as the queue is set up."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.models import AuthorType, MessageKind, Priority, Ticket, TicketMessage
from tickets.queueing import enqueue_on_commit

from ..models import MessageSentiment, NegativeSentimentAction, SurveyResponse
from ..sentiment import NEGATIVE, SentimentResult, get_analyser
from .alerts import alert_queue_lead
from .surveys import settings_for_queue


def record_pending_sentiment(*, message: TicketMessage) -> MessageSentiment | None:
    """Called in the transaction that adds the message. Only what a customer wrote is analysed."""
    if message.author_type != AuthorType.CUSTOMER or message.kind != MessageKind.PUBLIC:
        return None
    row, created = MessageSentiment.objects.get_or_create(
        message=message,
        defaults={"ticket_id": message.ticket_id, "customer_id": message.author_customer_id},
    )
    if created:
        from ..tasks import analyse_message_task

        enqueue_on_commit(analyse_message_task, message.pk)
    return row


def _react(*, ticket_id: int, result: SentimentResult, excerpt: str) -> str:
    """What a very negative text does to its ticket; returns the action taken ("" for none)."""
    ticket = Ticket.objects.select_related("queue").get(pk=ticket_id)
    rules = settings_for_queue(ticket.queue_id)
    if (
        result.label != NEGATIVE
        or result.score > rules.negative_threshold
        or rules.negative_action == NegativeSentimentAction.NONE
        or ticket.status == "closed"
    ):
        return ""
    if rules.negative_action == NegativeSentimentAction.RAISE_PRIORITY:
        if ticket.priority >= Priority.URGENT:
            return ""
        from tickets.services import set_priority

        set_priority(ticket=ticket, priority=ticket.priority + 1, by=None)
        return "raised_priority"
    alert_queue_lead(
        ticket=ticket,
        kind="negative_sentiment",
        text=_("A very negative message from the customer (score %(score).2f):\n%(text)s")
        % {"score": result.score, "text": excerpt[:500]},
    )
    return "alerted"


def _customer_words(message: TicketMessage) -> str:
    """What the customer wrote in the message. A chatbot hand-off's transcript also holds the
    bot's lines ("sorry that did not help", "not a valid phone number"), which read as negative
    and are not the customer's mood: only the customer's lines of it are scored."""
    from channels.chat import transcript_customer_text

    own = transcript_customer_text(message)
    return message.body if own is None else own


def analyse_message(*, message_id: int) -> str:
    """Labels one pending message; a second run finds it done and does nothing. The label is
    computed before the transaction (pure CPU), and a conditional update decides who stores it."""
    row = (
        MessageSentiment.objects.select_related("message")
        .filter(message_id=message_id, pending=True)
        .first()
    )
    if row is None:
        return "done"
    text = _customer_words(row.message)
    result = get_analyser().analyse(text)
    with transaction.atomic():
        claimed = MessageSentiment.objects.filter(message_id=message_id, pending=True).update(
            pending=False,
            label=result.label,
            score=result.score,
            analyser_version=result.version,
            analysed_at=timezone.now(),
        )
        if not claimed:
            return "done"
        action = _react(ticket_id=row.ticket_id, result=result, excerpt=text)
        if action:
            MessageSentiment.objects.filter(message_id=message_id).update(action_taken=action)
    return result.label


def analyse_response(*, response_id: int) -> str:
    response = (
        SurveyResponse.objects.select_related("invitation")
        .filter(pk=response_id, sentiment_pending=True)
        .first()
    )
    if response is None:
        return "done"
    result = get_analyser().analyse(response.comment)
    with transaction.atomic():
        claimed = SurveyResponse.objects.filter(pk=response_id, sentiment_pending=True).update(
            sentiment_pending=False,
            sentiment=result.label,
            sentiment_score=result.score,
            sentiment_version=result.version,
        )
        ticket_id = response.invitation.ticket_id
        # A low score already acted on (reopen/alert) is not acted on a second time.
        if claimed and ticket_id and not response.action_taken:
            action = _react(ticket_id=ticket_id, result=result, excerpt=response.comment)
            if action:
                SurveyResponse.objects.filter(pk=response_id).update(action_taken=action)
    return result.label


def pending_message_ids(*, limit: int = 1000) -> list[int]:
    return list(
        MessageSentiment.objects.filter(pending=True)
        .order_by("created_at")
        .values_list("message_id", flat=True)[:limit]
    )


def pending_response_ids(*, limit: int = 1000) -> list[int]:
    return list(
        SurveyResponse.objects.filter(sentiment_pending=True)
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )
