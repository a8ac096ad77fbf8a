"""Site-level admin wiring (the site connects the apps, which do not import each other upwards):
the customer page's experiences section and the ticket list's dashboard drill-down filter."""

from tickets.admin.ticket import TicketAdmin

from .analytics import customer_admin  # noqa: F401 - registers the customer page section
from .analytics.admin_filters import DrilldownFilter

if DrilldownFilter not in TicketAdmin.list_filter:
    TicketAdmin.list_filter = (*TicketAdmin.list_filter, DrilldownFilter)
