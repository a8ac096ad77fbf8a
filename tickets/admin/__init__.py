"""Staff UI of the tickets app: the ticket pages, and the setup that shapes them."""

from .. import admin_activity  # noqa: F401 - work log admin (tickets/admin_activity.py)
from .config import (
    AgentProfileAdmin,
    CustomerTicketInline,
    InteractionReasonAdmin,
    QueueAdmin,
    SkillAdmin,
    StaffUserAdmin,
    TagAdmin,
)
from .sla import BusinessCalendarAdmin, SLAEventAdmin, SLAPolicyAdmin
from .ticket import TicketAdmin

__all__ = [
    "AgentProfileAdmin",
    "BusinessCalendarAdmin",
    "SLAEventAdmin",
    "SLAPolicyAdmin",
    "CustomerTicketInline",
    "InteractionReasonAdmin",
    "QueueAdmin",
    "SkillAdmin",
    "StaffUserAdmin",
    "TagAdmin",
    "TicketAdmin",
]
