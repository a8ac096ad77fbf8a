from rest_framework.routers import DefaultRouter

from channels.api import ChannelViewSet, InteractionViewSet
from customers.api import CustomerViewSet, OrganizationViewSet
from tickets.api import QueueViewSet, ReasonViewSet, TicketViewSet
from tickets.api.sla import CalendarViewSet, PolicyViewSet

router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("tickets", TicketViewSet, basename="ticket")
router.register("queues", QueueViewSet, basename="queue")
router.register("reasons", ReasonViewSet, basename="reason")
router.register("sla-calendars", CalendarViewSet, basename="sla-calendar")
router.register("sla-policies", PolicyViewSet, basename="sla-policy")
router.register("channels", ChannelViewSet, basename="channel")
router.register("interactions", InteractionViewSet, basename="interaction")
urlpatterns = router.urls
