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
