"""GET /api/v1/chat/bot-metrics/?since=ISO-8601 — how the chatbot does (staff only): chats it
took, answered, resolved without a person (deflected), handed over and why, with rates."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from .chatbot_metrics import bot_metrics
from .models import ChatSession


class BotMetricsQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(required=False, allow_null=True)


class BotMetricsSerializer(serializers.Serializer):
    since = serializers.DateTimeField(allow_null=True)
    sessions = serializers.IntegerField()
    answered = serializers.IntegerField()
    clarified = serializers.IntegerField()
    deflected = serializers.IntegerField()
    handed_off = serializers.IntegerField()
    handoff_reasons = serializers.DictField(child=serializers.IntegerField())
    answer_rate = serializers.FloatField()
    deflection_rate = serializers.FloatField()
    handoff_rate = serializers.FloatField()


class BotMetricsViewSet(viewsets.ViewSet):
    """Chatbot deflection and hand-off figures since `since` (default: the last 30 days)."""

    permission_model = ChatSession

    @extend_schema(parameters=[BotMetricsQuerySerializer], responses=BotMetricsSerializer)
    def list(self, request: Request) -> Response:
        query = BotMetricsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        since = query.validated_data.get("since") or timezone.now() - timedelta(days=30)
        return Response(BotMetricsSerializer(bot_metrics(since=since)).data)
