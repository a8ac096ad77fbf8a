"""Journey figures read straight from the interactions: each customer's preferred channel."""

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Max, Q

from channels.models import Interaction
from tickets.selectors import queue_ids_for

from .labels import labels_for
from .periods import day_start

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
    rows = (
        qs.values("customer_id", "channel__kind")
        .annotate(n=Count("id"), last=Max("started_at"))
        .order_by()
    )
    best: dict[int, tuple[int, Any, str]] = {}
    for row in rows:
        # Most interactions; a tie goes to the channel used last.
        candidate = (row["n"], row["last"], row["channel__kind"])
        current = best.get(row["customer_id"])
        if current is None or candidate > current:
            best[row["customer_id"]] = candidate
    counts: dict[str, int] = defaultdict(int)
    for _n, _last, kind in best.values():
        counts[kind] += 1
    labels = labels_for("channel", counts)
    return [
        {"key": kind, "label": labels[kind], "customers": n}
        for kind, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
    ]
