"""Query-string filters for the channels API."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from cim_site.api.filters import IdFilter
from customers.models import ChannelKind

from .models import Direction, Event, Interaction


class InteractionFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id")
    ticket = IdFilter(field_name="ticket_id")
    channel = filters.CharFilter(method="filter_channel", label="Channel id or code")
    kind = filters.ChoiceFilter(
        field_name="channel__kind", choices=ChannelKind.choices, label="Channel kind"
    )
    direction = filters.ChoiceFilter(choices=Direction.choices)
    started_after = filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="lt")

    class Meta:
        model = Interaction
        fields: list[str] = []

    def filter_channel(
        self, queryset: QuerySet[Interaction], name: str, value: str
    ) -> QuerySet[Interaction]:
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) <= 18:
            return queryset.filter(channel_id=int(text))
        return queryset.filter(channel__code=text)


class EventFilter(filters.FilterSet):
    interaction = IdFilter(field_name="interaction_id")
    customer = IdFilter(field_name="interaction__customer_id")
    kind = filters.CharFilter(field_name="kind")
    occurred_after = filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = Event
        fields: list[str] = []
