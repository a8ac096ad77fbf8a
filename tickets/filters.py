"""Query-string filters for the tickets API. Applied on top of tickets.selectors.list_tickets,
so they narrow what the user may see and never widen it."""

import contextlib
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

from cim_site.api.filters import IdFilter
from customers.errors import CustomerError
from customers.models import ChannelKind
from customers.services import normalize_phone

from . import selectors
from .models import Priority, Ticket, TicketStatus
from .search import search_q


class TicketFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(
        choices=TicketStatus.choices, label="Status (repeat for several)"
    )
    priority = filters.TypedMultipleChoiceFilter(
        choices=Priority.choices, coerce=int, label="Priority (repeat for several)"
    )
    queue = filters.CharFilter(method="filter_queue", label="Queue id or code")
    assignee = filters.CharFilter(
        method="filter_assignee", label='Assignee user id, "me" or "none"'
    )
    reason = IdFilter(
        method="filter_reason", label="Reason id, or a category id for all its reasons"
    )
    channel = filters.ChoiceFilter(choices=ChannelKind.choices)
    tag = filters.CharFilter(field_name="tags__name", label="Tag name")
    customer = IdFilter(field_name="customer_id")
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    q = filters.CharFilter(
        method="filter_q",
        label=(
            "Reference (or its beginning), subject, customer name, email or phone; accents optional"
        ),
    )
    sla_breached = filters.BooleanFilter(field_name="sla_breached", label="Breached an SLA target")
    sla_due_within = filters.NumberFilter(
        method="filter_sla_due_within",
        label="A running SLA target falls due within this many minutes (overdue included)",
        min_value=0,
        max_value=60 * 24 * 365,
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_queue(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        value = value.strip()
        if value.isascii() and value.isdigit() and len(value) <= 18:
            return queryset.filter(queue_id=int(value))
        return queryset.filter(queue__code=value)

    def filter_assignee(
        self, queryset: QuerySet[Ticket], name: str, value: str
    ) -> QuerySet[Ticket]:
        value = value.strip().lower()
        if value == "me":
            return queryset.filter(assignee_id=self.request.user.pk)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value.isascii() and value.isdigit() and len(value) <= 18:
            return queryset.filter(assignee_id=int(value))
        raise ValidationError({"assignee": [_('Give a user id, "me" or "none".')]})

    def filter_reason(self, queryset: QuerySet[Ticket], name: str, value: int) -> QuerySet[Ticket]:
        return queryset.filter(Q(reason_id=value) | Q(reason__parent_id=value))

    def filter_q(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        text = value.strip()
        if not text:
            return queryset
        # Phones are stored in E.164; "0912 345 678" should find "+84912345678".
        if sum(ch.isdigit() for ch in text) >= 8:
            with contextlib.suppress(CustomerError):
                return queryset.filter(Q(customer__phone=normalize_phone(text)) | search_q(text))
        return queryset.filter(search_q(text))

    def filter_sla_due_within(
        self, queryset: QuerySet[Ticket], name: str, value: Any
    ) -> QuerySet[Ticket]:
        return selectors.sla_due_within(queryset, minutes=int(value))
