"""Hooks from the tickets app: an agent's public reply must reach the customer."""

from typing import Any

from django.dispatch import receiver

from tickets.signals import message_added, tickets_merged

from . import services


@receiver(message_added, dispatch_uid="channels.deliver_reply")
def on_message_added(sender: Any, message: Any, ticket: Any, **kwargs: Any) -> None:
    services.deliver_reply(message=message)


@receiver(tickets_merged, dispatch_uid="channels.tickets_merged")
def on_tickets_merged(sender: Any, target: Any, sources: Any, **kwargs: Any) -> None:
    # The journey follows the experience: interactions, threading rows (so an email answer to a
    # merged ticket lands on the target), chat sessions and deliveries move with the messages.
    from .models import ChannelMessage, ChatSession, Interaction, OutboundMessage

    ids = [s.pk for s in sources]
    for model in (Interaction, ChannelMessage, ChatSession, OutboundMessage):
        model.objects.filter(ticket_id__in=ids).update(ticket=target)
