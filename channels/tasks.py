from celery import shared_task
from django.db import DatabaseError

from . import intake, mailboxes, services


@shared_task(name="channels.deliver_outbound", acks_late=True, ignore_result=True)
def deliver_outbound_task(outbound_id: int) -> str:
    return services.deliver_outbound(outbound_id=outbound_id)


@shared_task(name="channels.deliver_due_outbound", acks_late=True, ignore_result=True)
def deliver_due_outbound() -> int:
    """Beat sweep: sends what is due, so a lost enqueue delays a message by one minute at most."""
    ids = services.due_outbound_ids()
    for outbound_id in ids:
        services.deliver_outbound(outbound_id=outbound_id)
    return len(ids)


@shared_task(
    name="channels.process_inbound",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
)
def process_inbound_task(inbound_id: int) -> str:
    return intake.process_inbound(inbound_id=inbound_id)


@shared_task(name="channels.process_pending_inbound", acks_late=True, ignore_result=True)
def process_pending_inbound() -> int:
    """Beat sweep: raw input still waiting (its enqueue was lost, or a worker died mid-way)."""
    ids = intake.waiting_inbound_ids()
    for inbound_id in ids:
        intake.process_inbound(inbound_id=inbound_id)
    return len(ids)


@shared_task(name="channels.poll_mailboxes", ignore_result=True)
def poll_mailboxes() -> dict:
    return mailboxes.poll_all()
