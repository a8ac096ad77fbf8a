"""Hooks from the tickets app. They only write rows in the caller's transaction; anything slow is
enqueued after commit by the services they call."""

from typing import Any

from django.dispatch import receiver

from tickets.models import TicketStatus
from tickets.signals import message_added, ticket_status_changed

from . import services


@receiver(ticket_status_changed, dispatch_uid="feedback.status_changed")
def on_status_changed(
    sender: Any, ticket: Any, old_status: str, new_status: str, **kwargs: Any
) -> None:
    if new_status == TicketStatus.SOLVED:
        services.schedule_ticket_survey(ticket=ticket)
    elif old_status in (TicketStatus.SOLVED, TicketStatus.CLOSED) and new_status not in (
        TicketStatus.SOLVED,
        TicketStatus.CLOSED,
    ):
        services.cancel_ticket_surveys(ticket=ticket)


@receiver(message_added, dispatch_uid="feedback.message_added")
def on_message_added(sender: Any, message: Any, ticket: Any, **kwargs: Any) -> None:
    services.record_pending_sentiment(message=message)
