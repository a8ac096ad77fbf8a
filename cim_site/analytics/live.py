"""Live tiles for the operations dashboard: what stands now, from indexed queries (two in all,
plus the user's queue list)."""

from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from tickets.models import OPEN_STATUSES, AgentProfile, Presence, Ticket
from tickets.selectors import queue_ids_for, visible_tickets


def live_tiles(*, user: Any) -> dict[str, int]:
    now = timezone.now()
    soon = now + timedelta(hours=1)
    # A target not yet met whose due time falls in the next hour, on a running clock.
    breaching = (
        Q(first_responded_at__isnull=True, first_response_due_at__gt=now)
        & Q(first_response_due_at__lte=soon)
        | Q(next_response_due_at__gt=now, next_response_due_at__lte=soon)
        | Q(solved_at__isnull=True, resolution_due_at__gt=now, resolution_due_at__lte=soon)
    ) & Q(sla_paused_at__isnull=True)
    counts = visible_tickets(user, Ticket.objects.filter(status__in=OPEN_STATUSES)).aggregate(
        open_backlog=Count("id"),
        unassigned=Count("id", filter=Q(assignee__isnull=True)),
        breaching_within_1h=Count("id", filter=breaching),
    )
    agents = AgentProfile.objects.filter(presence=Presence.ONLINE, user__is_active=True)
    queue_ids = queue_ids_for(user)
    if queue_ids is not None:
        agents = agents.filter(queues__id__in=queue_ids)
    return {
        "open_backlog": counts["open_backlog"],
        "unassigned": counts["unassigned"],
        "breaching_within_1h": counts["breaching_within_1h"],
        "agents_online": agents.values("user_id").distinct().count(),
    }
