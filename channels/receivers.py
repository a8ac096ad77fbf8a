"""Hooks from the tickets app: an agent's public reply must reach the customer."""

from typing import Any

from django.dispatch import receiver

from tickets.signals import message_added

from . import services


@receiver(message_added, dispatch_uid="channels.deliver_reply")
def on_message_added(sender: Any, message: Any, ticket: Any, **kwargs: Any) -> None:
    services.deliver_reply(message=message)
