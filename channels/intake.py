"""The common intake: raw input is saved first (one row per channel id), then a worker processes
it. A failure is kept on the row with its reason and can be processed again from the admin; a
lost enqueue or a dead worker is made good by the beat sweep (DESIGN §5)."""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from tickets.queueing import enqueue_on_commit

from .models import Channel, InboundMessage, InboundStatus

log = logging.getLogger(__name__)

# Content types of the raw rows; each has one processor.
EMAIL = "message/rfc822"
ZALO_EVENT = "application/x-zalo+json"
FACEBOOK_EVENT = "application/x-facebook+json"
JOURNEY_EVENT = "application/x-cim-event+json"

# How long the per-item task has before the sweep takes a waiting row itself.
SWEEP_GRACE = timedelta(seconds=30)


class Outcome:
    """What a processor did with one raw row."""

    def __init__(
        self,
        *,
        status: str = InboundStatus.PROCESSED,
        ticket: Any = None,
        interaction: Any = None,
        note: str = "",
    ) -> None:
        self.status = status
        self.ticket = ticket
        self.interaction = interaction
        self.note = note


def store_inbound(
    *, channel: Channel, external_id: str, raw: bytes, content_type: str, source: str = ""
) -> tuple[InboundMessage, bool]:
    """Saves raw input once per (channel, channel id) and asks a worker to process it after
    commit. A second delivery of the same id returns the first row and False."""
    external_id = external_id[:255]
    existing = InboundMessage.objects.filter(channel=channel, external_id=external_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.create(
                channel=channel,
                external_id=external_id,
                raw=raw,
                content_type=content_type,
                source=source[:20],
            )
    except IntegrityError:
        # Two deliveries of the same event at the same moment: the constraint picked one.
        return InboundMessage.objects.get(channel=channel, external_id=external_id), False
    from .tasks import process_inbound_task  # the task module imports this one

    enqueue_on_commit(process_inbound_task, inbound.pk)
    return inbound, True


def _processors() -> dict[str, Callable[[InboundMessage], Outcome]]:
    from . import email_intake, events, messaging

    return {
        EMAIL: email_intake.process_email,
        ZALO_EVENT: messaging.process_zalo_event,
        FACEBOOK_EVENT: messaging.process_facebook_event,
        JOURNEY_EVENT: events.process_journey_event,
    }


def process_inbound(*, inbound_id: int) -> str:
    """Processes one waiting row; returns its status afterwards. Runs at least once per row and
    is a no-op for a row already processed, ignored or failed. Two workers on one row: the row
    lock makes the second wait and then see it done (SQLite serialises writers anyway)."""
    try:
        with transaction.atomic():
            inbound = (
                InboundMessage.objects.select_for_update()
                .select_related("channel", "channel__default_queue")
                .filter(pk=inbound_id)
                .first()
            )
            if inbound is None:
                return "missing"
            if inbound.status != InboundStatus.RECEIVED:
                return inbound.status
            processor = _processors().get(inbound.content_type)
            if processor is None:
                raise ValueError(f"no processor for {inbound.content_type}")
            outcome = processor(inbound)
            InboundMessage.objects.filter(pk=inbound.pk).update(
                status=outcome.status,
                error=outcome.note[:2000],
                attempts=inbound.attempts + 1,
                processed_at=timezone.now(),
                ticket=outcome.ticket,
                interaction=outcome.interaction,
            )
            return outcome.status
    except DatabaseError:
        # The database itself failed (connection lost, deadlock): the row stays waiting and the
        # sweep tries again.
        log.warning("Inbound %s: database error, left for the sweep", inbound_id, exc_info=True)
        raise
    except Exception as exc:  # noqa: BLE001 - any bad input is recorded on the row, never lost
        reason = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
        log.info("Inbound %s failed: %s", inbound_id, reason)
        InboundMessage.objects.filter(pk=inbound_id, status=InboundStatus.RECEIVED).update(
            status=InboundStatus.FAILED,
            error=reason[:2000],
            processed_at=timezone.now(),
        )
        return InboundStatus.FAILED


def waiting_inbound_ids(*, limit: int = 500) -> list[int]:
    cutoff = timezone.now() - SWEEP_GRACE
    return list(
        InboundMessage.objects.filter(status=InboundStatus.RECEIVED, received_at__lte=cutoff)
        .order_by("received_at")
        .values_list("id", flat=True)[:limit]
    )


@transaction.atomic
def reprocess_inbound(*, inbound: InboundMessage) -> bool:
    """Puts a failed row back in line (staff action, after the cause was fixed)."""
    updated = InboundMessage.objects.filter(pk=inbound.pk, status=InboundStatus.FAILED).update(
        status=InboundStatus.RECEIVED, error="", processed_at=None
    )
    if updated:
        from .tasks import process_inbound_task

        enqueue_on_commit(process_inbound_task, inbound.pk)
    return bool(updated)
