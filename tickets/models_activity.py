"""Work around an interaction that is not talking to the customer (after-contact work,
call-backs, research), recorded with its time so handle time counts it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# The kind whose minutes are after-contact work (ACW share on the operations dashboard).
WRAP_UP_CODE = "wrap-up"


class ActivityKind(models.Model):
    """A governed list the leads manage in the admin."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("activity kind")
        verbose_name_plural = _("activity kinds")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "vi").startswith("en") else self.name_vi


class Activity(models.Model):
    kind = models.ForeignKey(
        ActivityKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("kind")
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("agent"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
        verbose_name=_("ticket"),
    )
    # A string reference: tickets does not import channels (channels depends on tickets).
    interaction = models.ForeignKey(
        "channels.Interaction",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
        verbose_name=_("interaction"),
    )
    minutes = models.DecimalField(_("minutes"), max_digits=7, decimal_places=2)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="activity_ticket_time"),
            models.Index(fields=["interaction"], name="activity_interaction"),
            models.Index(fields=["agent", "created_at"], name="activity_agent_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ticket__isnull=False) | Q(interaction__isnull=False),
                name="activity_has_subject",
            ),
            models.CheckConstraint(condition=Q(minutes__gte=0), name="activity_minutes_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.minutes} min"

    @property
    def worked_at(self):  # noqa: ANN201 - a datetime
        return self.started_at or self.created_at

    def clean(self) -> None:
        if self.ticket_id is None and self.interaction_id is None:
            raise ValidationError(_("Give a ticket or an interaction."))
