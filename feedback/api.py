"""REST API of the feedback app: surveys and their answers, metrics, campaigns, sentiment, QA.
Reads go through selectors (object-level rules, constant query counts); writes call services."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cim_site.api.pagination import CursorPagination, StableOrderingFilter
from cim_site.api.schema import EnumField
from cim_site.permissions import scope_to_tickets, unticketed_invitations
from customers.models import Customer, Segment
from tickets.models import Ticket
from tickets.selectors import can_view_ticket, is_supervisor

from . import selectors, services
from .models import (
    InvitationStatus,
    MessageSentiment,
    QAReview,
    Scorecard,
    ScorecardCriterion,
    SentimentLabel,
    SurveyCampaign,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
)

# --- Surveys -------------------------------------------------------------------------------------


class ResponseInlineSerializer(serializers.ModelSerializer):
    sentiment = EnumField(SentimentLabel, read_only=True, enum_name="SentimentLabelEnum")

    class Meta:
        model = SurveyResponse
        fields = ["score", "comment", "created_at", "sentiment", "sentiment_score"]
        read_only_fields = fields


class InvitationSerializer(serializers.ModelSerializer):
    kind = EnumField(SurveyKind, read_only=True)
    status = EnumField(InvitationStatus, read_only=True)
    response = ResponseInlineSerializer(read_only=True, allow_null=True)

    class Meta:
        model = SurveyInvitation
        fields = [
            "id",
            "kind",
            "status",
            "skip_reason",
            "customer",
            "ticket",
            "campaign",
            "queue",
            "agent",
            "reason",
            "segment",
            "channel",
            "due_at",
            "sent_at",
            "expires_at",
            "response",
        ]
        read_only_fields = fields


class InvitationViewSet(viewsets.ReadOnlyModelViewSet):
    """Survey invitations and their answers. Agents see those of their queues' tickets."""

    serializer_class = InvitationSerializer
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_fields = ["kind", "status", "ticket", "customer", "queue", "agent", "campaign"]
    ordering_fields = ["created_at", "sent_at"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[SurveyInvitation]:
        user = self.request.user
        # The admin's rule (feedback.admin.SurveyInvitationAdmin), from the same place.
        return scope_to_tickets(
            selectors.visible_invitations(user), user, "ticket", unticketed_invitations()
        ).select_related("response")


class MetricsQuerySerializer(serializers.Serializer):
    group_by = serializers.ChoiceField(choices=sorted(selectors.DIMENSIONS), default="kind")
    kind = serializers.ChoiceField(choices=SurveyKind.values, required=False)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


class MetricRowSerializer(serializers.Serializer):
    group = serializers.CharField(allow_null=True)
    label = serializers.CharField(allow_null=True)
    sent = serializers.IntegerField()
    responses = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)
    csat_responses = serializers.IntegerField()
    csat_percent = serializers.FloatField(allow_null=True)
    nps_responses = serializers.IntegerField()
    nps = serializers.FloatField(allow_null=True)
    ces_responses = serializers.IntegerField()
    ces_mean = serializers.FloatField(allow_null=True)


class SurveyMetricsViewSet(viewsets.ViewSet):
    """CSAT %, NPS, CES mean and response rate, grouped by queue, agent, reason, channel,
    segment, survey kind or period (day/week/month of sending)."""

    permission_model = SurveyResponse

    @extend_schema(parameters=[MetricsQuerySerializer], responses=MetricRowSerializer(many=True))
    def list(self, request: Request) -> Response:
        query = MetricsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.survey_metrics(user=request.user, **query.validated_data)
        return Response(MetricRowSerializer(rows, many=True).data)


class CampaignSerializer(serializers.ModelSerializer):
    kind = EnumField(SurveyKind, default=SurveyKind.NPS)
    segment = serializers.SlugRelatedField(
        slug_field="code", queryset=Segment.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = SurveyCampaign
        fields = [
            "id",
            "name",
            "kind",
            "segment",
            "repeat_days",
            "next_run_at",
            "last_run_at",
            "is_active",
        ]
        read_only_fields = ["id", "last_run_at"]

    def validate_kind(self, value: str) -> str:
        if value == SurveyKind.CSAT:
            raise serializers.ValidationError(_("CSAT follows solved tickets; pick NPS or CES."))
        return value


class CampaignViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Relationship surveys (NPS) to a segment: supervisors create and run them."""

    serializer_class = CampaignSerializer
    permission_actions = {"run": "change"}
    queryset = SurveyCampaign.objects.select_related("segment")

    def perform_create(self, serializer: Any) -> None:
        serializer.save(created_by=self.request.user)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def run(self, request: Request, pk: str | None = None) -> Response:
        campaign = self.get_object()
        scheduled = services.run_campaign(campaign=campaign, by=request.user)
        return Response({"scheduled": scheduled})


# --- Sentiment -----------------------------------------------------------------------------------


class MessageSentimentSerializer(serializers.ModelSerializer):
    label = EnumField(SentimentLabel, read_only=True, enum_name="SentimentLabelEnum")

    class Meta:
        model = MessageSentiment
        fields = [
            "message",
            "ticket",
            "customer",
            "pending",
            "label",
            "score",
            "analyser_version",
            "analysed_at",
            "action_taken",
        ]
        read_only_fields = fields


class SentimentPagination(CursorPagination):
    # The row's key is its message: newest messages first.
    ordering = "-message"


class SentimentViewSet(viewsets.ReadOnlyModelViewSet):
    """Sentiment of customer messages (by message id), filterable by ticket, customer and label;
    `trend?ticket=ID` and `customer-summary?customer=ID` for the ticket and customer views."""

    serializer_class = MessageSentimentSerializer
    pagination_class = SentimentPagination
    lookup_field = "message"
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["ticket", "customer", "label", "pending"]

    def get_queryset(self) -> QuerySet[MessageSentiment]:
        return scope_to_tickets(MessageSentiment.objects.all(), self.request.user, "ticket")

    def _ticket(self, request: Request) -> Ticket:
        raw = request.query_params.get("ticket", "")
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
            raise exceptions.ValidationError({"ticket": [_("Give a ticket id.")]})
        ticket = get_object_or_404(Ticket, pk=int(raw))
        if not can_view_ticket(request.user, ticket):
            raise exceptions.NotFound()
        return ticket

    @extend_schema(
        parameters=[OpenApiParameter("ticket", OpenApiTypes.INT, required=True)],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["get"])
    def trend(self, request: Request) -> Response:
        ticket = self._ticket(request)
        return Response(
            {"ticket": ticket.pk, "messages": selectors.ticket_sentiment_trend(ticket=ticket)}
        )

    @extend_schema(
        parameters=[OpenApiParameter("customer", OpenApiTypes.INT, required=True)],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["get"], url_path="customer-summary")
    def customer_summary(self, request: Request) -> Response:
        raw = request.query_params.get("customer", "")
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
            raise exceptions.ValidationError({"customer": [_("Give a customer id.")]})
        customer = get_object_or_404(Customer, pk=int(raw))
        summary = selectors.customer_sentiment_summary(customer_id=customer.pk)
        return Response({"customer": customer.pk, **summary})


# --- Quality reviews -----------------------------------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScorecardCriterion
        fields = ["id", "name", "description", "weight", "max_points", "position"]
        read_only_fields = ["id", "position"]


class ScorecardSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True)

    class Meta:
        model = Scorecard
        fields = ["id", "name", "description", "is_active", "criteria"]
        read_only_fields = ["id", "is_active"]


class ScorecardViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ScorecardSerializer
    queryset = Scorecard.objects.prefetch_related("criteria")
    pagination_class = None

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        scorecard = services.create_scorecard(
            name=data["name"], description=data.get("description", ""), criteria=data["criteria"]
        )
        fresh = self.get_queryset().get(pk=scorecard.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)


class ScoreSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    points = serializers.IntegerField(min_value=0, max_value=100)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ScoreOutSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(source="criterion_id")
    name = serializers.CharField(source="criterion.name")
    weight = serializers.IntegerField(source="criterion.weight")
    max_points = serializers.IntegerField(source="criterion.max_points")
    points = serializers.IntegerField()
    comment = serializers.CharField()


class ReviewSerializer(serializers.ModelSerializer):
    scores = ScoreOutSerializer(many=True, read_only=True)
    ticket_reference = serializers.CharField(source="ticket.reference", read_only=True)

    class Meta:
        model = QAReview
        fields = [
            "id",
            "scorecard",
            "ticket",
            "ticket_reference",
            "interaction",
            "agent",
            "reviewer",
            "comment",
            "total_percent",
            "created_at",
            "scores",
        ]
        read_only_fields = fields


class ReviewCreateSerializer(serializers.Serializer):
    scorecard = serializers.PrimaryKeyRelatedField(queryset=Scorecard.objects.all())
    ticket = serializers.PrimaryKeyRelatedField(queryset=Ticket.objects.all())
    interaction = serializers.IntegerField(required=False, allow_null=True)
    agent = serializers.IntegerField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    scores = ScoreSerializer(many=True)


class ReviewViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """QA reviews. Supervisors see and write all; an agent reads only the reviews of their own
    work. `report?by=agent|criterion&period=day|week|month` gives the trend."""

    serializer_class = ReviewSerializer
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_fields = ["agent", "ticket", "scorecard"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[QAReview]:
        return selectors.visible_reviews(self.request.user)

    @extend_schema(request=ReviewCreateSerializer, responses={201: ReviewSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not is_supervisor(request.user):
            raise exceptions.PermissionDenied(_("Only supervisors review agents' work."))
        serializer = ReviewCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        from django.contrib.auth import get_user_model

        from channels.models import Interaction

        agent = get_user_model().objects.filter(pk=data["agent"]).first()
        interaction = None
        if data.get("interaction"):
            interaction = Interaction.objects.filter(pk=data["interaction"]).first()
            if interaction is None:
                raise exceptions.ValidationError({"interaction": [_("No such interaction.")]})
        scores = {item["criterion"]: item["points"] for item in data["scores"]}
        if len(scores) != len(data["scores"]):
            raise exceptions.ValidationError({"scores": [_("Score each criterion once.")]})
        review = services.create_review(
            scorecard=data["scorecard"],
            ticket=data["ticket"],
            agent=agent,
            reviewer=request.user,
            scores=scores,
            comment=data.get("comment", ""),
            criterion_comments={i["criterion"]: i.get("comment", "") for i in data["scores"]},
            interaction=interaction,
        )
        fresh = self.get_queryset().get(pk=review.pk)
        return Response(ReviewSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("by", OpenApiTypes.STR, enum=["agent", "criterion"]),
            OpenApiParameter("period", OpenApiTypes.STR, enum=["day", "week", "month"]),
            OpenApiParameter("since", OpenApiTypes.DATETIME),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["get"])
    def report(self, request: Request) -> Response:
        by = request.query_params.get("by", "agent")
        period = request.query_params.get("period", "month")
        if by not in ("agent", "criterion") or period not in ("day", "week", "month"):
            raise exceptions.ValidationError(
                {"by": [_("agent or criterion")], "period": [_("day, week or month")]}
            )
        since_raw = request.query_params.get("since")
        since = parse_datetime(since_raw) if since_raw else None
        if since_raw and since is None:
            raise exceptions.ValidationError({"since": [_("Give a date and time (ISO 8601).")]})
        return Response(selectors.qa_report(user=request.user, by=by, period=period, since=since))
