"""REST API for tickets, their conversation, queues and the interaction reason list.

Reads go through tickets.selectors (an agent sees only the tickets of their queues; another
queue's ticket is a 404), writes through tickets.services; domain errors are rendered by
cim_site.api.errors (TicketError → 400, or 409 when the ticket is not in a state for it)."""

from .views import QueueViewSet, ReasonViewSet, TicketViewSet

__all__ = ["QueueViewSet", "ReasonViewSet", "TicketViewSet"]
