"""Read-only REST API for channels and the interactions recorded on them."""

from typing import Any

from django.db.models import Q, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers, viewsets

from cim_site.api.pagination import StableOrderingFilter
from cim_site.api.schema import EnumField
from customers.models import ChannelKind
from tickets.selectors import queue_ids_for

from .filters import InteractionFilter
from .models import Channel, Interaction


class ChannelSerializer(serializers.ModelSerializer):
    # `config` is left out on purpose: it holds webhook secrets and access tokens.
    kind = EnumField(ChannelKind, read_only=True)
    default_queue = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Channel
        fields = ["id", "code", "name", "kind", "default_queue", "address", "is_active"]
        read_only_fields = fields


class InteractionSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True)
    ticket_reference = serializers.CharField(
        source="ticket.reference", read_only=True, allow_null=True, default=None
    )
    reason = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Interaction
        fields = [
            "id",
            "customer",
            "ticket",
            "ticket_reference",
            "channel",
            "direction",
            "agent",
            "reason",
            "outcome",
            "external_id",
            "started_at",
            "ended_at",
            "note",
        ]
        read_only_fields = fields


class ChannelViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Channel.objects.select_related("default_queue")
    serializer_class = ChannelSerializer
    pagination_class = None
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["kind", "is_active"]


class InteractionViewSet(viewsets.ReadOnlyModelViewSet):
    """Contacts on every channel. An agent sees the interactions with no ticket and those of
    tickets in their queues, the same rule as for the tickets themselves."""

    serializer_class = InteractionSerializer
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = InteractionFilter
    ordering_fields = ["started_at"]
    ordering = ["-started_at"]

    def get_queryset(self) -> QuerySet[Interaction]:
        interactions = Interaction.objects.select_related("channel", "ticket", "reason")
        queue_ids: Any = queue_ids_for(self.request.user)
        if queue_ids is None:
            return interactions
        return interactions.filter(Q(ticket__isnull=True) | Q(ticket__queue_id__in=queue_ids))
