"""GET /api/v1/metrics/?from=YYYY-MM-DD&to=YYYY-MM-DD&group_by=… — operations figures;
GET /api/v1/metrics/journey/ — journey figures. Staff only; an agent gets the figures of their
queues only. Bad input is a 400 in the API's error shape (cim_site.api.errors)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cim_site.api.permissions import ModelPermission
from tickets.models import Ticket

from .metrics import JOURNEY_FIELDS, OPERATIONS_FIELDS, journey_metrics, operations_metrics
from .periods import GROUPS, parse_period

COUNT_FIELDS = {"contacts", "tickets_created", "tickets_solved", "backlog", "escalations"}


def _figure_fields(names: tuple[str, ...]) -> dict[str, serializers.Field]:
    return {
        name: serializers.IntegerField()
        if name in COUNT_FIELDS
        else serializers.FloatField(allow_null=True)
        for name in names
    }


def _serializer(name: str, fields: dict[str, serializers.Field]) -> type[serializers.Serializer]:
    return type(name, (serializers.Serializer,), fields)


OperationsFiguresSerializer = _serializer("OperationsFigures", _figure_fields(OPERATIONS_FIELDS))
OperationsRowSerializer = _serializer(
    "OperationsRow",
    {
        "key": serializers.JSONField(help_text="Day/week/month start, or the group's id/code."),
        "label": serializers.CharField(),
        **_figure_fields(OPERATIONS_FIELDS),
    },
)
JourneyFiguresSerializer = _serializer("JourneyFigures", _figure_fields(JOURNEY_FIELDS))
JourneyRowSerializer = _serializer(
    "JourneyRow",
    {
        "key": serializers.JSONField(),
        "label": serializers.CharField(),
        **_figure_fields(JOURNEY_FIELDS),
    },
)


class ChannelCountSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    tickets = serializers.IntegerField(required=False)
    customers = serializers.IntegerField(required=False)


class OperationsMetricsSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    group_by = serializers.ChoiceField(choices=GROUPS)
    totals = OperationsFiguresSerializer()
    results = OperationsRowSerializer(many=True)


class JourneyMetricsSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    group_by = serializers.ChoiceField(choices=GROUPS)
    totals = JourneyFiguresSerializer()
    results = JourneyRowSerializer(many=True)
    resolution_touchpoints = ChannelCountSerializer(many=True)
    preferred_channels = ChannelCountSerializer(many=True)


PERIOD_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (default: 29 days ago)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, included (default: today)."),
    OpenApiParameter("group_by", OpenApiTypes.STR, enum=list(GROUPS), description="Default: day."),
]


class MetricsViewSet(viewsets.ViewSet):
    """Operations and journey KPIs for a period of at most two years, grouped."""

    # The figures are about tickets: whoever may view tickets may read them (for their queues).
    permission_classes = [ModelPermission]
    permission_model = Ticket

    @extend_schema(parameters=PERIOD_PARAMETERS, responses=OperationsMetricsSerializer)
    def list(self, request: Request) -> Response:
        date_from, date_to, group_by = parse_period(request.query_params)
        data = operations_metrics(
            user=request.user, date_from=date_from, date_to=date_to, group_by=group_by
        )
        return Response(OperationsMetricsSerializer(data).data)

    @extend_schema(parameters=PERIOD_PARAMETERS, responses=JourneyMetricsSerializer)
    @action(detail=False, methods=["get"])
    def journey(self, request: Request) -> Response:
        date_from, date_to, group_by = parse_period(request.query_params)
        data = journey_metrics(
            user=request.user, date_from=date_from, date_to=date_to, group_by=group_by
        )
        return Response(JourneyMetricsSerializer(data).data)
