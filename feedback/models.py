"""Surveys (CSAT after a solved ticket, NPS to a segment, CES after chosen reasons), their
invitations and answers, sentiment of customer messages, and quality reviews.

Everything the feedback work needs to know about tickets, queues and customers is kept here,
keyed by their rows, so the tickets and customers apps stay unaware of surveys."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import ChannelKind, Customer, Segment
from tickets.models import InteractionReason, Queue, Ticket, TicketMessage


class SurveyKind(models.TextChoices):
    CSAT = "csat", _("Customer satisfaction (CSAT)")
    NPS = "nps", _("Net promoter score (NPS)")
    CES = "ces", _("Customer effort score (CES)")


# (lowest, highest) answer of each scale.
SCALES = {SurveyKind.CSAT: (1, 5), SurveyKind.NPS: (0, 10), SurveyKind.CES: (1, 7)}


class LowScoreAction(models.TextChoices):
    NONE = "none", _("Do nothing")
    REOPEN = "reopen", _("Reopen the ticket")
    ALERT = "alert", _("Alert the queue lead")


class NegativeSentimentAction(models.TextChoices):
    NONE = "none", _("Do nothing")
    RAISE_PRIORITY = "raise_priority", _("Raise the ticket's priority")
    ALERT = "alert", _("Alert the queue lead")


class QueueSurveySettings(models.Model):
    """Per-queue survey and sentiment rules. A queue without a row uses the defaults."""

    queue = models.OneToOneField(
        Queue, on_delete=models.CASCADE, related_name="survey_settings", verbose_name=_("queue")
    )
    csat_enabled = models.BooleanField(_("send CSAT surveys"), default=True)
    delay_minutes = models.PositiveIntegerField(
        _("wait after solving (minutes)"), default=60, validators=[MaxValueValidator(60 * 24 * 30)]
    )
    quiet_days = models.PositiveSmallIntegerField(
        _("at most one survey per customer in (days)"), default=30
    )
    low_score_threshold = models.PositiveSmallIntegerField(
        _("low CSAT is at or below"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    low_score_action = models.CharField(
        _("on a low CSAT"),
        max_length=10,
        choices=LowScoreAction.choices,
        default=LowScoreAction.ALERT,
    )
    negative_threshold = models.FloatField(
        _("very negative is a score at or below"),
        default=-0.6,
        validators=[MinValueValidator(-1.0), MaxValueValidator(0.0)],
    )
    negative_action = models.CharField(
        _("on a very negative message"),
        max_length=20,
        choices=NegativeSentimentAction.choices,
        default=NegativeSentimentAction.RAISE_PRIORITY,
    )

    class Meta:
        verbose_name = _("queue survey settings")
        verbose_name_plural = _("queue survey settings")

    def __str__(self) -> str:
        return str(self.queue)


class CESReason(models.Model):
    """Tickets solved with one of these reasons get a CES survey ("how easy was it?") instead of
    CSAT: one question per contact, not two."""

    reason = models.OneToOneField(
        InteractionReason,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"parent__isnull": False},
        verbose_name=_("reason"),
    )

    class Meta:
        verbose_name = _("CES reason")
        verbose_name_plural = _("CES reasons")

    def __str__(self) -> str:
        return str(self.reason)


class SurveyPreference(models.Model):
    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="survey_preference"
    )
    opted_out = models.BooleanField(_("no surveys"), default=False)
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("survey preference")
        verbose_name_plural = _("survey preferences")

    def __str__(self) -> str:
        return f"{self.customer}: {'out' if self.opted_out else 'in'}"


class SurveyCampaign(models.Model):
    """A relationship survey (NPS) to a segment, run on demand or every `repeat_days`."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("survey"), max_length=5, choices=SurveyKind.choices, default=SurveyKind.NPS
    )
    segment = models.ForeignKey(
        Segment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("segment"),
        help_text=_("Empty: every customer."),
    )
    repeat_days = models.PositiveSmallIntegerField(
        _("repeat every (days)"), null=True, blank=True, help_text=_("Empty: on demand only.")
    )
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        indexes = [
            models.Index(
                fields=["next_run_at"],
                name="campaign_next_run",
                condition=Q(next_run_at__isnull=False, is_active=True),
            )
        ]

    def __str__(self) -> str:
        return self.name


class InvitationStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Sent")
    RESPONDED = "responded", _("Answered")
    CANCELLED = "cancelled", _("Cancelled")
    SKIPPED = "skipped", _("Not sent")
    # Sent, but the channel never delivered it (the outbox gave up): not counted as sent.
    FAILED = "failed", _("Not delivered")


ACTIVE_INVITATION = (InvitationStatus.SCHEDULED, InvitationStatus.SENT, InvitationStatus.RESPONDED)


class SkipReason(models.TextChoices):
    NONE = "", _("—")
    OPTED_OUT = "opted_out", _("Customer opted out")
    AUTOMATED = "automated", _("Ticket came from an automated message")
    MERGED_OR_SPAM = "merged_or_spam", _("Ticket was merged or spam")
    RECENT = "recent", _("Customer was surveyed recently")
    NO_ADDRESS = "no_address", _("No address on the customer's channel")
    REOPENED = "reopened", _("Ticket was reopened")
    DISABLED = "disabled", _("Surveys are off for the queue")


class SurveyInvitation(models.Model):
    """One survey to one customer: a row with a due time that the beat sweep sends. The link's
    token is kept only as its SHA-256; the token itself exists in the message sent."""

    kind = models.CharField(_("survey"), max_length=5, choices=SurveyKind.choices)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="survey_invitations"
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="survey_invitations"
    )
    campaign = models.ForeignKey(
        SurveyCampaign,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations",
    )
    # Who and what the survey is about, copied when it is scheduled, so reports stay true after
    # a ticket moves queue or the customer changes segment.
    queue = models.ForeignKey(
        Queue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.ForeignKey(
        InteractionReason, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=ChannelKind.choices, default=ChannelKind.EMAIL
    )
    language = models.CharField(_("language"), max_length=2, default="vi")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.SCHEDULED,
    )
    skip_reason = models.CharField(
        _("why not sent"), max_length=20, choices=SkipReason.choices, blank=True, default=""
    )
    due_at = models.DateTimeField(_("send at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires"), null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    outbound = models.ForeignKey(
        "channels.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            # One live survey of a kind per ticket, however often the solved signal arrives.
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=Q(status__in=["scheduled", "sent", "responded"], ticket__isnull=False),
                name="uniq_live_invitation_per_ticket",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="invitation_due",
                condition=Q(status="scheduled"),
            ),
            models.Index(fields=["customer", "sent_at"], name="invitation_customer_sent"),
            models.Index(fields=["kind", "sent_at"], name="invitation_kind_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.customer}"

    @property
    def scale(self) -> tuple[int, int]:
        return SCALES[SurveyKind(self.kind)]


class SentimentLabel(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class SurveyResponse(models.Model):
    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.CASCADE, related_name="response"
    )
    score = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(10)])
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("answered"), default=timezone.now)
    # Sentiment of the comment, filled by the sentiment task (empty comment → none).
    sentiment_pending = models.BooleanField(default=False)
    sentiment = models.CharField(
        _("comment sentiment"), max_length=10, choices=SentimentLabel.choices, blank=True
    )
    sentiment_score = models.FloatField(_("sentiment score"), null=True, blank=True)
    sentiment_version = models.CharField(max_length=60, blank=True)
    action_taken = models.CharField(_("action taken"), max_length=20, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [
            models.Index(
                fields=["created_at"],
                name="response_sentiment_pending",
                condition=Q(sentiment_pending=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.score} ({self.invitation})"


class MessageSentiment(models.Model):
    """The sentiment of one customer message. Written as pending in the transaction that adds
    the message; the sentiment task fills it in."""

    message = models.OneToOneField(
        TicketMessage, on_delete=models.CASCADE, related_name="sentiment", primary_key=True
    )
    # Copied so a ticket's trend and a customer's summary are one indexed query each.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, null=True, on_delete=models.SET_NULL, related_name="+")
    pending = models.BooleanField(default=True)
    label = models.CharField(
        _("sentiment"), max_length=10, choices=SentimentLabel.choices, blank=True
    )
    score = models.FloatField(_("score"), null=True, blank=True)
    analyser_version = models.CharField(_("analyser"), max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    analysed_at = models.DateTimeField(null=True, blank=True)
    action_taken = models.CharField(_("action taken"), max_length=20, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("message sentiment")
        verbose_name_plural = _("message sentiments")
        indexes = [
            models.Index(
                fields=["created_at"], name="sentiment_pending", condition=Q(pending=True)
            ),
            models.Index(fields=["ticket", "created_at"], name="sentiment_ticket_time"),
            models.Index(fields=["customer", "created_at"], name="sentiment_customer_time"),
        ]

    def __str__(self) -> str:
        return f"{self.label or 'pending'} ({self.message_id})"


class Alert(models.Model):
    """A note for a queue lead (low CSAT, very negative message), e-mailed after commit."""

    kind = models.CharField(max_length=20)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("feedback alert")
        verbose_name_plural = _("feedback alerts")
        indexes = [
            models.Index(
                fields=["created_at"], name="alert_unsent", condition=Q(emailed_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.ticket_id}"


# --- Quality assurance ------------------------------------------------------------------------


class Scorecard(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("QA scorecard")
        verbose_name_plural = _("QA scorecards")

    def __str__(self) -> str:
        return self.name


class ScorecardCriterion(models.Model):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=200)
    description = models.TextField(_("what good looks like"), blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    max_points = models.PositiveSmallIntegerField(
        _("highest score"), default=5, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "name"], name="uniq_criterion_name"),
            models.CheckConstraint(
                condition=Q(weight__gte=1, max_points__gte=1), name="criterion_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class QAReview(models.Model):
    """A supervisor's review of an agent's handling of a ticket (or one interaction of it)."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="reviews")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="qa_reviews")
    interaction = models.ForeignKey(
        "channels.Interaction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="qa_reviews",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="qa_reviews_received",
        verbose_name=_("agent"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="qa_reviews_given",
        verbose_name=_("reviewer"),
    )
    comment = models.TextField(_("comment"), blank=True)
    # Weighted result in percent, computed by the service from the scores.
    total_percent = models.DecimalField(_("result (%)"), max_digits=5, decimal_places=1)
    created_at = models.DateTimeField(_("reviewed"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("QA review")
        verbose_name_plural = _("QA reviews")
        indexes = [models.Index(fields=["agent", "created_at"], name="qa_review_agent_time")]

    def __str__(self) -> str:
        return f"{self.agent} · {self.ticket.reference if self.ticket_id else ''}"


class QAScore(models.Model):
    review = models.ForeignKey(QAReview, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(ScorecardCriterion, on_delete=models.PROTECT, related_name="+")
    points = models.PositiveSmallIntegerField(_("points"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["criterion__position", "criterion_id"]
        verbose_name = _("QA score")
        verbose_name_plural = _("QA scores")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="uniq_score_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.points}"
