"""Data for the ticket page's work log, read by its include template so the ticket admin (edited
by others) needs no new context."""

from typing import Any

from django import template
from django.db.models import Sum

from customers.models import ChannelKind

from ..admin_activity_views import ActivityForm
from ..models import ActivityKind, Ticket
from ..models_activity import WRAP_UP_CODE

register = template.Library()

# Contacts with no written trace: the agent is asked for their wrap-up right after recording one.
WRAP_UP_CHANNELS = (ChannelKind.PHONE, ChannelKind.WALK_IN)


@register.simple_tag
def ticket_activity_panel(ticket: Ticket | None, user: Any, interactions: Any = None) -> dict:
    if ticket is None or not ticket.pk:
        return {}
    activities = list(
        ticket.activities.select_related("kind", "agent").order_by("-created_at", "-id")[:20]
    )
    total = ticket.activities.aggregate(total=Sum("minutes"))["total"]
    wrap_up_kind = ActivityKind.objects.filter(code=WRAP_UP_CODE, active=True).first()
    wrap_up = None
    if wrap_up_kind is not None:
        wrapped = {a.interaction_id for a in activities if a.kind_id == wrap_up_kind.pk}
        newest_first = sorted(interactions or [], key=lambda i: i.started_at, reverse=True)
        for interaction in newest_first:
            kind = getattr(getattr(interaction, "channel", None), "kind", None)
            if (
                kind in WRAP_UP_CHANNELS
                and interaction.pk not in wrapped
                and interaction.agent_id in (None, user.pk)
            ):
                wrap_up = interaction
                break
    initial: dict[str, Any] = {}
    if wrap_up is not None:
        initial = {"kind": wrap_up_kind, "interaction": wrap_up.pk}
    return {
        "activities": activities,
        "total_minutes": total,
        "form": ActivityForm(initial=initial, auto_id="cim-activity-%s"),
        "wrap_up": wrap_up,
    }
