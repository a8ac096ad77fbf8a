"""Read-only REST API for channels and the interactions recorded on them."""

from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from cim_site.api.pagination import StableOrderingFilter
from cim_site.api.schema import EnumField
from cim_site.permissions import own_unticketed_interactions, scope_to_tickets
from customers.models import ChannelKind, Customer
from tickets.models import InteractionReason

from . import journey
from .events import MAX_BATCH, receive_events, validate_event
from .filters import EventFilter, InteractionFilter
from .models import ActionKind, Channel, Event, Interaction, Outcome


class BulkResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()


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


class InteractionUpdateSerializer(serializers.Serializer):
    reason = serializers.SlugRelatedField(
        slug_field="code",
        queryset=InteractionReason.objects.all(),
        required=False,
        allow_null=True,
    )
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


@extend_schema(
    methods=["PATCH"], request=InteractionUpdateSerializer, responses={200: InteractionSerializer}
)
class InteractionViewSet(
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Contacts on every channel. An agent sees those of tickets in their queues, the same rule
    as for the tickets themselves, and the ones with no ticket they handled themselves. PATCH
    sets what the agent knows afterwards: reason, outcome, note."""

    http_method_names = ["get", "patch", "head", "options"]

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        interaction = self.get_object()
        data = InteractionUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        updated = journey.update_interaction(
            interaction=interaction,
            by=request.user,
            reason=changes.get("reason", ...),
            outcome=changes.get("outcome"),
            note=changes.get("note"),
        )
        return Response(InteractionSerializer(self.get_queryset().get(pk=updated.pk)).data)

    serializer_class = InteractionSerializer
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = InteractionFilter
    ordering_fields = ["started_at"]
    ordering = ["-started_at"]

    def get_queryset(self) -> QuerySet[Interaction]:
        return _visible_interactions(self.request.user).select_related(
            "channel", "ticket", "reason"
        )


# --- journey, interactions written by staff, events --------------------------------------------


class JourneyItemSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True)
    channel_kind = EnumField(ChannelKind, source="channel.kind", read_only=True)
    reason = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    agent = serializers.CharField(source="agent.username", read_only=True, default=None)
    ticket_reference = serializers.CharField(
        source="ticket.reference", read_only=True, allow_null=True, default=None
    )
    action_count = serializers.IntegerField(read_only=True)
    event_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Interaction
        fields = [
            "id",
            "started_at",
            "ended_at",
            "channel",
            "channel_kind",
            "direction",
            "reason",
            "outcome",
            "agent",
            "ticket",
            "ticket_reference",
            "action_count",
            "event_count",
            "note",
        ]
        read_only_fields = fields


def _visible_interactions(user: Any) -> QuerySet[Interaction]:
    # The admin's rule (channels.admin.InteractionAdmin), from the same place.
    return scope_to_tickets(
        Interaction.objects.all(), user, "ticket", own_unticketed_interactions(user)
    )


@extend_schema(
    parameters=[OpenApiParameter("customer_pk", int, OpenApiParameter.PATH, description="Customer")]
)
class JourneyViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_model = Interaction
    """A customer's journey: every interaction on every channel, newest first, with how many
    actions and events each took. The same visibility rule as /interactions/."""

    serializer_class = JourneyItemSerializer
    filter_backends = [StableOrderingFilter]
    ordering_fields = ["started_at"]
    ordering = ["-started_at"]

    def get_queryset(self) -> QuerySet[Interaction]:
        customer_pk = str(self.kwargs.get("customer_pk", ""))
        if not (customer_pk.isascii() and customer_pk.isdigit() and len(customer_pk) < 19):
            raise NotFound
        customer = Customer.objects.filter(pk=int(customer_pk)).first()
        if customer is None:
            raise NotFound
        # A merged customer's journey is its survivor's.
        target = customer.merged_into_id or customer.pk
        return (
            _visible_interactions(self.request.user)
            .filter(customer_id=target)
            .select_related("channel", "reason", "agent", "ticket")
            .annotate(
                action_count=Count("actions", distinct=True),
                event_count=Count("events", distinct=True),
            )
        )


class EventSerializer(serializers.ModelSerializer):
    action_kind = serializers.CharField(source="action.kind", read_only=True)

    class Meta:
        model = Event
        fields = ["id", "interaction", "action", "action_kind", "kind", "data", "occurred_at"]
        read_only_fields = fields


class EventInSerializer(serializers.Serializer):
    id = serializers.CharField(required=False, max_length=200)
    channel = serializers.SlugRelatedField(
        slug_field="code", queryset=Channel.objects.filter(is_active=True)
    )
    interaction = serializers.CharField(max_length=200)
    customer = serializers.DictField()
    type = serializers.CharField(max_length=40)
    action = serializers.ChoiceField(choices=ActionKind.choices, required=False)
    at = serializers.DateTimeField(required=False)
    agent = serializers.CharField(required=False, max_length=150)
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)
    data = serializers.DictField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        event = {k: v for k, v in attrs.items() if k != "channel"}
        if event.get("at") is not None:
            event["at"] = event["at"].isoformat()
        try:
            validate_event(event)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
        attrs["raw"] = event
        return attrs


class BulkEventsSerializer(serializers.Serializer):
    events = EventInSerializer(many=True, allow_empty=False, max_length=MAX_BATCH)


class EventViewSet(viewsets.ReadOnlyModelViewSet):
    """Journey events. POST /events/bulk/ takes up to 1,000 events from a PBX or a web tracker:
    each is stored once (by its id, or its content when it has none) and processed by a worker."""

    serializer_class = EventSerializer
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = EventFilter
    ordering_fields = ["occurred_at"]
    ordering = ["-occurred_at"]

    def get_queryset(self) -> QuerySet[Event]:
        visible = _visible_interactions(self.request.user).values("pk")
        return Event.objects.filter(interaction__in=visible).select_related("action")

    @extend_schema(request=BulkEventsSerializer, responses={202: BulkResultSerializer})
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        data = BulkEventsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        by_channel: dict[int, tuple[Channel, list[dict[str, Any]]]] = {}
        for item in data.validated_data["events"]:
            channel = item["channel"]
            by_channel.setdefault(channel.pk, (channel, []))[1].append(item["raw"])
        new = seen = 0
        with transaction.atomic():
            for channel, items in by_channel.values():
                added, dup = receive_events(channel=channel, events=items, source="api")
                new, seen = new + added, seen + dup
        return Response({"accepted": new, "duplicates": seen}, status=status.HTTP_202_ACCEPTED)
