from celery import shared_task

from . import sla

# Registered with the worker here, where autodiscovery looks; it lives beside its notifications.
from .notifications import send_notification_email_task  # noqa: F401


@shared_task(name="tickets.sla_sweep", acks_late=True, ignore_result=True)
def sla_sweep_task() -> dict[str, int]:
    """Beat, every minute: warnings and breaches that came due. Safe to run twice or in two
    workers at once (row locks with SKIP LOCKED, unique events)."""
    result = sla.sweep()
    for event_id in sla.unnotified_breach_ids():
        sla.notify_breach(event_id=event_id)
    return {"tickets": result.tickets, "warnings": result.warnings, "breaches": result.breaches}


@shared_task(
    name="tickets.notify_sla_event",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def notify_sla_event_task(event_id: int) -> bool:
    return sla.notify_breach(event_id=event_id)


# A ticket skipped because its row was locked is tried again this many times, a few seconds
# apart, and after that by the beat sweep.
RETRY_TRIES = 3


@shared_task(name="tickets.route_ticket", acks_late=True, ignore_result=True)
def route_ticket_task(ticket_id: int, tries: int = 0) -> int | None:
    from . import routing

    agent, outcome = routing.route_ticket_outcome(ticket_id=ticket_id)
    if outcome == routing.Outcome.LOCKED:
        routing.retry_later(ticket_id, tries=tries)
    return agent.pk if agent else None


@shared_task(name="tickets.route_waiting_tickets", acks_late=True, ignore_result=True)
def route_waiting_tickets_task(queue_ids: list[int] | None = None) -> int:
    """Beat, every minute (and when an agent comes online or frees capacity): waiting tickets,
    queue by queue, where an online agent has room."""
    from . import routing

    return routing.sweep(queue_ids=queue_ids)
