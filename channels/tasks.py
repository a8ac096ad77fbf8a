from celery import shared_task

from . import services


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
