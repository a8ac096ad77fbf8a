"""Serializers of the tickets API: output shapes, and input that is validated before a service
is called."""

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cim_site.api.schema import EnumField
from customers.models import ChannelKind, Customer, Language

from .. import selectors
from ..models import (
    InteractionReason,
    MessageKind,
    Priority,
    Queue,
    Ticket,
    TicketMessage,
    TicketStatus,
)

User = get_user_model()


def _as_id(text: str) -> int | None:
    """A database id written as text, or None. ASCII digits only ("²".isdigit() is True) and
    bounded, so a 40-digit number is "not an id" rather than an overflow in the driver."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


# --- Output serializers -------------------------------------------------------------------------


class QueueSerializer(serializers.ModelSerializer):
    default_priority = EnumField(Priority, read_only=True)

    class Meta:
        model = Queue
        fields = ["id", "code", "name", "description", "default_priority", "is_active"]
        read_only_fields = fields


class QueueRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Queue
        fields = ["id", "code", "name"]
        read_only_fields = fields


class UserRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name"]
        read_only_fields = fields


class CustomerRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "name", "email", "phone"]
        read_only_fields = fields


class ReasonRefSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(source="parent", slug_field="code", read_only=True)

    class Meta:
        model = InteractionReason
        fields = ["id", "code", "name_vi", "name_en", "category"]
        read_only_fields = fields


class TicketRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = ["id", "reference"]


class TicketSerializer(serializers.ModelSerializer):
    customer = CustomerRefSerializer(read_only=True)
    queue = QueueRefSerializer(read_only=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    reason = ReasonRefSerializer(read_only=True, allow_null=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    priority = EnumField(Priority, read_only=True)
    channel = EnumField(ChannelKind, read_only=True)
    sla_next_due_at = serializers.SerializerMethodField(
        help_text="Earliest due time of a target not yet met; null when none is running."
    )
    merged_into = TicketRefSerializer(
        read_only=True,
        allow_null=True,
        help_text="The ticket this one was merged into (its reference now leads there), or null.",
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "subject",
            "status",
            "priority",
            "channel",
            "language",
            "customer",
            "queue",
            "assignee",
            "reason",
            "tags",
            "created_by",
            "created_at",
            "updated_at",
            "first_responded_at",
            "solved_at",
            "closed_at",
            "sla_policy",
            "first_response_due_at",
            "next_response_due_at",
            "resolution_due_at",
            "sla_next_due_at",
            "sla_paused_at",
            "sla_breached",
            "merged_into",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_sla_next_due_at(self, ticket: Ticket) -> Any:
        due = selectors.next_sla_due(ticket)
        # Rendered like the model's own datetime fields (in the site's time zone).
        return serializers.DateTimeField().to_representation(due) if due else None


class AttachmentInfoSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    filename = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)


class MessageSerializer(serializers.ModelSerializer):
    author_user = UserRefSerializer(read_only=True, allow_null=True)
    attachments = AttachmentInfoSerializer(many=True, read_only=True)
    kind = EnumField(MessageKind, read_only=True)
    channel = EnumField(ChannelKind, read_only=True)

    class Meta:
        model = TicketMessage
        fields = [
            "id",
            "kind",
            "author_type",
            "author_user",
            "author_customer",
            "body",
            "channel",
            "created_at",
            "attachments",
        ]
        read_only_fields = fields


# --- Input serializers --------------------------------------------------------------------------


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class QueueField(serializers.Field):
    """A queue by id or by code. With visible_only, a queue the user cannot see is as unknown as
    one that does not exist, so the answer leaks nothing about other queues."""

    default_error_messages = {
        "unknown": _("Unknown queue “%(value)s”."),
        "invalid": _("Give a queue id or code."),
    }

    def __init__(self, *, visible_only: bool, **kwargs: Any) -> None:
        self.visible_only = visible_only
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Queue:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        text = str(data).strip()
        user = self.context["request"].user
        queues = selectors.visible_queues(user) if self.visible_only else Queue.objects.all()
        queue_id = _as_id(text)
        found = (
            queues.filter(pk=queue_id).first()
            if queue_id is not None
            else queues.filter(code=text[:50]).first()
        )
        if found is None:
            raise serializers.ValidationError(
                self.error_messages["unknown"] % {"value": text[:50]}, code="unknown"
            )
        return found

    def to_representation(self, value: Queue) -> str:
        return value.code


def _reason_field() -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=InteractionReason.objects.all(), required=False, allow_null=True
    )


def _tags_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=30
    )


class TicketCreateSerializer(serializers.Serializer):
    """Either `customer` (an id) or a contact (`email` and/or `phone`, with an optional `name`):
    the customer behind the contact is found, or created on first contact."""

    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(), required=False, allow_null=True
    )
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    subject = serializers.CharField(max_length=255)
    body = serializers.CharField()
    queue = QueueField(visible_only=True)
    priority = EnumField(Priority, required=False)
    reason = _reason_field()
    tags = _tags_field()
    channel = EnumField(ChannelKind, default=ChannelKind.API)
    language = serializers.ChoiceField(choices=Language.choices, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("customer") and not attrs.get("email") and not attrs.get("phone"):
            raise serializers.ValidationError(
                {"customer": [_("Give a customer id, or an email or phone of the customer.")]}
            )
        return attrs


class TicketUpdateSerializer(serializers.Serializer):
    priority = EnumField(Priority, required=False)
    reason = _reason_field()
    # Moving work to another team's queue is the point of a transfer, so any queue is allowed
    # here (the ticket may leave the agent's sight); creating a ticket is limited to one's own.
    queue = QueueField(visible_only=False, required=False)
    tags = _tags_field()


class MessageCreateSerializer(serializers.Serializer):
    kind = EnumField(
        MessageKind,
        enum_name="NewMessageKindEnum",
        choices=[
            (MessageKind.PUBLIC, MessageKind.PUBLIC.label),
            (MessageKind.INTERNAL, MessageKind.INTERNAL.label),
        ],
        default=MessageKind.PUBLIC,
    )
    body = serializers.CharField()
    status = serializers.ChoiceField(
        choices=TicketStatus.choices,
        required=False,
        help_text=_("Public replies only: the status to leave the ticket in (e.g. pending)."),
    )


class AssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, help_text=_("User id, or null to unassign.")
    )


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class StatusSerializer(NoteSerializer):
    status = serializers.ChoiceField(choices=TicketStatus.choices)


# --- Reasons ------------------------------------------------------------------------------------


class ReasonChildSerializer(serializers.ModelSerializer):
    class Meta:
        model = InteractionReason
        fields = ["id", "code", "name_vi", "name_en", "description", "is_active", "position"]
        read_only_fields = fields


class ReasonSerializer(serializers.ModelSerializer):
    children = ReasonChildSerializer(many=True, read_only=True)

    class Meta:
        model = InteractionReason
        fields = [
            "id",
            "parent",
            "code",
            "name_vi",
            "name_en",
            "description",
            "is_active",
            "position",
            "children",
        ]
        read_only_fields = fields


class ReasonWriteSerializer(serializers.Serializer):
    parent = serializers.PrimaryKeyRelatedField(
        queryset=InteractionReason.objects.filter(parent__isnull=True),
        required=False,
        allow_null=True,
        help_text=_("The category; leave empty to create a category."),
    )
    code = serializers.SlugField(max_length=60)
    name_vi = serializers.CharField(max_length=200)
    name_en = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    position = serializers.IntegerField(required=False, min_value=0, max_value=1_000_000)
