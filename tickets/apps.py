from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from customers.models import Customer

        from .search import on_customer_saved

        post_save.connect(on_customer_saved, sender=Customer, dispatch_uid="tickets_search_text")

        from .routing import on_status_changed
        from .signals import ticket_status_changed

        # Solving frees capacity: route the agent's queues now, not at the next sweep.
        ticket_status_changed.connect(on_status_changed, dispatch_uid="tickets_route_freed")
