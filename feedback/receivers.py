"""Hooks from the tickets app. They only write rows in the caller's transaction; anything slow is
enqueued after commit by the services they call."""

from typing import Any

from django.dispatch import receiver

from tickets.models import TicketStatus
from tickets.signals import message_added, ticket_status_changed, tickets_merged

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


@receiver(tickets_merged, dispatch_uid="feedback.tickets_merged")
def on_tickets_merged(sender: Any, target: Any, sources: Any, **kwargs: Any) -> None:
    # A merged ticket is not an experience of its own any more: its open surveys are cancelled
    # and its messages' sentiment follows them to the target.
    from .models import InvitationStatus, MessageSentiment, SkipReason, SurveyInvitation

    ids = [s.pk for s in sources]
    SurveyInvitation.objects.filter(
        ticket_id__in=ids, status__in=[InvitationStatus.SCHEDULED, InvitationStatus.SENT]
    ).update(status=InvitationStatus.CANCELLED, skip_reason=SkipReason.MERGED_OR_SPAM)
    MessageSentiment.objects.filter(ticket_id__in=ids).update(ticket=target)
