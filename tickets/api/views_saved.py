"""Saved views over the API: `GET /api/v1/views/` (the user's views with their counts),
`POST /api/v1/views/` (a new view), `GET /api/v1/views/<id>/`. The tickets of a view are
`GET /api/v1/tickets/?view=<id>`. A view the user may not open is a 404."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from cim_site.api.schema import ErrorSerializer

from .. import saved_views
from ..models import Queue, SavedView, ViewVisibility


class SavedViewSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    count = serializers.SerializerMethodField(
        help_text=f"Tickets in the view, counted up to {saved_views.CAP + 1}."
    )
    count_display = serializers.SerializerMethodField(help_text='e.g. "12" or "999+".')
    shared = serializers.SerializerMethodField()

    class Meta:
        model = SavedView
        fields = [
            "id",
            "name",
            "name_en",
            "label",
            "visibility",
            "queue",
            "spec",
            "count",
            "count_display",
            "shared",
        ]

    def get_count(self, view: SavedView) -> int | None:
        return self.context.get("counts", {}).get(view.pk)

    def get_count_display(self, view: SavedView) -> str | None:
        count = self.get_count(view)
        return None if count is None else saved_views.display_count(count)

    def get_shared(self, view: SavedView) -> bool:
        return view.visibility != ViewVisibility.PERSONAL


class SavedViewCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    name_en = serializers.CharField(max_length=80, required=False, allow_blank=True)
    visibility = serializers.ChoiceField(
        choices=ViewVisibility.choices, default=ViewVisibility.PERSONAL
    )
    queue = serializers.PrimaryKeyRelatedField(
        queryset=Queue.objects.all(), required=False, allow_null=True
    )
    spec = serializers.JSONField()


class SavedViewViewSet(viewsets.GenericViewSet):
    serializer_class = SavedViewSerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return saved_views.visible_views(self.request.user)

    @extend_schema(summary="The user's views with their counts")
    def list(self, request: Request) -> Response:
        rows = saved_views.views_with_counts(user=request.user)
        counts = {view.pk: count for view, count in rows}
        data = SavedViewSerializer([v for v, _c in rows], many=True, context={"counts": counts})
        return Response(data.data)

    @extend_schema(summary="One view", responses={200: SavedViewSerializer, 404: ErrorSerializer})
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        view = saved_views.get_view(user=request.user, view_id=pk)
        if view is None:
            raise exceptions.NotFound()
        counts = saved_views.count_views(user=request.user, views=[view])
        return Response(SavedViewSerializer(view, context={"counts": counts}).data)

    @extend_schema(
        summary="Save a view",
        request=SavedViewCreateSerializer,
        responses={201: SavedViewSerializer, 400: ErrorSerializer},
    )
    def create(self, request: Request) -> Response:
        payload = SavedViewCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            view = saved_views.create_view(
                by=request.user,
                name=data["name"],
                name_en=data.get("name_en", ""),
                spec=data["spec"],
                visibility=data["visibility"],
                queue=data.get("queue"),
            )
        except DjangoValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"spec": exc.messages}
            raise exceptions.ValidationError(detail) from exc
        counts = saved_views.count_views(user=request.user, views=[view])
        return Response(
            SavedViewSerializer(view, context={"counts": counts}).data,
            status=status.HTTP_201_CREATED,
        )
