"""GET/POST /api/v1/activities/ — work logged around tickets and interactions. An agent lists
and logs work only on their queues' tickets; the agent of new work is the caller."""

from typing import Any

from django.apps import apps
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from cim_site.api.schema import ErrorSerializer

from ..activities import log_activity, visible_activities
from ..models import Ticket
from ..models_activity import Activity, ActivityKind
from ..selectors import can_view_ticket, queue_ids_for


class ActivitySerializer(serializers.ModelSerializer):
    kind = serializers.SlugRelatedField(slug_field="code", read_only=True)
    agent = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "agent",
            "ticket",
            "interaction",
            "minutes",
            "started_at",
            "ended_at",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class ActivityCreateSerializer(serializers.Serializer):
    kind = serializers.SlugRelatedField(slug_field="code", queryset=ActivityKind.objects.all())
    ticket = serializers.PrimaryKeyRelatedField(
        queryset=Ticket.objects.all(), required=False, allow_null=True
    )
    interaction = serializers.IntegerField(required=False, allow_null=True)
    minutes = serializers.DecimalField(
        max_digits=7, decimal_places=2, required=False, allow_null=True
    )
    started_at = serializers.DateTimeField(required=False, allow_null=True)
    ended_at = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ActivityViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ActivitySerializer
    filterset_fields = ["ticket", "interaction", "agent"]

    def get_queryset(self) -> QuerySet[Activity]:
        return visible_activities(self.request.user)

    def _interaction(self, interaction_id: int | None) -> Any:
        if interaction_id is None:
            return None
        interaction_model = apps.get_model("channels", "Interaction")
        interaction = (
            interaction_model.objects.select_related("ticket", "channel")
            .filter(pk=interaction_id)
            .first()
        )
        if interaction is None:
            raise exceptions.ValidationError({"interaction": ["No such interaction."]})
        queue_ids = queue_ids_for(self.request.user)
        queue_id = (
            interaction.ticket.queue_id
            if interaction.ticket_id
            else interaction.channel.default_queue_id
        )
        if queue_ids is not None and queue_id not in queue_ids:
            raise exceptions.PermissionDenied()
        return interaction

    @extend_schema(
        request=ActivityCreateSerializer,
        responses={201: ActivitySerializer, 400: ErrorSerializer, 403: ErrorSerializer},
    )
    def create(self, request: Request) -> Response:
        data = ActivityCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        ticket = values.get("ticket")
        if ticket is not None and not can_view_ticket(request.user, ticket):
            raise exceptions.PermissionDenied()
        activity = log_activity(
            kind=values["kind"],
            agent=request.user,
            ticket=ticket,
            interaction=self._interaction(values.get("interaction")),
            minutes=values.get("minutes"),
            started_at=values.get("started_at"),
            ended_at=values.get("ended_at"),
            note=values.get("note", ""),
        )
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)
