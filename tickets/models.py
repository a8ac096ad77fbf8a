import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers.models import ChannelKind, Customer, Language

# Crockford's base32 without look-alikes (no I, L, O, U): easy to read out over the phone.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{body[:4]}-{body[4:]}"


class Skill(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Queue(models.Model):
    """A purpose-specific line (Sales, Complaints, Warranty) that work waits in."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    default_priority = models.PositiveSmallIntegerField(
        _("default priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    required_skills = models.ManyToManyField(
        Skill, blank=True, related_name="queues", verbose_name=_("required skills")
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_queues",
        verbose_name=_("queue lead"),
    )
    auto_assign = models.BooleanField(
        _("assign automatically"),
        default=True,
        help_text=_("Route new tickets to online agents with the skills, language and room."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")

    def __str__(self) -> str:
        return self.name


class InteractionReason(models.Model):
    """Two-level governed list: a category (no parent) holds reasons (parent = the category)."""

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("category"),
        limit_choices_to={"parent__isnull": True},
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    required_skills = models.ManyToManyField(
        Skill, blank=True, related_name="reasons", verbose_name=_("required skills")
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("interaction reason")
        verbose_name_plural = _("interaction reasons")

    def __str__(self) -> str:
        if self.parent_id:
            return f"{self.parent.name} › {self.name}"
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "vi").startswith("en") else self.name_vi

    @property
    def is_category(self) -> bool:
        return self.parent_id is None

    def clean(self) -> None:
        if self.parent_id is not None:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": _("A reason cannot be its own category.")})
            if self.parent.parent_id is not None:
                raise ValidationError(
                    {
                        "parent": _(
                            "Pick a category (a reason without a parent); the list has two levels."
                        )
                    }
                )
            if self.pk and self.children.exists():
                raise ValidationError(
                    {
                        "parent": _(
                            "This is a category with reasons under it; it cannot get a parent."
                        )
                    }
                )


class Tag(models.Model):
    name = models.SlugField(_("name"), max_length=50, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Presence(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class AgentProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile"
    )
    queues = models.ManyToManyField(
        Queue, blank=True, related_name="agents", verbose_name=_("queues")
    )
    skills = models.ManyToManyField(
        Skill, blank=True, related_name="agents", verbose_name=_("skills")
    )
    languages = models.JSONField(
        _("languages"), default=list, blank=True, help_text=_('Language codes, e.g. ["vi", "en"].')
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=10, help_text=_("Most open tickets at once.")
    )
    presence = models.CharField(
        _("presence"), max_length=10, choices=Presence.choices, default=Presence.OFFLINE
    )
    presence_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When routing last gave this agent a ticket: the longest idle agent goes first.
    last_assigned_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")

    def __str__(self) -> str:
        return str(self.user)

    def clean(self) -> None:
        codes = {code for code, _label in Language.choices}
        if not isinstance(self.languages, list) or any(
            lang not in codes for lang in self.languages
        ):
            raise ValidationError(
                {
                    "languages": _("Give a list of language codes from: %s.")
                    % ", ".join(sorted(codes))
                }
            )


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending (waiting on customer)")
    ON_HOLD = "on_hold", _("On hold (waiting on a third party)")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD)


class Ticket(models.Model):
    """An experience: everything that shares one purpose (a problem raised and solved)."""

    reference = models.CharField(
        _("reference"), max_length=9, unique=True, default=new_reference, editable=False
    )
    subject = models.CharField(_("subject"), max_length=255)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("customer")
    )
    queue = models.ForeignKey(
        Queue, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("queue")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    reason = models.ForeignKey(
        InteractionReason,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("reason"),
    )
    channel = models.CharField(
        _("origin channel"),
        max_length=20,
        choices=ChannelKind.choices,
        default=ChannelKind.WEB_FORM,
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.VI
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets", verbose_name=_("tags"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    # SLA clocks, kept by tickets.sla on every transition. Targets are copied from the policy when
    # the ticket is created, so a later policy edit applies to new tickets only.
    sla_policy = models.ForeignKey(
        "SLAPolicy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("SLA policy"),
    )
    sla_targets = models.JSONField(default=dict, blank=True, editable=False)
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    first_response_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_response_due_at = models.DateTimeField(_("next response due"), null=True, blank=True)
    next_response_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_paused_at = models.DateTimeField(_("SLA paused since"), null=True, blank=True)
    sla_breached = models.BooleanField(_("SLA breached"), default=False)
    # The earliest warning or due time still to act on; the sweep's one indexed query reads it.
    sla_next_check_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["queue", "status", "-created_at"], name="ticket_queue_status"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["customer", "-created_at"], name="ticket_customer_recent"),
            models.Index(fields=["status", "-created_at"], name="ticket_status_recent"),
            models.Index(
                fields=["sla_next_check_at"],
                name="ticket_sla_next_check",
                condition=models.Q(sla_next_check_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.reference}] {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketIdempotencyKey(models.Model):
    """Which ticket a client's Idempotency-Key created, so a retry returns the same one."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="uniq_idempotency_owner_key")
        ]


class MessageKind(models.TextChoices):
    PUBLIC = "public", _("Public reply")
    INTERNAL = "internal", _("Internal note")
    SYSTEM = "system", _("System")


class AuthorType(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    BOT = "bot", _("Bot")
    SYSTEM = "system", _("System")


class TicketMessage(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    author_type = models.CharField(_("author type"), max_length=10, choices=AuthorType.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("agent"),
    )
    author_customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("customer"),
    )
    body = models.TextField(_("text"))
    channel = models.CharField(_("channel"), max_length=20, choices=ChannelKind.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id}"

    @property
    def is_public(self) -> bool:
        return self.kind == MessageKind.PUBLIC


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name is random; the customer's file name is kept in a field and never trusted
    # as a path.
    return f"attachments/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class Attachment(models.Model):
    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


# --- SLA: calendars, policies, events ---------------------------------------------------------


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def validate_time_zone(value: str) -> None:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("“%(zone)s” is not a time zone. Use a name such as Asia/Ho_Chi_Minh."),
            params={"zone": value},
        ) from None


def validate_holiday_country(value: str) -> None:
    import holidays

    if value and value.upper() not in holidays.list_supported_countries():
        raise ValidationError(
            _("No public holiday list for country code “%(code)s”. Use e.g. VN."),
            params={"code": value},
        )


class BusinessCalendar(models.Model):
    """Opening hours in a time zone, minus public holidays of a country and custom closed dates."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Ho_Chi_Minh", validators=[validate_time_zone]
    )
    always_open = models.BooleanField(
        _("open 24/7"), default=False, help_text=_("Ignore opening hours and holidays.")
    )
    holiday_country = models.CharField(
        _("public holidays of"),
        max_length=3,
        blank=True,
        default="VN",
        validators=[validate_holiday_country],
        help_text=_("ISO country code whose public holidays (incl. lunar Tết for VN) are closed."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(
        _("closes"), help_text=_("00:00 means midnight at the end of the day.")
    )

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    @property
    def minutes(self) -> tuple[int, int]:
        start = self.opens.hour * 60 + self.opens.minute
        end = self.closes.hour * 60 + self.closes.minute
        return start, end or 24 * 60

    def clean(self) -> None:
        if self.opens is not None and self.closes is not None:
            start, end = self.minutes
            if end <= start:
                raise ValidationError(
                    {"closes": _("Closing time must come after opening time (00:00 = midnight).")}
                )


class ClosedDate(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="closed")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("closed date")
        verbose_name_plural = _("closed dates")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="uniq_closed_date")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


def default_pause_statuses() -> list[str]:
    return [TicketStatus.PENDING]


class SLAPolicy(models.Model):
    """Targets for a set of tickets. The first active policy (by position) whose conditions all
    match a new ticket applies; an empty condition matches everything."""

    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("precedence"), default=100, help_text=_("Lower wins."))
    is_active = models.BooleanField(_("active"), default=True)
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("calendar"),
    )
    queues = models.ManyToManyField(Queue, blank=True, related_name="+", verbose_name=_("queues"))
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    segments = models.ManyToManyField(
        "customers.Segment", blank=True, related_name="+", verbose_name=_("customer segments")
    )
    channels = models.JSONField(_("channels"), default=list, blank=True)
    pause_statuses = models.JSONField(
        _("statuses that pause the clock"), default=default_pause_statuses, blank=True
    )
    warning_percent = models.PositiveSmallIntegerField(
        _("warning at this percentage of the target"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    escalate_raise_priority = models.BooleanField(_("raise priority on breach"), default=True)
    escalate_to_queue = models.ForeignKey(
        Queue,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("move to queue on breach"),
    )
    escalate_notify = models.BooleanField(_("email assignee and queue lead"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if not isinstance(self.priorities, list) or any(
            p not in Priority.values for p in self.priorities
        ):
            errors["priorities"] = _("Give a list of priorities from: %s.") % ", ".join(
                str(v) for v in Priority.values
            )
        if not isinstance(self.channels, list) or any(
            c not in ChannelKind.values for c in self.channels
        ):
            errors["channels"] = _("Give a list of channel kinds from: %s.") % ", ".join(
                ChannelKind.values
            )
        pausable = {TicketStatus.PENDING, TicketStatus.ON_HOLD}
        if not isinstance(self.pause_statuses, list) or any(
            s not in pausable for s in self.pause_statuses
        ):
            errors["pause_statuses"] = _("Only pending and on_hold can pause the clock.")
        if errors:
            raise ValidationError(errors)


class SLATarget(models.Model):
    """Targets for one priority, in business minutes of the policy's calendar."""

    policy = models.ForeignKey(SLAPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(
        _("first response (min)"), validators=[MinValueValidator(1)]
    )
    next_response_minutes = models.PositiveIntegerField(
        _("next response (min)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (min)"), validators=[MinValueValidator(1)]
    )

    class Meta:
        ordering = ["-priority"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="uniq_sla_target_priority"),
            models.CheckConstraint(
                condition=models.Q(first_response_minutes__gt=0, resolution_minutes__gt=0),
                name="sla_target_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.get_priority_display()}"


class SLAMetric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


class SLAEventKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    BREACH = "breach", _("Breach")


class SLAEvent(models.Model):
    """A warning or breach of one metric at one due time: recorded exactly once (unique key), so
    two sweeps, or two workers, can never record it twice."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_events")
    metric = models.CharField(_("metric"), max_length=20, choices=SLAMetric.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=SLAEventKind.choices)
    due_at = models.DateTimeField(_("due"))
    # Who held the ticket when it happened (escalation may move it right after).
    queue = models.ForeignKey(
        Queue, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("queue")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assignee"),
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    # Set when the escalation mail has been handed to the mail server.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("SLA event")
        verbose_name_plural = _("SLA events")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "metric", "kind", "due_at"], name="uniq_sla_event"
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="sla_event_unnotified",
                condition=models.Q(notified_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} {self.get_kind_display()} on {self.ticket_id}"


from .models_activity import Activity, ActivityKind  # noqa: E402, F401 - registers the models
