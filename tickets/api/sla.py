"""SLA set-up over the API: calendars (hours, closed dates) and policies (conditions, targets).
Writes go through tickets.sla_config, which checks the whole calendar or policy at once."""

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from customers.models import ChannelKind, Segment

from .. import sla_config
from ..models import (
    BusinessCalendar,
    ClosedDate,
    OpeningHours,
    Priority,
    Queue,
    SLAPolicy,
    SLATarget,
    TicketStatus,
)


class OpeningHoursSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes"]


class ClosedDateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClosedDate
        fields = ["date", "name"]


class CalendarSerializer(serializers.ModelSerializer):
    hours = OpeningHoursSerializer(many=True, required=False)
    closed_dates = ClosedDateSerializer(many=True, required=False, source="closed")

    class Meta:
        model = BusinessCalendar
        fields = [
            "id",
            "name",
            "time_zone",
            "always_open",
            "holiday_country",
            "hours",
            "closed_dates",
        ]
        # Uniqueness and the other whole-calendar rules are checked by the service, once.
        extra_kwargs = {"name": {"validators": []}}


class TargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = SLATarget
        fields = [
            "priority",
            "first_response_minutes",
            "next_response_minutes",
            "resolution_minutes",
        ]


class PolicySerializer(serializers.ModelSerializer):
    targets = TargetSerializer(many=True)
    queues = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Queue.objects.all(), required=False
    )
    segments = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Segment.objects.all(), required=False
    )
    priorities = serializers.ListField(
        child=serializers.ChoiceField(choices=Priority.choices), required=False
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=ChannelKind.choices), required=False
    )
    pause_statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=[TicketStatus.PENDING, TicketStatus.ON_HOLD]),
        required=False,
    )

    class Meta:
        model = SLAPolicy
        fields = [
            "id",
            "name",
            "position",
            "is_active",
            "calendar",
            "queues",
            "priorities",
            "segments",
            "channels",
            "pause_statuses",
            "warning_percent",
            "escalate_raise_priority",
            "escalate_to_queue",
            "escalate_notify",
            "targets",
        ]


class _WriteThroughService(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    pagination_class = None

    def _save(self, serializer: Any, instance: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = self._save(serializer.validated_data, None)
        return Response(self.get_serializer(saved).data, status=201)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        partial = kwargs.get("partial", False)
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        saved = self._save({**self._current(instance), **serializer.validated_data}, instance)
        return Response(self.get_serializer(saved).data)

    def _current(self, instance: Any) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError


class CalendarViewSet(_WriteThroughService):
    serializer_class = CalendarSerializer

    def get_queryset(self) -> QuerySet[BusinessCalendar]:
        return BusinessCalendar.objects.prefetch_related("hours", "closed").order_by("name")

    def _current(self, calendar: BusinessCalendar) -> dict[str, Any]:
        return {
            "hours": [
                {"weekday": h.weekday, "opens": h.opens, "closes": h.closes}
                for h in calendar.hours.all()
            ],
            "closed": [{"date": c.date, "name": c.name} for c in calendar.closed.all()],
        }

    def _save(self, data: dict[str, Any], calendar: Any) -> BusinessCalendar:
        saved = sla_config.save_calendar(
            calendar=calendar,
            name=data.get("name", getattr(calendar, "name", "")),
            time_zone=data.get("time_zone", getattr(calendar, "time_zone", "Asia/Ho_Chi_Minh")),
            always_open=data.get("always_open", getattr(calendar, "always_open", False)),
            holiday_country=data.get("holiday_country", getattr(calendar, "holiday_country", "VN")),
            hours=[sla_config.HoursRow(**h) for h in data.get("hours", [])],
            closed_dates=[(c["date"], c.get("name", "")) for c in data.get("closed", [])],
            by=self.request.user,
        )
        return self.get_queryset().get(pk=saved.pk)


class PolicyViewSet(_WriteThroughService):
    serializer_class = PolicySerializer

    def get_queryset(self) -> QuerySet[SLAPolicy]:
        return SLAPolicy.objects.prefetch_related("targets", "queues", "segments").order_by(
            "position", "id"
        )

    def _current(self, policy: SLAPolicy) -> dict[str, Any]:
        return {
            "targets": [
                {
                    "priority": t.priority,
                    "first_response_minutes": t.first_response_minutes,
                    "next_response_minutes": t.next_response_minutes,
                    "resolution_minutes": t.resolution_minutes,
                }
                for t in policy.targets.all()
            ],
            "queues": list(policy.queues.all()),
            "segments": list(policy.segments.all()),
        }

    def _save(self, data: dict[str, Any], policy: Any) -> SLAPolicy:
        data = dict(data)
        targets = [sla_config.TargetRow(**t) for t in data.pop("targets", [])]
        saved = sla_config.save_policy(
            policy=policy,
            targets=targets,
            queues=data.pop("queues", []),
            segments=data.pop("segments", []),
            by=self.request.user,
            **data,
        )
        return self.get_queryset().get(pk=saved.pk)
