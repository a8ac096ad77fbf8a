"""Derived tables the metrics read. Rebuilt from the source tables at any time
(`manage.py rebuild_analytics`); the beat task refreshes only what changed since its last run.

- TicketFact: one row per ticket (an experience) with its timings, flags and dimensions, so
  medians and p90 are exact and a 30-day period is one indexed range read.
- InteractionDayRollup: per day and dimension tuple, additive counters over interactions, their
  actions and events, and logged activities (contacts, handle time, bot and IVR outcomes).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


def _fk(model: str, **kwargs):  # noqa: ANN202 - a ForeignKey
    # No database constraint: the facts are derived, and a lookup row deleted at the source must
    # not block (or cascade into) the rebuild that follows.
    return models.ForeignKey(
        model,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        **kwargs,
    )


class TicketFact(models.Model):
    ticket = models.OneToOneField(
        "tickets.Ticket",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    customer_id = models.BigIntegerField()
    # Dimensions, as the ticket has them now.
    queue = _fk("tickets.Queue")
    channel = models.CharField(max_length=20)
    reason = _fk("tickets.InteractionReason")
    agent = _fk(settings.AUTH_USER_MODEL)
    segment = _fk("customers.Segment")
    priority = models.PositiveSmallIntegerField()
    is_open = models.BooleanField(default=True)
    # Dates in the site time zone.
    created_date = models.DateField()
    first_response_date = models.DateField(null=True)
    solved_date = models.DateField(null=True)
    first_response_minutes = models.FloatField(null=True)
    first_response_business_minutes = models.FloatField(null=True)
    resolution_minutes = models.FloatField(null=True)
    resolution_business_minutes = models.FloatField(null=True)
    agent_replies = models.PositiveIntegerField(default=0)
    reopens = models.PositiveIntegerField(default=0)
    escalations = models.PositiveIntegerField(default=0)
    transfers = models.PositiveIntegerField(default=0)
    fcr = models.BooleanField(default=False)
    # SLA targets by the date they fall due; met is null while undecided (not due, not met).
    sla_first_response_due_date = models.DateField(null=True)
    sla_first_response_met = models.BooleanField(null=True)
    sla_resolution_due_date = models.DateField(null=True)
    sla_resolution_met = models.BooleanField(null=True)
    # Journey of the experience.
    interactions = models.PositiveIntegerField(default=0)
    actions = models.PositiveIntegerField(default=0)
    channels = models.PositiveIntegerField(default=0)
    resolution_touchpoint = models.CharField(max_length=20, blank=True)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["created_date"], name="fact_created"),
            models.Index(fields=["solved_date"], name="fact_solved"),
            # The backlog when a period begins: unsolved tickets by creation day.
            models.Index(
                fields=["created_date"],
                name="fact_unsolved_created",
                condition=models.Q(solved_date__isnull=True),
            ),
            models.Index(fields=["first_response_date"], name="fact_first_response"),
            models.Index(fields=["sla_first_response_due_date"], name="fact_sla_fr_due"),
            models.Index(fields=["sla_resolution_due_date"], name="fact_sla_res_due"),
            models.Index(fields=["queue", "created_date"], name="fact_queue_created"),
            models.Index(fields=["queue", "solved_date"], name="fact_queue_solved"),
        ]

    def __str__(self) -> str:
        return f"fact of ticket {self.ticket_id}"

    @property
    def is_hard(self) -> bool:
        """Reopened, escalated or transferred at least twice in all."""
        return self.reopens + self.escalations + self.transfers >= 2


class InteractionDayRollup(models.Model):
    date = models.DateField()
    queue = _fk("tickets.Queue")
    channel = models.CharField(max_length=20)
    reason = _fk("tickets.InteractionReason")
    agent = _fk(settings.AUTH_USER_MODEL)
    segment = _fk("customers.Segment")
    priority = models.PositiveSmallIntegerField(null=True)
    contacts = models.PositiveIntegerField(default=0)
    handled = models.PositiveIntegerField(default=0)
    talk_seconds = models.FloatField(default=0)
    activity_seconds = models.FloatField(default=0)
    acw_seconds = models.FloatField(default=0)
    actions = models.PositiveIntegerField(default=0)
    events = models.PositiveIntegerField(default=0)
    bot_sessions = models.PositiveIntegerField(default=0)
    bot_contained = models.PositiveIntegerField(default=0)
    bot_handoffs = models.PositiveIntegerField(default=0)
    ivr_sessions = models.PositiveIntegerField(default=0)
    ivr_abandoned = models.PositiveIntegerField(default=0)
    ivr_abandon_returned = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["date"], name="rollup_date"),
            models.Index(fields=["queue", "date"], name="rollup_queue_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.channel}"


class AnalyticsWatermark(models.Model):
    """How far the refresh task has read: one row per stream."""

    name = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField(null=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.at} / {self.last_id}"
