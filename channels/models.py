from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import ChannelKind, Customer
from tickets.models import InteractionReason, Queue, Ticket, TicketMessage


class Channel(models.Model):
    """One inbox of one kind: the support mailbox, the Zalo OA, the hotline, the web form."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices)
    default_queue = models.ForeignKey(
        Queue, on_delete=models.PROTECT, related_name="+", verbose_name=_("default queue")
    )
    address = models.CharField(
        _("address"), max_length=255, blank=True, help_text=_("Mailbox, phone number or page id.")
    )
    # What the customer sees in From on every mail about a ticket of this inbox; blank: the
    # channel's name and address. Replies still go to the address above (the mailbox intake reads).
    sender_name = models.CharField(
        _("sender name"),
        max_length=120,
        blank=True,
        help_text=_("Shown as the sender of mails to customers; blank: the channel's name."),
    )
    sender_address = models.EmailField(
        _("sender address"),
        blank=True,
        help_text=_("From address of mails to customers; blank: the channel's address."),
    )
    config = models.JSONField(_("settings"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        indexes = [models.Index(fields=["kind", "is_active"], name="channel_kind_active")]

    def __str__(self) -> str:
        return self.name


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Outcome(models.TextChoices):
    NONE = "", _("—")
    RESOLVED = "resolved", _("Resolved")
    INFO_GIVEN = "info_given", _("Information given")
    TICKET_OPENED = "ticket_opened", _("Ticket opened")
    TRANSFERRED = "transferred", _("Transferred")
    CALLBACK = "callback", _("Call-back promised")
    ABANDONED = "abandoned", _("Abandoned")
    RETAINED = "retained", _("Customer retained")


class Interaction(models.Model):
    """Everything the customer did in one go to reach a goal (one call, one chat, one email)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="interactions", verbose_name=_("customer")
    )
    ticket = models.ForeignKey(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
        verbose_name=_("ticket"),
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="interactions", verbose_name=_("channel")
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INBOUND
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("agent"),
    )
    reason = models.ForeignKey(
        InteractionReason,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="interactions",
        verbose_name=_("reason"),
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, blank=True, default=Outcome.NONE
    )
    # The channel's own id (Message-ID, call id, chat session id): one interaction per id.
    external_id = models.CharField(_("channel's id"), max_length=255, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="uniq_interaction_channel_external_id",
            )
        ]
        indexes = [
            models.Index(fields=["customer", "-started_at"], name="interaction_customer_recent"),
            models.Index(fields=["ticket", "started_at"], name="interaction_ticket_time"),
            models.Index(fields=["started_at"], name="interaction_started"),
            # The unique constraint above is partial, and SQLite cannot use a partial index for
            # "external_id = ?" lookups; this one makes the dedupe lookup indexed everywhere.
            models.Index(fields=["channel", "external_id"], name="interaction_channel_extid"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} · {self.started_at:%Y-%m-%d %H:%M}"


class ActionKind(models.TextChoices):
    IVR = "ivr", _("IVR session")
    AGENT = "agent", _("Conversation with an agent")
    BOT = "bot", _("Chatbot conversation")
    MESSAGE = "message", _("Message")
    WEB = "web", _("Web session")
    QUEUE = "queue", _("Waiting in a queue")


class Action(models.Model):
    """One contact with one system inside an interaction (an IVR session, a talk with an agent)."""

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("kind"), max_length=20, choices=ActionKind.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("agent"),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        indexes = [
            models.Index(fields=["interaction", "started_at"], name="action_interaction_time")
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class Event(models.Model):
    """One atomic touch: a key press, a page view, one message."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="events")
    # Denormalised so journey counts need no join through actions.
    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=40)
    data = models.JSONField(_("data"), default=dict, blank=True)
    message = models.ForeignKey(
        TicketMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["interaction", "occurred_at"], name="event_interaction_time")
        ]

    def __str__(self) -> str:
        return self.kind


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundMessage(models.Model):
    """A message to a customer that must leave: written in the transaction that caused it, sent by
    a worker after commit, and found again by the beat sweep if the enqueue was lost."""

    kind = models.CharField(_("channel kind"), max_length=20, choices=ChannelKind.choices)
    # The inbox it leaves from (its credentials, its address); None: the site's default mailer.
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="outbound_messages"
    )
    # The reply this delivers, if any: one delivery per reply, however often the hook runs.
    message = models.OneToOneField(
        TicketMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="delivery"
    )
    to_address = models.CharField(_("to"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"))
    headers = models.JSONField(default=dict, blank=True)
    # An email's Message-ID: a customer's answer naming it in In-Reply-To or References threads
    # onto this ticket, whether it answers a reply, the receipt or the survey invitation.
    email_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    due_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        indexes = [
            models.Index(fields=["status", "due_at"], name="outbound_status_due"),
            # The sweep finds claims whose lease expired (a worker died between claim and send).
            models.Index(
                fields=["claimed_at"], name="outbound_sending_lease", condition=Q(status="sending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to_address}"


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")


class InboundMessage(models.Model):
    """Raw input exactly as a channel delivered it (MIME bytes, one webhook event, one PBX event),
    saved before anything is done with it. A worker turns it into customers, tickets and journey
    records; until then, and after a failure, it waits here and can be processed again."""

    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="inbound", verbose_name=_("channel")
    )
    # The channel's own id (Message-ID, webhook event id, PBX event id): the same input twice is
    # one row.
    external_id = models.CharField(_("channel's id"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=60)
    source = models.CharField(_("source"), max_length=20, blank=True)
    raw = models.BinaryField(_("raw input"))
    status = models.CharField(
        _("status"), max_length=10, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="uniq_inbound_channel_external_id"
            )
        ]
        indexes = [
            # The sweep reads only the rows still waiting.
            models.Index(
                fields=["received_at"],
                name="inbound_waiting",
                condition=Q(status="received"),
            ),
            models.Index(fields=["status", "-received_at"], name="inbound_status_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} · {self.external_id[:60]}"


class ChannelMessage(models.Model):
    """A ticket message as a channel knows it: its Message-ID and References for email threading,
    the platform's message id for Zalo and Messenger, the sanitised HTML of an email."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="channel_messages")
    message = models.ForeignKey(
        TicketMessage, on_delete=models.CASCADE, related_name="channel_links"
    )
    direction = models.CharField(max_length=10, choices=Direction.choices)
    external_id = models.CharField(max_length=255, db_index=True)
    references = models.TextField(blank=True)
    html = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="uniq_channelmessage_external_id"
            )
        ]
        indexes = [models.Index(fields=["ticket", "created_at"], name="chanmsg_ticket_time")]

    def __str__(self) -> str:
        return self.external_id


class ChatStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ChatMode(models.TextChoices):
    BOT = "bot", _("With the chatbot")
    HUMAN = "human", _("With a person")


class ChatSession(models.Model):
    """One web chat conversation, bound to the browser that started it. It starts with the
    chatbot (mode "bot") when there is a knowledge base to answer from; the hand-over to a person
    opens the ticket and switches the mode to "human"."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="chat_sessions")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="chat_sessions")
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="chat_sessions"
    )
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # SHA-256 of the random key in the browser's signed cookie; never the key itself.
    browser_key_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=ChatStatus.choices, default=ChatStatus.OPEN)
    language = models.CharField(max_length=2, default="vi")
    mode = models.CharField(
        _("mode"), max_length=10, choices=ChatMode.choices, default=ChatMode.BOT
    )
    # Where the bot's conversation stands (stage, offered articles, slots asked and filled);
    # written only by channels.chatbot under the session's row lock.
    bot_state = models.JSONField(_("chatbot state"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("chat session")
        verbose_name_plural = _("chat sessions")
        indexes = [models.Index(fields=["ticket", "status"], name="chat_ticket_status")]

    def __str__(self) -> str:
        return f"chat #{self.pk}"


class ChatMessage(models.Model):
    """One line of a chat. The author may be the customer, an agent or a bot, so a chatbot can
    talk in the same session before (or instead of) a person."""

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="messages")
    author_type = models.CharField(max_length=10)  # tickets.models.AuthorType values
    author_name = models.CharField(max_length=150, blank=True)
    body = models.TextField()
    ticket_message = models.OneToOneField(
        TicketMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="chat_line"
    )
    # For bot lines: the article link and the answers offered as buttons ({"link": {...},
    # "choices": [{"value": ..., "label": ...}]}). Plain data; the widget renders it as text.
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["session", "id"], name="chatmsg_session_id")]

    def __str__(self) -> str:
        return self.body[:40]
