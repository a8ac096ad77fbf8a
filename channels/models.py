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
        indexes = [models.Index(fields=["status", "due_at"], name="outbound_status_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to_address}"
