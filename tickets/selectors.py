"""Read queries shared by the API, the admin and the pages; query counts stay constant."""

from typing import Any

from django.db.models import Q, QuerySet

from .models import Queue, Ticket, TicketMessage

SUPERVISOR_GROUP = "Supervisor"
AGENT_GROUP = "Agent"
REASON_MANAGER_GROUP = "Reason manager"


def is_supervisor(user: Any) -> bool:
    """Supervisors (and superusers) see every queue; agents only their own."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_staff:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_cim_is_supervisor", None)
    if cached is None:
        cached = user.groups.filter(name=SUPERVISOR_GROUP).exists()
        user._cim_is_supervisor = cached
    return bool(cached)


def queue_ids_for(user: Any) -> list[int] | None:
    """The queues a staff user may see tickets of; None means all of them."""
    if is_supervisor(user):
        return None
    if not getattr(user, "is_authenticated", False) or not user.is_staff or not user.is_active:
        return []
    cached = getattr(user, "_cim_queue_ids", None)
    if cached is None:
        cached = list(Queue.objects.filter(agents__user=user).values_list("id", flat=True))
        user._cim_queue_ids = cached
    return list(cached)


def visible_tickets(user: Any, base: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    qs = base if base is not None else Ticket.objects.all()
    queue_ids = queue_ids_for(user)
    if queue_ids is None:
        return qs
    return qs.filter(queue_id__in=queue_ids)


def can_view_ticket(user: Any, ticket: Ticket) -> bool:
    queue_ids = queue_ids_for(user)
    return queue_ids is None or ticket.queue_id in queue_ids


def list_tickets(*, user: Any, base: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    """Tickets the user may see, with everything a list shows fetched in a fixed number of
    queries."""
    return (
        visible_tickets(user, base)
        .select_related("customer", "queue", "assignee", "reason", "reason__parent", "merged_into")
        .prefetch_related("tags")
    )


def ticket_thread(*, ticket: Ticket, include_internal: bool = True) -> QuerySet[TicketMessage]:
    qs = ticket.messages.select_related("author_user", "author_customer").prefetch_related(
        "attachments"
    )
    if not include_internal:
        qs = qs.filter(~Q(kind="internal"))
    return qs.order_by("created_at", "id")


def visible_queues(user: Any) -> QuerySet[Queue]:
    queue_ids = queue_ids_for(user)
    qs = Queue.objects.all()
    return qs if queue_ids is None else qs.filter(id__in=queue_ids)


def sla_due_within(tickets: QuerySet[Ticket], *, minutes: int, now: Any = None) -> QuerySet[Ticket]:
    """Running clocks (not paused, not closed) with a target not yet met that falls due within
    `minutes` — overdue ones included."""
    from datetime import timedelta

    from django.utils import timezone

    limit = (now or timezone.now()) + timedelta(minutes=minutes)
    due = (
        Q(first_responded_at__isnull=True, first_response_due_at__lte=limit)
        | Q(next_response_due_at__lte=limit)
        | Q(solved_at__isnull=True, resolution_due_at__lte=limit)
    )
    return tickets.filter(due, sla_paused_at__isnull=True).exclude(status="closed")


def next_sla_due(ticket: Ticket) -> Any:
    """The earliest due time of a target not yet met, or None (no policy, met, or paused)."""
    if ticket.sla_paused_at is not None or ticket.status == "closed":
        return None
    times = []
    if ticket.first_responded_at is None and ticket.first_response_due_at:
        times.append(ticket.first_response_due_at)
    if ticket.next_response_due_at:
        times.append(ticket.next_response_due_at)
    if ticket.solved_at is None and ticket.resolution_due_at:
        times.append(ticket.resolution_due_at)
    return min(times, default=None)
