"""Hooks for higher apps (channels, feedback). Sent inside the service's transaction: receivers
write rows in the same transaction and defer anything slow with transaction.on_commit."""

from django.dispatch import Signal

# sender=Ticket, ticket=..., by=user or None
ticket_created = Signal()
# sender=Ticket, ticket=..., old_status=..., new_status=..., by=...
ticket_status_changed = Signal()
# sender=TicketMessage, message=..., ticket=...
message_added = Signal()
# sender=Ticket, target=..., sources=[...], by=...: the sources' rows have moved to the target;
# higher apps move what they keep per ticket (journey rows, surveys, sentiment) in the same
# transaction.
tickets_merged = Signal()
