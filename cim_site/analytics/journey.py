"""Journey figures read straight from the interactions: each customer's preferred channel."""

from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, F, Max, Q

from channels.models import Interaction
from tickets.selectors import queue_ids_for

from .labels import labels_for
from .periods import day_start, today

PREFERENCE_DAYS = 90


def preferred_channels(*, user: Any, until: date) -> list[dict[str, Any]]:
    """How many customers prefer each channel: the one with most interactions in the 90 days up
    to `until`, a tie going to the one used last.
    Agents count the customers of interactions in their queues. One query."""
    qs = Interaction.objects.filter(
        started_at__gte=day_start(until - timedelta(days=PREFERENCE_DAYS - 1)),
        started_at__lt=day_start(until + timedelta(days=1)),
    )
    queue_ids = queue_ids_for(user)
    if queue_ids is not None:
        # The same rule as the rollups: the ticket's queue, else the channel's default queue.
        qs = qs.filter(
            Q(ticket__queue_id__in=queue_ids)
            | Q(ticket__isnull=True, channel__default_queue_id__in=queue_ids)
        )
    inner = (
        qs.annotate(kind=F("channel__kind"))
        .values("customer_id", "kind")
        .annotate(n=Count("id"), last_at=Max("started_at"))
        .order_by()
    )
    sql, params = inner.query.sql_with_params()
    # One row per customer (the channel ranked first), counted per channel in the database: the
    # customers of a 90-day window never travel to Python.
    ranked = (
        "SELECT r.kind, COUNT(*) FROM ("  # noqa: S608 - the ORM's own SQL, parameters kept apart
        "SELECT g.kind, ROW_NUMBER() OVER (PARTITION BY g.customer_id "
        "ORDER BY g.n DESC, g.last_at DESC, g.kind) AS rn "
        f"FROM ({sql}) g) r WHERE r.rn = 1 GROUP BY r.kind"
    )
    with connection.cursor() as cursor:
        cursor.execute(ranked, params)
        counts: dict[str, int] = dict(cursor.fetchall())
    labels = labels_for("channel", counts)
    return [
        {"key": kind, "label": labels[kind], "customers": n}
        for kind, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
    ]


def preferred_channel_of(*, customer_id: int, until: date | None = None) -> str | None:
    """One customer's preferred channel kind (same rule as preferred_channels), or None when
    they had no interaction in the 90 days up to `until` (default: today). One query."""
    until = until or today()
    row = (
        Interaction.objects.filter(
            customer_id=customer_id,
            started_at__gte=day_start(until - timedelta(days=PREFERENCE_DAYS - 1)),
            started_at__lt=day_start(until + timedelta(days=1)),
        )
        .values("channel__kind")
        .annotate(n=Count("id"), last_at=Max("started_at"))
        .order_by("-n", "-last_at", "channel__kind")
        .first()
    )
    return row["channel__kind"] if row else None
