"""Macros in the API: the list an agent may use (most used first), their upkeep by owner or
lead, and applying one to a ticket. Decisions are tickets.macros'; a ticket or macro the user
cannot see is a 404, a forbidden transition a 409 (cim_site.api.errors)."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cim_site.api.schema import EnumField, ErrorSerializer

from .. import macros, selectors
from ..errors import TicketError, TicketErrorCode
from ..models import Macro, MacroAssign, MacroVisibility, Priority, Ticket, TicketStatus
from .serializers import TicketSerializer

_ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


class MacroSerializer(serializers.ModelSerializer):
    visibility = EnumField(MacroVisibility, required=False)
    set_status = EnumField(TicketStatus, required=False, allow_blank=True)
    set_priority = EnumField(Priority, required=False, allow_null=True)
    assign = EnumField(MacroAssign, enum_name="MacroAssignEnum", required=False, allow_blank=True)
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Macro
        fields = [
            "id",
            "name",
            *macros.MACRO_FIELDS,
            "owner",
            "usage_count",
            "last_used_at",
        ]
        read_only_fields = ["owner", "usage_count", "last_used_at"]


class ApplyMacroSerializer(serializers.Serializer):
    macro = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    send = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Default: the macro's own flag."
    )


class MacroResultSerializer(serializers.Serializer):
    ticket = TicketSerializer()
    reply = serializers.CharField()
    sent = serializers.BooleanField()


def _as_forbidden(exc: TicketError) -> Exception:
    if exc.code == TicketErrorCode.NOT_ALLOWED:
        return exceptions.PermissionDenied(exc.message)
    return exc


@extend_schema_view(
    list=extend_schema(summary="Macros the user may apply, most used first"),
    retrieve=extend_schema(summary="One macro", responses={200: MacroSerializer, **_ERRORS}),
    create=extend_schema(
        summary="Create a macro (agents: personal; a queue's lead: that queue's; supervisors: any)",
        responses={201: MacroSerializer, **_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a macro (its owner, its queue's lead or a supervisor)",
        responses={200: MacroSerializer, **_ERRORS},
    ),
    destroy=extend_schema(
        summary="Delete a macro (its owner, its queue's lead or a supervisor)",
        responses={204: None, **_ERRORS},
    ),
)
class MacroViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = MacroSerializer
    pagination_class = None
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Macro]:
        user = self.request.user
        if self.request.method in ("PATCH", "DELETE"):
            # Usable or manageable: one the user may use but not keep is a 403, unseen a 404.
            return (macros.usable_macros(user) | macros.manageable_macros(user)).distinct()
        return macros.usable_macros(user)

    def perform_create(self, serializer: Any) -> None:
        try:
            serializer.instance = macros.create_macro(
                by=self.request.user, **serializer.validated_data
            )
        except TicketError as exc:
            raise _as_forbidden(exc) from None

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        macro = self.get_object()
        data = MacroSerializer(macro, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        try:
            macro = macros.update_macro(macro=macro, by=request.user, **data.validated_data)
        except TicketError as exc:
            raise _as_forbidden(exc) from None
        return Response(MacroSerializer(macro).data)

    def perform_destroy(self, instance: Macro) -> None:
        try:
            macros.delete_macro(macro=instance, by=self.request.user)
        except TicketError as exc:
            raise _as_forbidden(exc) from None


class ApplyMacroView(APIView):
    permission_model = Ticket
    permission_action = "change"

    @extend_schema(
        summary="Apply a macro: its actions, and its reply sent or returned to edit",
        request=ApplyMacroSerializer,
        responses={200: MacroResultSerializer, **_ERRORS, 409: ErrorSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        ticket = get_object_or_404(selectors.visible_tickets(request.user), pk=pk)
        data = ApplyMacroSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        macro = get_object_or_404(
            macros.usable_macros(request.user), pk=data.validated_data["macro"]
        )
        try:
            result = macros.apply_macro(
                ticket=ticket, macro=macro, by=request.user, send=data.validated_data["send"]
            )
        except TicketError as exc:
            raise _as_forbidden(exc) from None
        fresh = (
            Ticket.objects.select_related(
                "customer", "queue", "assignee", "reason", "reason__parent"
            )
            .prefetch_related("tags")
            .get(pk=result.ticket.pk)
        )
        return Response(
            {
                "ticket": TicketSerializer(fresh).data,
                "reply": result.reply_text,
                "sent": result.sent_message is not None,
            },
            status=status.HTTP_200_OK,
        )
