import secrets
from typing import Any

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
    notify_by_email = models.BooleanField(
        _("email me my notifications"),
        default=False,
        help_text=_("Also send an email when a ticket is assigned to me or a customer answers."),
    )

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
    # Reference, subject and customer folded for accent-insensitive search (tickets.search).
    search_text = models.TextField(default="", blank=True, editable=False)
    # Set when this ticket was merged into another: its reference leads there (tickets.relations).
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_tickets",
        editable=False,
        verbose_name=_("merged into"),
    )

    history = HistoricalRecords(excluded_fields=["search_text"])

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
            # Saved views' counts (tickets.saved_views): each view's filter meets one of these.
            models.Index(
                fields=["queue", "status"],
                name="ticket_unassigned",
                condition=models.Q(assignee__isnull=True),
            ),
            models.Index(
                fields=["queue", "updated_at"],
                name="ticket_pending_since",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["queue", "status"],
                name="ticket_breached",
                condition=models.Q(sla_breached=True),
            ),
            models.Index(
                fields=["first_response_due_at"],
                name="ticket_first_due",
                condition=models.Q(first_responded_at__isnull=True),
            ),
            models.Index(
                fields=["next_response_due_at"],
                name="ticket_next_due",
                condition=models.Q(next_response_due_at__isnull=False),
            ),
            models.Index(
                fields=["resolution_due_at"],
                name="ticket_resolution_due",
                condition=models.Q(solved_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.reference}] {self.subject}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A derived column, not a side effect: kept with the row it describes so every way a
        # ticket is written (services, factories, a merge moving it) leaves it searchable.
        fields = kwargs.get("update_fields")
        if self._state.adding or fields is None and not self.search_text:
            self._fill_search_text()
        elif fields is not None and {"subject", "customer", "customer_id"} & set(fields):
            self._fill_search_text()
            kwargs["update_fields"] = {*fields, "search_text"}
        super().save(*args, **kwargs)

    def _fill_search_text(self) -> None:
        from .search import ticket_search_text

        self.search_text = ticket_search_text(
            reference=self.reference, subject=self.subject, customer=self.customer
        )

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


# --- Macros: canned answers with actions, and agents' signatures (tickets.macros) -------------


class MacroVisibility(models.TextChoices):
    PERSONAL = "personal", _("Personal (only me)")
    QUEUE = "queue", _("Agents of a queue")
    EVERYONE = "everyone", _("Everyone")


class MacroAssign(models.TextChoices):
    NONE = "", _("Leave the assignee")
    ME = "me", _("The agent applying the macro")
    AGENT = "agent", _("A named agent")


def validate_macro_text(value: str) -> None:
    from .macros import check_placeholders

    check_placeholders(value)


class Macro(models.Model):
    """A canned answer (in both languages, with a few placeholders) and the ticket changes that
    go with it; applied by tickets.macros.apply_macro."""

    name_vi = models.CharField(_("name (Vietnamese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    visibility = models.CharField(
        _("visible to"),
        max_length=10,
        choices=MacroVisibility.choices,
        default=MacroVisibility.PERSONAL,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
        verbose_name=_("owner"),
    )
    queue = models.ForeignKey(
        Queue,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
        verbose_name=_("for the agents of queue"),
    )
    reply_vi = models.TextField(
        _("reply (Vietnamese)"), blank=True, validators=[validate_macro_text]
    )
    reply_en = models.TextField(_("reply (English)"), blank=True, validators=[validate_macro_text])
    set_status = models.CharField(
        _("set status"), max_length=10, choices=TicketStatus.choices, blank=True
    )
    set_priority = models.PositiveSmallIntegerField(
        _("set priority"), choices=Priority.choices, null=True, blank=True
    )
    set_queue = models.ForeignKey(
        Queue,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("move to queue"),
    )
    set_reason = models.ForeignKey(
        InteractionReason,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("set reason"),
        limit_choices_to={"parent__isnull": False, "is_active": True},
    )
    add_tags = models.CharField(
        _("add tags"), max_length=255, blank=True, help_text=_("Separated by commas.")
    )
    remove_tags = models.CharField(
        _("remove tags"), max_length=255, blank=True, help_text=_("Separated by commas.")
    )
    assign = models.CharField(
        _("assign to"), max_length=5, choices=MacroAssign.choices, blank=True, default=""
    )
    assign_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("named agent"),
        limit_choices_to={"is_staff": True, "is_active": True},
    )
    send_at_once = models.BooleanField(
        _("send at once"),
        default=False,
        help_text=_("Send the reply when applied; otherwise it goes into the reply box to edit."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    usage_count = models.PositiveIntegerField(_("times used"), default=0, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    history = HistoricalRecords(excluded_fields=["usage_count", "last_used_at"])

    class Meta:
        ordering = ["-usage_count", "name_vi", "id"]
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        indexes = [models.Index(fields=["visibility", "is_active"], name="macro_visibility")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "vi").startswith("en") and self.name_en:
            return self.name_en
        return self.name_vi

    def tag_list(self, field: str) -> list[str]:
        return [t.strip() for t in getattr(self, field).split(",") if t.strip()]

    @property
    def has_actions(self) -> bool:
        return bool(
            self.set_status
            or self.set_priority
            or self.set_queue_id
            or self.set_reason_id
            or self.add_tags.strip()
            or self.remove_tags.strip()
            or self.assign
        )

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.visibility == MacroVisibility.PERSONAL and not self.owner_id:
            errors["owner"] = _("A personal macro needs an owner.")
        if self.visibility == MacroVisibility.QUEUE and not self.queue_id:
            errors["queue"] = _("Pick the queue whose agents may use this macro.")
        if self.assign == MacroAssign.AGENT and not self.assign_agent_id:
            errors["assign_agent"] = _("Pick the agent to assign to.")
        if self.assign != MacroAssign.AGENT and self.assign_agent_id:
            errors["assign_agent"] = _("Choose “A named agent” to assign to this agent.")
        if errors:
            raise ValidationError(errors)


class AgentSignature(models.Model):
    """Appended to the agent's public replies, in the reply's language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="agent_signature",
        verbose_name=_("agent"),
    )
    signature_vi = models.TextField(_("signature (Vietnamese)"), blank=True, max_length=1000)
    signature_en = models.TextField(_("signature (English)"), blank=True, max_length=1000)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")

    def __str__(self) -> str:
        return str(self.user)

    def for_language(self, language: str) -> str:
        own = self.signature_en if language == "en" else self.signature_vi
        return (own or self.signature_vi or self.signature_en).strip()


# --- Ticket relations and agent notifications (agent workspace) --------------------------------
class LinkKind(models.TextChoices):
    RELATED = "related", _("Related")
    DUPLICATE = "duplicate", _("Duplicate of")
    CAUSED_BY = "caused_by", _("Caused by")


class TicketLink(models.Model):
    """A link between two tickets, shown on both. One row per pair, whichever side it was made
    from (the link service replaces a link in the other direction); `kind` reads from
    `from_ticket`: from_ticket is a duplicate of / caused by to_ticket."""

    from_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    to_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(
        _("kind"), max_length=12, choices=LinkKind.choices, default=LinkKind.RELATED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        constraints = [
            models.UniqueConstraint(fields=["from_ticket", "to_ticket"], name="uniq_ticket_link"),
            models.CheckConstraint(
                condition=~models.Q(from_ticket=models.F("to_ticket")), name="ticket_link_not_self"
            ),
        ]
        indexes = [models.Index(fields=["to_ticket"], name="ticket_link_to")]

    def __str__(self) -> str:
        return f"{self.from_ticket_id} {self.kind} {self.to_ticket_id}"


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("Ticket assigned to you")
    CUSTOMER_REPLY = "customer_reply", _("Customer answered")
    MERGED = "merged", _("Ticket merged")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cim_notifications"
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.ticket_id} for {self.recipient_id}"


# --- Saved views (issue 11): named filters of the agent's work list ------------------------


class ViewVisibility(models.TextChoices):
    PERSONAL = "personal", _("Only me")
    EVERYONE = "everyone", _("Everyone")
    QUEUE = "queue", _("Agents of a queue")


class SavedView(models.Model):
    """A named filter of the ticket list. The filter is a small validated spec
    (tickets.saved_views.clean_spec), never SQL or a raw query string, and it is always applied
    on top of what the user may see."""

    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("owner"),
    )
    visibility = models.CharField(
        _("shared with"),
        max_length=10,
        choices=ViewVisibility.choices,
        default=ViewVisibility.PERSONAL,
    )
    queue = models.ForeignKey(
        Queue,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("queue"),
    )
    spec = models.JSONField(_("filter"), default=dict, blank=True)
    position = models.PositiveIntegerField(_("position"), default=100)
    # Set on the views the product ships, so they are created once and found again.
    key = models.SlugField(max_length=40, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        indexes = [models.Index(fields=["visibility", "owner"], name="savedview_visibility")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        lang = (get_language() or "vi")[:2]
        return self.name_en if lang == "en" and self.name_en else self.name

    def clean(self) -> None:
        from .saved_views import clean_spec

        self.spec = clean_spec(self.spec)
        if self.visibility == ViewVisibility.QUEUE and self.queue_id is None:
            raise ValidationError({"queue": _("Pick the queue the view is shared with.")})
        if self.visibility == ViewVisibility.PERSONAL and self.owner_id is None:
            raise ValidationError({"owner": _("A personal view needs an owner.")})


from .models_activity import Activity, ActivityKind  # noqa: E402, F401 - registers the models
