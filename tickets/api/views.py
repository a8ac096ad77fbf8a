"""Viewsets of the tickets API: validate input, call one service (or several in one
transaction), answer with the result re-read for display."""

from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cim_site.api.pagination import OldestFirstCursorPagination, StableOrderingFilter
from cim_site.api.schema import ErrorSerializer
from customers import services as customer_services
from customers.models import ChannelKind, Customer, Language

from .. import saved_views, selectors, services
from ..filters import TicketFilter
from ..models import AuthorType, InteractionReason, MessageKind, Queue, Ticket, TicketIdempotencyKey
from .serializers import (
    AssignSerializer,
    MessageCreateSerializer,
    MessageSerializer,
    NoteSerializer,
    QueueSerializer,
    ReasonSerializer,
    ReasonWriteSerializer,
    StatusSerializer,
    TicketCreateSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"


# --- Tickets ------------------------------------------------------------------------------------


def _resolve_customer(data: dict[str, Any]) -> Customer:
    if data.get("customer"):
        return data["customer"]
    email, phone = data.get("email", ""), data.get("phone", "")
    kind, address = (ChannelKind.EMAIL, email) if email else (ChannelKind.PHONE, phone)
    return customer_services.resolve_customer(
        kind=kind,
        address=address,
        name=data.get("name", ""),
        language=data.get("language") or Language.VI,
    )


def _with_related(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return tickets.select_related(
        "customer", "queue", "assignee", "reason", "reason__parent", "merged_into"
    ).prefetch_related("tags")


_ERRORS = {400: ErrorSerializer, 404: ErrorSerializer}
_CONFLICT = {**_ERRORS, 409: ErrorSerializer}


@extend_schema_view(
    list=extend_schema(summary="Tickets the user may see"),
    retrieve=extend_schema(
        summary="One ticket", responses={200: TicketSerializer, 404: ErrorSerializer}
    ),
)
class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    # Replying, assigning and moving through the statuses change the ticket.
    permission_actions = dict.fromkeys(
        ("messages", "assign", "set_status", "solve", "close", "reopen"), "change"
    )
    serializer_class = TicketSerializer
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = TicketFilter
    ordering_fields = ["created_at", "priority", "updated_at"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[Ticket]:
        tickets = selectors.list_tickets(user=self.request.user)
        view_id = self.request.query_params.get("view") if self.action == "list" else None
        if view_id:
            # ?view=<id>: a saved view (tickets.saved_views); one the user may not open is a 404.
            view = saved_views.get_view(user=self.request.user, view_id=view_id)
            if view is None:
                raise exceptions.NotFound()
            tickets = saved_views.view_tickets(user=self.request.user, view=view, base=tickets)
        return tickets

    def _render(self, ticket: Ticket, *, code: int = status.HTTP_200_OK) -> Response:
        # Re-read with the related rows the list shows: the service returns a bare locked row.
        # Not limited to the user's queues: a transfer moves the ticket out of sight, and the
        # agent who made it still gets the result of their own request.
        fresh = _with_related(Ticket.objects.filter(pk=ticket.pk)).get()
        return Response(TicketSerializer(fresh).data, status=code)

    @extend_schema(
        summary="Open a ticket",
        request=TicketCreateSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description=(
                    "Retrying with the same key returns the ticket the first request made "
                    "(200) instead of opening a second one (201)."
                ),
            )
        ],
        responses={201: TicketSerializer, 200: TicketSerializer, 400: ErrorSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if len(key) > 255:
            raise exceptions.ValidationError({IDEMPOTENCY_HEADER: [_("At most 255 characters.")]})
        if key:
            earlier = (
                TicketIdempotencyKey.objects.filter(owner=request.user, key=key)
                .values_list("ticket_id", flat=True)
                .first()
            )
            if earlier is not None:
                # The creator gets their ticket back even if it has since moved out of sight.
                replay = _with_related(Ticket.objects.filter(pk=earlier)).get()
                return Response(TicketSerializer(replay).data, status=status.HTTP_200_OK)
        data = TicketCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        # One transaction: a customer created for this ticket does not outlive a refused ticket.
        with transaction.atomic():
            ticket = services.create_ticket(
                customer=_resolve_customer(values),
                subject=values["subject"],
                body=values["body"],
                queue=values["queue"],
                channel=values["channel"],
                priority=values.get("priority"),
                reason=values.get("reason"),
                tags=values.get("tags", ()),
                language=values.get("language"),
                by=request.user,
                author_type=AuthorType.CUSTOMER,
                idempotency_key=key or None,
            )
        return self._render(ticket, code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change priority, reason, queue or tags",
        request=TicketUpdateSerializer,
        responses={200: TicketSerializer, **_ERRORS},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_object()
        data = TicketUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        values = data.validated_data
        by = request.user
        # Several services, one transaction: the request applies completely or not at all.
        with transaction.atomic():
            if "priority" in values and values["priority"] != ticket.priority:
                services.set_priority(ticket=ticket, priority=values["priority"], by=by)
            if "reason" in values and values["reason"] != ticket.reason:
                services.set_reason(ticket=ticket, reason=values["reason"], by=by)
            if "queue" in values:
                services.move_ticket(ticket=ticket, queue=values["queue"], by=by)
            if "tags" in values:
                kept = {services.add_tag(ticket=ticket, name=n, by=by).name for n in values["tags"]}
                for tag in ticket.tags.all():
                    if tag.name not in kept:
                        services.remove_tag(ticket=ticket, name=tag.name, by=by)
        return self._render(ticket)

    @extend_schema(
        methods=["GET"],
        summary="The conversation, oldest first (internal notes included)",
        responses={200: MessageSerializer(many=True), 404: ErrorSerializer},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a public reply (sent to the customer) or an internal note",
        request=MessageCreateSerializer,
        responses={201: MessageSerializer, **_CONFLICT},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filter_backends=[],
        pagination_class=OldestFirstCursorPagination,
    )
    def messages(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(selectors.ticket_thread(ticket=ticket))
            return self.get_paginated_response(MessageSerializer(page, many=True).data)
        data = MessageCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values["kind"] == MessageKind.INTERNAL:
            if values.get("status"):
                raise exceptions.ValidationError(
                    {"status": [_("A status change goes with a public reply, not a note.")]}
                )
            message = services.add_internal_note(
                ticket=ticket, by=request.user, body=values["body"]
            )
        else:
            message = services.reply(
                ticket=ticket, by=request.user, body=values["body"], status=values.get("status")
            )
        fresh = selectors.ticket_thread(ticket=ticket).get(pk=message.pk)
        return Response(MessageSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Assign to an agent of the ticket's queue, or unassign with null",
        request=AssignSerializer,
        responses={200: TicketSerializer, **_CONFLICT},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agent = data.validated_data["assignee"]
        return self._render(services.assign_ticket(ticket=ticket, agent=agent, by=request.user))

    @extend_schema(
        summary="Move the ticket to a status of the workflow",
        request=StatusSerializer,
        responses={200: TicketSerializer, **_CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="status", filter_backends=[])
    def set_status(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        data = StatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        changed = services.change_status(
            ticket=ticket, to=values["status"], by=request.user, note=values["note"]
        )
        return self._render(changed)

    def _transition(self, request: Request, service: Any) -> Response:
        ticket = self.get_object()
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._render(
            service(ticket=ticket, by=request.user, note=data.validated_data["note"])
        )

    @extend_schema(
        summary="Mark solved",
        request=NoteSerializer,
        responses={200: TicketSerializer, **_CONFLICT},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def solve(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, services.solve_ticket)

    @extend_schema(
        summary="Close (final)",
        request=NoteSerializer,
        responses={200: TicketSerializer, **_CONFLICT},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def close(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, services.close_ticket)

    @extend_schema(
        summary="Reopen a solved ticket",
        request=NoteSerializer,
        responses={200: TicketSerializer, **_CONFLICT},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, services.reopen_ticket)


# --- Queues and reasons -------------------------------------------------------------------------


class QueueViewSet(viewsets.ReadOnlyModelViewSet):
    """Every queue, so integrations and agents can find the code to create or transfer work to."""

    queryset = Queue.objects.all()
    serializer_class = QueueSerializer
    pagination_class = None
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["is_active", "code"]


_ACTIVE_PARAM = OpenApiParameter(
    "active", OpenApiTypes.BOOL, description="Only active categories and reasons."
)


@extend_schema_view(
    list=extend_schema(
        summary="The reason tree: categories with their reasons", parameters=[_ACTIVE_PARAM]
    ),
    retrieve=extend_schema(parameters=[_ACTIVE_PARAM]),
    create=extend_schema(request=ReasonWriteSerializer, responses={201: ReasonSerializer}),
    partial_update=extend_schema(
        request=ReasonWriteSerializer, responses={200: ReasonSerializer, **_ERRORS}
    ),
)
class ReasonViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Readable by all staff; changed by the "Reason manager" group and superusers. Reasons are
    never deleted (tickets and reports point at them): deactivate them instead."""

    serializer_class = ReasonSerializer
    pagination_class = None
    filter_backends: list[Any] = []

    def _active_only(self) -> bool:
        return self.request.query_params.get("active", "").lower() in ("1", "true", "yes")

    def get_queryset(self) -> QuerySet[InteractionReason]:
        children = InteractionReason.objects.order_by("position", "code")
        reasons = InteractionReason.objects.all()
        if self._active_only():
            children = children.filter(is_active=True)
            reasons = reasons.filter(is_active=True)
        if self.action == "list":
            reasons = reasons.filter(parent__isnull=True)
        return reasons.prefetch_related(Prefetch("children", queryset=children))

    def _render(self, reason: InteractionReason, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = InteractionReason.objects.prefetch_related("children").get(pk=reason.pk)
        return Response(ReasonSerializer(fresh).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ReasonWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reason = services.create_reason(**data.validated_data, by=request.user)
        return self._render(reason, code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        reason = self.get_object()
        data = ReasonWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        updated = services.update_reason(reason=reason, by=request.user, **data.validated_data)
        return self._render(updated)
