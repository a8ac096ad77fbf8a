"""Skills-based routing: who gets a waiting ticket.

Candidates are agents of the ticket's queue who are online, have every skill the queue and the
reason require and speak the ticket's language, and are under capacity. The least loaded wins,
then the one idle longest (last_assigned_at), which also rotates ties round-robin.

Concurrency is decided by the database: the ticket row is taken with SKIP LOCKED (two workers
never route the same ticket), and the chosen agent's profile row is locked before their load is
counted again, so two workers routing different tickets can never push one agent over capacity.
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from . import notifications
from .models import OPEN_STATUSES, AgentProfile, Presence, Ticket, TicketStatus
from .queueing import enqueue_on_commit

ROUTABLE = (TicketStatus.NEW, TicketStatus.OPEN)


def candidates(ticket: Ticket) -> list[AgentProfile]:
    """Eligible agents for a ticket, best first. Queries are fixed in number."""
    required = {s.pk for s in ticket.queue.required_skills.all()}
    if ticket.reason_id:
        required |= {s.pk for s in ticket.reason.required_skills.all()}
    profiles = (
        AgentProfile.objects.filter(
            queues=ticket.queue_id,
            presence=Presence.ONLINE,
            user__is_active=True,
            user__is_staff=True,
        )
        .annotate(
            load=Count(
                "user__assigned_tickets",
                filter=Q(user__assigned_tickets__status__in=OPEN_STATUSES),
                distinct=True,
            )
        )
        .filter(load__lt=F("capacity"))
        .order_by("load", F("last_assigned_at").asc(nulls_first=True), "id")
    )
    if required:
        profiles = profiles.annotate(
            matching_skills=Count("skills", filter=Q(skills__in=required), distinct=True)
        ).filter(matching_skills=len(required))
    # Languages are a short JSON list; filtering them here works the same on every database.
    return [p for p in profiles if ticket.language in (p.languages or [])]


def route_ticket(*, ticket_id: int, now: datetime | None = None) -> Any:
    """Assigns a waiting ticket to the best eligible agent. Returns the agent, or None when the
    ticket is taken, no longer waiting, or nobody can take it now (it stays in the queue and the
    beat task tries again)."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("queue", "reason")
            .filter(
                pk=ticket_id,
                assignee__isnull=True,
                status__in=ROUTABLE,
                queue__auto_assign=True,
            )
            .first()
        )
        if ticket is None:
            return None
        for candidate in candidates(ticket):
            profile = (
                AgentProfile.objects.select_for_update().select_related("user").get(pk=candidate.pk)
            )
            if profile.presence != Presence.ONLINE:
                continue
            load = Ticket.objects.filter(
                assignee_id=profile.user_id, status__in=OPEN_STATUSES
            ).count()
            if load >= profile.capacity:
                continue
            ticket.assignee = profile.user
            ticket._change_reason = "routed"  # type: ignore[attr-defined]
            ticket.save(update_fields=["assignee", "updated_at"])
            AgentProfile.objects.filter(pk=profile.pk).update(last_assigned_at=now)
            notifications.notify_assigned(ticket=ticket, by=None)
            return profile.user
    return None


def waiting_ticket_ids(*, limit: int = 200) -> list[int]:
    """Unassigned tickets in auto-assigning queues, oldest first (the beat task retries them)."""
    return list(
        Ticket.objects.filter(assignee__isnull=True, status__in=ROUTABLE, queue__auto_assign=True)
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )


@transaction.atomic
def set_presence(*, profile: AgentProfile, presence: str) -> AgentProfile:
    profile = AgentProfile.objects.select_for_update().get(pk=profile.pk)
    if profile.presence != presence:
        profile.presence = presence
        profile.presence_changed_at = timezone.now()
        profile.save(update_fields=["presence", "presence_changed_at"])
    if presence == Presence.ONLINE:
        # Work that waited for someone to come online goes out now, not at the next sweep.
        from .tasks import route_waiting_tickets_task

        enqueue_on_commit(route_waiting_tickets_task)
    return profile
