"""The customer page's "Experiences" section: the journey per ticket (see experiences.py). Added
through customers.admin.add_customer_inline, so the customer admin module is not edited."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cim_site.permissions import TicketScopedAdminMixin
from customers.admin import add_customer_inline
from tickets.models import Ticket

from .experiences import customer_experiences


class CustomerExperiencesInline(TicketScopedAdminMixin, admin.TabularInline):
    """Read-only: renders the experiences (customer_experiences applies the same queue rule),
    never a form."""

    ticket_path = ""

    model = Ticket
    fk_name = "customer"
    template = "admin/customers/customer/experiences.html"
    fields = ("subject",)
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("experiences (tickets with their actions and channels)")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).none()

    def own_rows_q(self, request: HttpRequest) -> Any:
        return None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("tickets.view_ticket")

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        # Inline instances are made per request, so this is the request's own list.
        self.experiences = (
            customer_experiences(customer=obj, user=request.user) if obj is not None else []
        )
        return super().get_formset(request, obj, **kwargs)


add_customer_inline(CustomerExperiencesInline)
