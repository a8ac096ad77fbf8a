from typing import Any

from django.urls import path
from rest_framework.routers import DefaultRouter

from channels.api import ChannelViewSet, EventViewSet, InteractionViewSet, JourneyViewSet
from channels.chatbot_api import BotMetricsViewSet
from cim_site.analytics.api import MetricsViewSet
from cim_site.api.auth import ObtainTokenView
from cim_site.converters import ID_REGEX
from customers.api import CustomerViewSet, OrganizationViewSet
from feedback.api import (
    CampaignViewSet,
    InvitationViewSet,
    ReviewViewSet,
    ScorecardViewSet,
    SentimentViewSet,
    SurveyMetricsViewSet,
)
from knowledge_base.api import ArticleViewSet, ContentGapViewSet
from tickets.api import QueueViewSet, ReasonViewSet, TicketViewSet
from tickets.api.activities import ActivityViewSet
from tickets.api.macros import ApplyMacroView, MacroViewSet
from tickets.api.relations import NotificationViewSet, TicketRelationViewSet
from tickets.api.sla import CalendarViewSet, PolicyViewSet
from tickets.api.views_saved import SavedViewViewSet


class IdRouter(DefaultRouter):
    """Detail routes match only numeric ids (see cim_site/converters.py): `/tickets/abc/` or an
    id too large for the database is a 404 from the resolver, never a ValueError/OverflowError."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._default_value_pattern = ID_REGEX


router = IdRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("tickets", TicketViewSet, basename="ticket")
router.register("queues", QueueViewSet, basename="queue")
router.register("reasons", ReasonViewSet, basename="reason")
router.register("sla-calendars", CalendarViewSet, basename="sla-calendar")
router.register("sla-policies", PolicyViewSet, basename="sla-policy")
router.register("channels", ChannelViewSet, basename="channel")
router.register("interactions", InteractionViewSet, basename="interaction")
router.register("events", EventViewSet, basename="event")
router.register(
    rf"customers/(?P<customer_pk>{ID_REGEX})/journey", JourneyViewSet, basename="customer-journey"
)
router.register("surveys/invitations", InvitationViewSet, basename="survey-invitation")
router.register("surveys/metrics", SurveyMetricsViewSet, basename="survey-metrics")
router.register("surveys/campaigns", CampaignViewSet, basename="survey-campaign")
router.register("sentiment", SentimentViewSet, basename="sentiment")
router.register("qa/scorecards", ScorecardViewSet, basename="qa-scorecard")
router.register("qa/reviews", ReviewViewSet, basename="qa-review")
router.register("kb-articles", ArticleViewSet, basename="kb-article")
router.register("kb-content-gaps", ContentGapViewSet, basename="kb-content-gap")
router.register("chat/bot-metrics", BotMetricsViewSet, basename="chat-bot-metrics")
router.register("macros", MacroViewSet, basename="macro")
# Merge and links live under /tickets/{id}/ beside TicketViewSet's own routes.
router.register("tickets", TicketRelationViewSet, basename="ticket-relation")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("views", SavedViewViewSet, basename="saved-view")
router.register("metrics", MetricsViewSet, basename="metrics")
router.register("activities", ActivityViewSet, basename="activity")
urlpatterns = [
    *router.urls,
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    path("tickets/<id:pk>/apply-macro/", ApplyMacroView.as_view(), name="ticket-apply-macro"),
]
