"""A customer's journey read as experiences: one per ticket, with the interactions and actions
that served it, the channels used and how it ended. Five queries whatever the number of tickets."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Prefetch

from channels.models import Action, Interaction
from tickets.models import Ticket, TicketStatus
from tickets.selectors import visible_tickets

from .models import TicketFact

SOLVED = (TicketStatus.SOLVED, TicketStatus.CLOSED)


@dataclass
class Experience:
    ticket: Ticket
    interactions: list[Interaction] = field(default_factory=list)
    # From the analytics facts, so the page and the dashboard agree on what counts as FCR.
    first_contact_resolution: bool = False

    @property
    def actions(self) -> list[Action]:
        return [action for i in self.interactions for action in i.actions.all()]

    @property
    def channels(self) -> list[str]:
        """Channels in the order the customer first used them, the ticket's own first."""
        names: list[str] = [str(self.ticket.get_channel_display())]
        for interaction in self.interactions:
            name = str(interaction.channel.get_kind_display())
            if name not in names:
                names.append(name)
        return names

    @property
    def solved(self) -> bool:
        return self.ticket.status in SOLVED

    @property
    def status(self) -> str:
        return str(self.ticket.get_status_display())

    @property
    def resolved_at(self) -> datetime | None:
        return self.ticket.solved_at or self.ticket.closed_at


def customer_experiences(*, customer: Any, user: Any, limit: int = 50) -> list[Experience]:
    """The customer's tickets the user may see, newest first, each with its interactions
    (oldest first) and their actions."""
    interactions = (
        Interaction.objects.select_related("channel", "agent")
        .prefetch_related(Prefetch("actions", queryset=Action.objects.order_by("started_at", "id")))
        .order_by("started_at", "id")
    )
    tickets = (
        visible_tickets(user, Ticket.objects.filter(customer=customer))
        .select_related("queue", "reason", "assignee")
        .prefetch_related(Prefetch("interactions", queryset=interactions))
        .order_by("-created_at", "-id")[:limit]
    )
    tickets = list(tickets)
    fcr = set(
        TicketFact.objects.filter(ticket_id__in=[t.pk for t in tickets], fcr=True).values_list(
            "ticket_id", flat=True
        )
    )
    return [
        Experience(
            ticket=t,
            interactions=list(t.interactions.all()),
            first_contact_resolution=t.pk in fcr,
        )
        for t in tickets
    ]
