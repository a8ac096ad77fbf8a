"""Site-level tables: the analytics facts and rollups (cim_site.analytics.models)."""

from .analytics.models import AnalyticsWatermark, InteractionDayRollup, TicketFact

__all__ = ["AnalyticsWatermark", "InteractionDayRollup", "TicketFact"]
