"""API of the agent workspace: merge tickets, link them, read and clear one's notifications.

Tickets are looked up through the same selector as the rest of the tickets API, so a ticket of
another queue is a 404 here too, and a source the agent cannot see is refused before the merge
service (which checks the queues again, under its locks)."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cim_site.api.schema import ErrorSerializer

from .. import notifications, relations, selectors
from ..models import LinkKind, Notification, Ticket, TicketLink
from .serializers import TicketRefSerializer, TicketSerializer

_ERRORS = {400: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class MergeSerializer(serializers.Serializer):
    sources = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=relations.MAX_MERGE_SOURCES,
        help_text="Ids of the tickets to merge into this one.",
    )
    notify_customer = serializers.BooleanField(default=False)
    allow_other_customers = serializers.BooleanField(
        default=False,
        help_text="Required (true) to merge tickets of different customers; else 409.",
    )


class MergeResultSerializer(serializers.Serializer):
    ticket = TicketSerializer()
    merged = TicketRefSerializer(many=True)
    messages_moved = serializers.IntegerField()


class LinkSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    ticket = TicketRefSerializer(read_only=True, help_text="The ticket at the other end.")
    kind = serializers.ChoiceField(choices=LinkKind.choices)
    outgoing = serializers.BooleanField(
        read_only=True, help_text="True: this ticket <kind> the other; false: the other way."
    )
    created_at = serializers.DateTimeField(read_only=True)


class LinkCreateSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(min_value=1, help_text="Id of the ticket to link to.")
    kind = serializers.ChoiceField(choices=LinkKind.choices, default=LinkKind.RELATED)


class LinkDeleteSerializer(serializers.Serializer):
    link = serializers.IntegerField(min_value=1)


class NotificationSerializer(serializers.ModelSerializer):
    ticket = TicketRefSerializer(read_only=True)
    text = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "ticket", "text", "created_at", "read_at"]

    def get_text(self, obj: Notification) -> str:
        return notifications.describe(obj)


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text="Notifications to mark read; all unread ones when left out.",
    )


def _link_data(link: TicketLink, ticket: Ticket) -> dict[str, Any]:
    seen = relations.link_view(link, ticket)
    return {
        "id": link.pk,
        "ticket": TicketRefSerializer(seen["other"]).data,
        "kind": link.kind,
        "outgoing": seen["outgoing"],
        "created_at": link.created_at,
    }


class TicketRelationViewSet(viewsets.GenericViewSet):
    """Routes under /tickets/{id}/ (merge, links) beside TicketViewSet."""

    filter_backends: list[Any] = []
    pagination_class = None
    serializer_class = MergeSerializer
    permission_model = Ticket
    permission_actions = {"merge": "change", "links": "change"}

    def get_queryset(self) -> Any:
        return selectors.visible_tickets(self.request.user).select_related("customer", "queue")

    @extend_schema(
        summary="Merge other tickets into this one",
        request=MergeSerializer,
        responses={200: MergeResultSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        target = self.get_object()
        data = MergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        ids = sorted(set(values["sources"]))
        sources = list(self.get_queryset().filter(pk__in=ids))
        missing = sorted(set(ids) - {s.pk for s in sources})
        if missing:
            raise exceptions.ValidationError(
                {"sources": [_("No ticket you can see has the id %(ids)s.") % {"ids": missing}]}
            )
        result = relations.merge_tickets(
            target=target,
            sources=sources,
            by=request.user,
            notify_customer=values["notify_customer"],
            allow_other_customers=values["allow_other_customers"],
        )
        fresh = selectors.list_tickets(user=request.user).get(pk=target.pk)
        return Response(
            {
                "ticket": TicketSerializer(fresh).data,
                "merged": TicketRefSerializer(result.merged, many=True).data,
                "messages_moved": result.messages_moved,
            }
        )

    @extend_schema(
        methods=["GET"],
        summary="Tickets linked to this one",
        responses={200: LinkSerializer(many=True), 404: ErrorSerializer},
    )
    @extend_schema(
        methods=["POST"],
        summary="Link this ticket to another (a second link between them replaces the first)",
        request=LinkCreateSerializer,
        responses={201: LinkSerializer, **_ERRORS},
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Remove a link",
        request=LinkDeleteSerializer,
        responses={204: None, **_ERRORS},
    )
    @action(detail=True, methods=["get", "post", "delete"])
    def links(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        if request.method == "GET":
            return Response([_link_data(link, ticket) for link in relations.links_of(ticket)])
        if request.method == "DELETE":
            data = LinkDeleteSerializer(data=request.data or request.query_params)
            data.is_valid(raise_exception=True)
            link = relations.links_of(ticket).filter(pk=data.validated_data["link"]).first()
            if link is None:
                raise exceptions.NotFound()
            relations.unlink_tickets(link=link, by=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = LinkCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        other = self.get_queryset().filter(pk=data.validated_data["ticket"]).first()
        if other is None:
            raise exceptions.ValidationError({"ticket": [_("No ticket you can see has this id.")]})
        link = relations.link_tickets(
            ticket=ticket, other=other, by=request.user, kind=data.validated_data["kind"]
        )
        link = relations.links_of(ticket).get(pk=link.pk)
        return Response(_link_data(link, ticket), status=status.HTTP_201_CREATED)


class NotificationViewSet(viewsets.GenericViewSet):
    """The caller's own notifications, newest first (cursor pages)."""

    serializer_class = NotificationSerializer
    filter_backends: list[Any] = []
    permission_actions = {"mark_read": "change"}

    def get_queryset(self) -> Any:
        unread = self.request.query_params.get("unread", "").lower() in ("1", "true", "yes")
        return notifications.list_notifications(user=self.request.user, unread_only=unread)

    @extend_schema(summary="My notifications (?unread=true for unread only)")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        data = NotificationSerializer(page, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(
        summary="Mark notifications read",
        request=MarkReadSerializer,
        responses={
            200: inline_serializer(
                "MarkReadResult",
                {"marked": serializers.IntegerField(), "unread": serializers.IntegerField()},
            )
        },
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request: Request) -> Response:
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changed = notifications.mark_read(user=request.user, ids=data.validated_data.get("ids"))
        return Response({"marked": changed, "unread": notifications.unread_count(request.user)})
