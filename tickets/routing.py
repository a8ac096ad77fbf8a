"""Skills-based routing: who gets a waiting ticket.

Candidates are agents of the ticket's queue who are online, have every skill the queue and the
reason require and speak the ticket's language, and are under capacity. The least loaded wins,
then the one idle longest (last_assigned_at), which also rotates ties round-robin.

Concurrency is decided by the database: the ticket row is taken with SKIP LOCKED (two workers
never route the same ticket), and the chosen agent's profile row is locked before their load is
counted again, so two workers routing different tickets can never push one agent over capacity.
"""

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from . import notifications
from .models import OPEN_STATUSES, AgentProfile, Presence, Ticket, TicketStatus
from .queueing import enqueue_on_commit

ROUTABLE = (TicketStatus.NEW, TicketStatus.OPEN)

log = logging.getLogger(__name__)


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


class Outcome:
    """Why route_ticket returned what it did (the task and the sweep act on it)."""

    ASSIGNED = "assigned"
    # Someone else holds the row (the sentiment task raising its priority, an agent editing
    # it, another router). Unless that someone assigned it, it must be tried again.
    LOCKED = "locked"
    NOT_WAITING = "not_waiting"
    NO_AGENT = "no_agent"


def route_ticket(*, ticket_id: int, now: datetime | None = None) -> Any:
    """Assigns a waiting ticket to the best eligible agent. Returns the agent, or None when the
    ticket is taken, no longer waiting, or nobody can take it now (it stays in the queue and the
    beat task tries again)."""
    return route_ticket_outcome(ticket_id=ticket_id, now=now)[0]


def _waiting(ticket_id: int) -> Any:
    return Ticket.objects.filter(
        pk=ticket_id, assignee__isnull=True, status__in=ROUTABLE, queue__auto_assign=True
    )


def route_ticket_outcome(*, ticket_id: int, now: datetime | None = None) -> tuple[Any, str]:
    """route_ticket, and why: (agent or None, Outcome)."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = (
            _waiting(ticket_id)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("queue", "reason")
            .first()
        )
        if ticket is None:
            # Skipped because the row is locked, or because it no longer waits? Read without a
            # lock: a row someone else holds but did not assign still reads as waiting.
            if _waiting(ticket_id).exists():
                return None, Outcome.LOCKED
            return None, Outcome.NOT_WAITING
        for candidate in candidates(ticket):
            # One agent's row at a time: the lock on an agent who cannot take the ticket is let
            # go (savepoint rollback releases it in PostgreSQL) before the next is asked for, and
            # only the profile row is locked, not the user row that assignments and notifications
            # reference; so two routers never hold one agent while waiting for another.
            savepoint = transaction.savepoint()
            profile = (
                AgentProfile.objects.select_for_update(of=("self",))
                .select_related("user")
                .get(pk=candidate.pk)
            )
            if profile.presence != Presence.ONLINE:
                transaction.savepoint_rollback(savepoint)
                continue
            load = Ticket.objects.filter(
                assignee_id=profile.user_id, status__in=OPEN_STATUSES
            ).count()
            if load >= profile.capacity:
                transaction.savepoint_rollback(savepoint)
                continue
            transaction.savepoint_commit(savepoint)
            ticket.assignee = profile.user
            ticket._change_reason = "routed"  # type: ignore[attr-defined]
            ticket.save(update_fields=["assignee", "updated_at"])
            AgentProfile.objects.filter(pk=profile.pk).update(last_assigned_at=now)
            notifications.notify_assigned(ticket=ticket, by=None)
            return profile.user, Outcome.ASSIGNED
    return None, Outcome.NO_AGENT


def waiting_ticket_ids(*, limit: int = 200) -> list[int]:
    """Unassigned tickets in auto-assigning queues, oldest first."""
    return list(
        Ticket.objects.filter(assignee__isnull=True, status__in=ROUTABLE, queue__auto_assign=True)
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )


def free_capacity_by_queue(*, queue_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Auto-assigning queues that have an online agent with room, and how many more tickets
    their online agents can take between them (an agent of two queues counts in both; the
    profile lock in route_ticket still holds each agent to their capacity)."""
    profiles = (
        AgentProfile.objects.filter(
            presence=Presence.ONLINE, user__is_active=True, user__is_staff=True
        )
        .annotate(
            load=Count(
                "user__assigned_tickets",
                filter=Q(user__assigned_tickets__status__in=OPEN_STATUSES),
                distinct=True,
            )
        )
        .filter(load__lt=F("capacity"))
        .values_list("pk", "capacity", "load")
    )
    room = {pk: capacity - load for pk, capacity, load in profiles}
    if not room:
        return {}
    links = AgentProfile.queues.through.objects.filter(
        agentprofile_id__in=room, queue__auto_assign=True
    )
    if queue_ids is not None:
        links = links.filter(queue_id__in=list(queue_ids))
    free: dict[int, int] = {}
    for profile_id, queue_id in links.values_list("agentprofile_id", "queue_id"):
        free[queue_id] = free.get(queue_id, 0) + room[profile_id]
    return free


def sweep(*, queue_ids: Iterable[int] | None = None, scan_per_queue: int = 200) -> int:
    """Routes waiting tickets queue by queue, only where an online agent has room, oldest first,
    until that room is used. A backlog in an unstaffed queue costs nothing and hides nothing.
    Tickets an online agent cannot take (skills, language) are passed over, up to scan_per_queue
    per queue, so a younger ticket they can take is still reached. Returns how many were routed."""
    routed = 0
    for queue_id, free in sorted(free_capacity_by_queue(queue_ids=queue_ids).items()):
        assigned = scanned = 0
        last: tuple[datetime, int] | None = None
        while assigned < free and scanned < scan_per_queue:
            batch = Ticket.objects.filter(
                queue_id=queue_id, assignee__isnull=True, status__in=ROUTABLE
            )
            if last is not None:
                batch = batch.filter(
                    Q(created_at__gt=last[0]) | Q(created_at=last[0], pk__gt=last[1])
                )
            rows = list(
                batch.order_by("created_at", "pk").values_list("created_at", "pk")[
                    : min(free - assigned, scan_per_queue - scanned) + 5
                ]
            )
            if not rows:
                break
            for created_at, ticket_id in rows:
                last = (created_at, ticket_id)
                scanned += 1
                agent, outcome = route_ticket_outcome(ticket_id=ticket_id)
                if agent is not None:
                    assigned += 1
                    if assigned >= free:
                        break
                elif outcome == Outcome.LOCKED:
                    # Someone else holds it right now; the per-ticket retry or the next sweep.
                    retry_later(ticket_id)
                if scanned >= scan_per_queue:
                    break
        routed += assigned
    return routed


def retry_later(ticket_id: int, *, tries: int = 0) -> None:
    """A ticket skipped because its row was locked: route it again in a moment."""
    from .tasks import RETRY_TRIES, route_ticket_task

    if tries >= RETRY_TRIES:
        return  # the beat sweep reaches it
    try:
        route_ticket_task.apply_async(
            args=(ticket_id,), kwargs={"tries": tries + 1}, countdown=2 * (tries + 1), retry=False
        )
    except Exception:  # noqa: BLE001 - broker down: the sweep reaches it
        log.warning("Could not schedule routing of ticket %s again; the sweep will", ticket_id)


def on_status_changed(
    sender: Any, ticket: Ticket, old_status: str, new_status: str, **kwargs: Any
) -> None:
    """A solved or closed ticket frees its agent's capacity: route their queues now."""
    if not ticket.assignee_id or old_status not in OPEN_STATUSES:
        return
    if new_status in OPEN_STATUSES:
        return
    from .tasks import route_waiting_tickets_task

    queue_ids = list(
        AgentProfile.queues.through.objects.filter(
            agentprofile__user_id=ticket.assignee_id
        ).values_list("queue_id", flat=True)
    )
    if queue_ids:
        enqueue_on_commit(route_waiting_tickets_task, queue_ids)


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
