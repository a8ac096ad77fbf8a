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
from .macros import AgentSignatureAdmin, MacroAdmin
from .sla import BusinessCalendarAdmin, SLAEventAdmin, SLAPolicyAdmin
from .ticket import TicketAdmin
from .views import SavedViewAdmin

__all__ = [
    "AgentProfileAdmin",
    "AgentSignatureAdmin",
    "MacroAdmin",
    "BusinessCalendarAdmin",
    "SLAEventAdmin",
    "SLAPolicyAdmin",
    "CustomerTicketInline",
    "InteractionReasonAdmin",
    "QueueAdmin",
    "SavedViewAdmin",
    "SkillAdmin",
    "StaffUserAdmin",
    "TagAdmin",
    "TicketAdmin",
]
