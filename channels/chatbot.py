"""The chatbot of the web chat: it answers from the knowledge base, asks which article when two
are close, and hands over to a person — after asking what the queue needs — when it is not
confident, when the customer asks for a person, when the customer is upset, when the answer did
not help, or at once for customers of a segment that prefers people (CIM_BOT_PEOPLE_SEGMENTS).

    lines = customer_writes(session=session, body="tôi quên mật khẩu")  # [customer, bot, ...]

The bot's part of a chat is one Action(kind=BOT) of the chat's interaction with an event per
question and per step (bot_question, bot_answer, bot_clarify, bot_resolved, bot_handoff,
slot_filled, slot_skipped, slot_note, slot_invalid); its outcome says how the bot's part ended:
resolved (the customer said the answer helped: deflected) or transferred (handed to a person).
The person's part is the message / agent actions the ticket path already records. See
chatbot_metrics.bot_metrics.

Where a conversation stands lives in ChatSession.bot_state, changed only under the session's
row lock (customer_writes locks it), so two lines sent at once are answered one after the other.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers.errors import CustomerError
from customers.models import ChannelKind
from customers.services import update_customer
from knowledge_base import bot as kb_bot
from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.models import Article, ArticleStatus
from knowledge_base.text import STOPWORDS, quick_plain_text, tokens
from tickets import services as ticket_services
from tickets.models import AuthorType, Queue

from . import chat
from . import chatbot_slots as slots
from .models import (
    Action,
    ActionKind,
    Channel,
    ChatMessage,
    ChatMode,
    ChatSession,
    Interaction,
    Outcome,
)
from .services import record_action, record_event

log = logging.getLogger(__name__)

ASK, CONFIRM, CLARIFY, SLOTS, DONE = "ask", "confirm", "clarify", "slots", "done"
EXCERPT_CHARS = 240
# A customer who cannot give a slot's answer in this many tries is handed over without it: the
# bot must never be a wall between a customer and a person.
MAX_SLOT_ATTEMPTS = 3
NONE_CHOICE = "none"

_sentiment_scorer: Callable[[str], float] | None = None


def register_sentiment_scorer(scorer: Callable[[str], float] | None) -> None:
    """feedback registers its analyser here (channels must not import feedback): text → score
    in [-1, 1]. A very negative line makes the bot hand over."""
    global _sentiment_scorer
    _sentiment_scorer = scorer


def sentiment_of(text: str) -> float | None:
    scorer = _sentiment_scorer
    if scorer is None:
        return None
    try:
        return float(scorer(text))
    except Exception:  # an analyser's failure must not stop the chat; the bot goes on without it
        log.exception("The sentiment scorer failed; the chatbot goes on without it")
        return None


def bot_enabled(channel: Channel) -> bool:
    """On unless the channel's settings say {"bot": false} or CIM_BOT_ENABLED is off — and only
    when there is a published article to answer with (with an empty knowledge base a bot can
    only stand in the way)."""
    config = channel.config if isinstance(channel.config, dict) else {}
    if not config.get("bot", getattr(settings, "CIM_BOT_ENABLED", True)):
        return False
    return Article.objects.filter(status=ArticleStatus.PUBLISHED, category__is_active=True).exists()


def prefers_people(session: ChatSession) -> bool:
    customer = session.customer
    # An unverified claim only routes (a person answers sooner); it shows nothing of the
    # claimed customer's history.
    segment = customer.segment or (
        customer.claimed_customer.segment if customer.is_unverified else None
    )
    codes = getattr(settings, "CIM_BOT_PEOPLE_SEGMENTS", ["prefers-people"])
    return segment is not None and segment.code in codes


# --- the entry point -----------------------------------------------------------------------------


@transaction.atomic
def customer_writes(*, session: ChatSession, body: str, choice: str = "") -> list[ChatMessage]:
    """A customer's line and whatever the bot says to it. `choice` is the value of a button the
    widget offered (an article, yes / no); typed text works as well."""
    session = (
        # Only the session's row is locked (PostgreSQL cannot lock the nullable side of a join).
        ChatSession.objects.select_for_update(of=("self",))
        .select_related("channel", "channel__default_queue", "customer__segment", "interaction")
        .get(pk=session.pk)
    )
    if session.mode != ChatMode.BOT or session.ticket_id:
        return [chat.post_customer_line(session=session, body=body)]
    text = chat.clean_line(body)
    line = ChatMessage.objects.create(
        session=session,
        author_type=AuthorType.CUSTOMER,
        author_name=session.customer.name,
        body=text,
    )
    ChatSession.objects.filter(pk=session.pk).update(last_seen_at=timezone.now())
    turn = _Turn(session)
    turn.event("bot_question", stage=turn.state.get("stage", ASK))
    with translation.override(session.language):
        turn.respond(text, (choice or "")[:40])
    turn.save()
    return [line, *turn.lines]


class _Turn:
    """One customer line's worth of bot work on a locked session."""

    def __init__(self, session: ChatSession) -> None:
        self.session = session
        self.state: dict[str, Any] = dict(session.bot_state or {})
        self.lines: list[ChatMessage] = []
        self.interaction: Interaction = chat.ensure_interaction(session)
        self.action = Action.objects.filter(
            interaction=self.interaction, kind=ActionKind.BOT
        ).first() or record_action(interaction=self.interaction, kind=ActionKind.BOT)

    # --- records ---

    def event(self, kind: str, **data: Any) -> None:
        record_event(action=self.action, kind=kind, data=data)
        now = timezone.now()
        Action.objects.filter(pk=self.action.pk).update(ended_at=now)
        Interaction.objects.filter(pk=self.interaction.pk).update(ended_at=now)

    def say(self, body: str, **data: Any) -> None:
        self.lines.append(chat.post_bot_line(session=self.session, body=body, data=data))

    def outcome(self, outcome: str) -> None:
        Action.objects.filter(pk=self.action.pk).update(outcome=outcome)
        Interaction.objects.filter(pk=self.interaction.pk).update(outcome=outcome)

    def save(self) -> None:
        if self.state.get("stage") != DONE:
            ChatSession.objects.filter(pk=self.session.pk).update(bot_state=self.state)

    # --- the conversation ---

    def respond(self, text: str, choice: str) -> None:
        stage = self.state.get("stage", ASK)
        if stage == SLOTS:
            self.fill_slot(text, choice)
            return
        if prefers_people(self.session):
            self.remember(text)
            self.hand_off("segment", _("Let me put you through to one of our team."))
            return
        reply = " ".join(tokens(text))
        if stage == CONFIRM:
            if choice == "yes" or reply in slots.YES_WORDS:
                self.resolved()
                return
            if choice == "no" or reply in slots.NO_WORDS:
                self.hand_off(
                    "not_helpful",
                    _("I am sorry that did not help. Let me put you through to one of our team."),
                )
                return
        if stage == CLARIFY:
            options = [int(o) for o in self.state.get("options", [])]
            picked = self.pick(options, text, choice)
            if picked:
                self.event("bot_clarify_pick", article_id=picked)
                self.answer(picked)
                return
            if choice == NONE_CHOICE or reply in slots.NO_WORDS:
                self.hand_off("not_helpful", _("Let me put you through to one of our team, then."))
                return
        self.question(text)

    def remember(self, text: str) -> None:
        """The customer's own words about the problem, for the ticket; "talk to a human" alone
        says nothing about it."""
        folded = " ".join(tokens(text))
        for phrase in kb_bot.PERSON_REQUEST_PHRASES:
            folded = folded.replace(phrase, " ")
        if len([w for w in folded.split() if w not in STOPWORDS and w not in slots.FILLER]) >= 2:
            self.state.setdefault("questions", []).append(text[:500])
            self.state["questions"] = self.state["questions"][-5:]

    def question(self, text: str) -> None:
        try:
            decision = kb_bot.decide(
                question=text, language=self.session.language, sentiment=sentiment_of(text)
            )
        except KnowledgeBaseError as exc:
            self.say(exc.message)
            return
        self.remember(text)
        # The best article's category picks the queue, but only when the bot is sure of the
        # topic: a weak best match says nothing about where the question belongs.
        threshold = getattr(settings, "CIM_BOT_ANSWER_THRESHOLD", kb_bot.ANSWER_THRESHOLD)
        if decision.candidates and decision.candidates[0].score >= threshold:
            self.state["category"] = _category_of(decision.candidates[0].article_id)
        if decision.kind == "answer" and decision.article is not None:
            self.answer(decision.article.article_id, score=decision.article.score)
        elif decision.kind == "clarify":
            self.clarify(decision.candidates[:2], decision.message)
        else:
            self.hand_off(decision.reason, decision.message)

    def answer(self, article_id: int, *, score: float | None = None) -> None:
        article = (
            Article.objects.filter(
                pk=article_id, status=ArticleStatus.PUBLISHED, category__is_active=True
            )
            .select_related("category")
            .first()
        )
        if article is None:  # unpublished between the offer and the pick
            self.hand_off("not_confident", _("Let me put you through to one of our team."))
            return
        url = reverse("kb:article", kwargs={"slug": article.slug})
        excerpt = _excerpt(article.body)
        self.say(
            f"{article.title}\n{excerpt}\n{url}",
            link={"url": url, "title": article.title},
            excerpt=excerpt,
        )
        self.say(
            _("Did this answer your question?"),
            choices=[
                {"value": "yes", "label": _("Yes, thanks")},
                {"value": "no", "label": _("No, I need a person")},
            ],
        )
        self.state.update(stage=CONFIRM, article=article.pk, category=article.category.slug)
        self.event("bot_answer", article_id=article.pk, slug=article.slug, score=score)

    def clarify(self, candidates: list[kb_bot.Candidate], message: str) -> None:
        choices = [{"value": f"article:{c.article_id}", "label": c.title} for c in candidates]
        choices.append({"value": NONE_CHOICE, "label": _("Neither")})
        self.say(message, choices=choices)
        self.state.update(stage=CLARIFY, options=[c.article_id for c in candidates])
        self.event("bot_clarify", article_ids=[c.article_id for c in candidates])

    def pick(self, options: list[int], text: str, choice: str) -> int | None:
        if choice.startswith("article:") and choice[8:].isdigit() and int(choice[8:]) in options:
            return int(choice[8:])
        reply = " ".join(tokens(text))
        if reply.isdigit() and 1 <= int(reply) <= len(options):
            return options[int(reply) - 1]
        titles = dict(
            Article.objects.filter(pk__in=options).values_list("pk", "title").order_by("pk")
        )
        for pk in options:
            if reply and reply == " ".join(tokens(titles.get(pk, ""))):
                return pk
        return None

    def resolved(self) -> None:
        self.say(_("Glad I could help. If there is anything else, just write it here."))
        self.event("bot_resolved", article_id=self.state.get("article"))
        self.outcome(Outcome.RESOLVED)
        self.state.update(stage=ASK)
        self.state.pop("article", None)

    # --- the hand-over ---

    def hand_off(self, reason: str, message: str) -> None:
        session = self.session
        queue = _queue_for(session.channel, self.state.get("category") or "")
        questions = list(self.state.get("questions", []))
        values: dict[str, str] = {}
        if questions:
            values[slots.PROBLEM] = questions[0]
        number = next((n for n in map(slots.find_order_number, questions) if n), "")
        wanted = slots.slots_for(
            channel=session.channel,
            queue_code=queue.code,
            customer=session.customer,
            texts=questions,
        )
        if number and slots.looks_like_order(questions):
            values[slots.ORDER_NUMBER] = number
        # A segment that prefers people goes to a person at once, without questions.
        missing = [] if reason == "segment" else [s for s in wanted if s not in values]
        self.say(message)
        self.event("bot_handoff", reason=reason, queue=queue.code, slots=missing)
        self.state.update(
            stage=SLOTS, reason=reason, queue=queue.code, slots=missing, values=values, tries=0
        )
        self.next_slot_or_finish()

    def next_slot_or_finish(self) -> None:
        if self.state["slots"]:
            slot = self.state["slots"][0]
            self.say(slots.prompt(slot), choices=slots.prompt_choices(slot))
        else:
            self.finish()

    def fill_slot(self, text: str, choice: str = "") -> None:
        slot = self.state["slots"][0]
        answer = slots.check(slot, text, choice=choice)
        if answer.error:
            self.state["tries"] = self.state.get("tries", 0) + 1
            self.event("slot_invalid", slot=slot, tries=self.state["tries"])
            if self.state["tries"] < MAX_SLOT_ATTEMPTS:
                self.say(f"{answer.error} {slots.prompt(slot)}", choices=slots.prompt_choices(slot))
                return
        elif answer.note:
            # Not the answer but something the customer wants said: it goes on the ticket, and
            # the bot does not ask the same question again.
            self.event("slot_note", slot=slot)
            notes = self.state["values"].get(slots.NOTES, "")
            self.state["values"][slots.NOTES] = f"{notes}\n{answer.note}".strip()
            self.say(_("Noted, I will pass that on to our team."))
        elif answer.skipped:
            self.event("slot_skipped", slot=slot)
        else:
            self.event("slot_filled", slot=slot)
            self.state["values"][slot] = answer.value
            if slot == slots.CONTACT:
                self.keep_contact(answer.value)
        self.state["slots"] = self.state["slots"][1:]
        self.state["tries"] = 0
        self.next_slot_or_finish()

    def keep_contact(self, value: str) -> None:
        field = "email" if "@" in value else "phone"
        try:
            with transaction.atomic():
                update_customer(customer=self.session.customer, **{field: value})
        except CustomerError:
            # The address is another customer's: the ticket carries it in the text, but this
            # chat is not joined to that customer's record on a visitor's say-so.
            log.info("A chat contact belongs to another customer; kept on the ticket only")

    def finish(self) -> None:
        session = self.session
        queue = (
            Queue.objects.filter(code=self.state.get("queue"), is_active=True).first()
            or session.channel.default_queue
        )
        values = self.state.get("values", {})
        first_line = session.messages.filter(author_type=AuthorType.CUSTOMER).order_by("id")
        subject = values.get(slots.PROBLEM) or (first_line.first() or ChatMessage(body="")).body
        ticket = ticket_services.create_ticket(
            customer=session.customer,
            subject=" ".join(subject.split())[:80] or _("Chat"),
            body=_transcript(session, values),
            queue=queue,
            channel=ChannelKind.WEB_CHAT,
            language=session.language,
        )
        ChatSession.objects.filter(pk=session.pk).update(
            ticket=ticket, mode=ChatMode.HUMAN, bot_state={**self.state, "stage": DONE}
        )
        session.ticket = ticket
        Interaction.objects.filter(pk=self.interaction.pk).update(ticket=ticket)
        self.outcome(Outcome.TRANSFERRED)
        Interaction.objects.filter(pk=self.interaction.pk).update(outcome=Outcome.TICKET_OPENED)
        self.state["stage"] = DONE
        # The person's part of the chat starts here: the message action, its first event the
        # ticket's first message (the transcript).
        chat.record_chat_event(session, kind="chat_transcript", message=ticket.messages.first())
        self.say(
            _(
                "Thank you. I have passed your conversation to our team (request %(reference)s). "
                "Someone will answer here as soon as possible."
            )
            % {"reference": ticket.reference}
        )


def _excerpt(body: str) -> str:
    text = quick_plain_text(body)
    if len(text) <= EXCERPT_CHARS:
        return text
    return text[:EXCERPT_CHARS].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def _category_of(article_id: int) -> str:
    return (
        Article.objects.filter(pk=article_id).values_list("category__slug", flat=True).first() or ""
    )


def _queue_for(channel: Channel, category_slug: str) -> Queue:
    """The queue of the conversation's knowledge-base category (channel setting
    "bot_queue_by_category"), else the channel's default queue."""
    config = channel.config if isinstance(channel.config, dict) else {}
    mapping = config.get("bot_queue_by_category") or {}
    code = mapping.get(category_slug) if isinstance(mapping, dict) and category_slug else None
    if code:
        queue = Queue.objects.filter(code=code, is_active=True).first()
        if queue is not None:
            return queue
    return channel.default_queue


def _transcript(session: ChatSession, values: dict[str, str]) -> str:
    """The chat so far as the ticket's first message: what the customer and the bot said, then
    the answers to the hand-over questions."""
    names = {AuthorType.CUSTOMER: _("Customer"), AuthorType.BOT: _("Assistant")}
    lines = [
        f"{names.get(m.author_type, m.author_type)}: {m.body}"
        for m in session.messages.order_by("id")
    ]
    facts = [
        f"{slots.label(k)}: {v}"
        for k, v in values.items()
        if v and k in (*slots.SLOTS, slots.NOTES)
    ]
    text = _("Chat with the assistant:") + "\n\n" + "\n".join(lines)
    if facts:
        text += "\n\n" + "\n".join(facts)
    limit = settings.CIM_MESSAGE_MAX_CHARS
    if len(text) > limit:
        # The end says most about why a person is needed; the start is left out.
        text = _("[earlier lines left out]") + "\n" + text[-(limit - 200) :]
    return text
