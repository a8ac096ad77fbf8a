"""REST API for customers and organizations. Writes go through customers.services, which
normalise phones to E.164 and raise CustomerError (a 400 on the field) for bad addresses."""

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from cim_site.api.pagination import StableOrderingFilter
from cim_site.api.schema import EnumField

from . import services
from .filters import CustomerFilter, OrganizationFilter
from .models import ChannelKind, Customer, CustomerIdentity, Language, Organization, Segment


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "domain", "external_id", "created_at"]
        read_only_fields = fields


class IdentitySerializer(serializers.ModelSerializer):
    kind = EnumField(ChannelKind, read_only=True)

    class Meta:
        model = CustomerIdentity
        fields = ["id", "kind", "address", "verified", "created_at"]
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    identities = IdentitySerializer(many=True, read_only=True)
    segment = serializers.SlugRelatedField(slug_field="code", read_only=True)
    # An address typed on the web chat or contact form that belongs to another customer: this
    # one claims to be them and is not linked until verified (customers.services).
    unverified = serializers.BooleanField(source="is_unverified", read_only=True)
    claimed_customer = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "unverified",
            "claimed_customer",
            "name",
            "email",
            "phone",
            "language",
            "organization",
            "segment",
            "external_id",
            "attributes",
            "identities",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CustomerWriteSerializer(serializers.Serializer):
    """Input only. Email and phone are plain text here: the service validates and normalises them
    ("0912 345 678" → "+84912345678") and names the field at fault."""

    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True
    )
    segment = serializers.SlugRelatedField(
        slug_field="code", queryset=Segment.objects.all(), required=False, allow_null=True
    )
    external_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True, allow_null=True
    )
    attributes = serializers.DictField(required=False)


def _customers() -> QuerySet[Customer]:
    return Customer.objects.select_related("segment").prefetch_related("identities")


@extend_schema_view(
    create=extend_schema(request=CustomerWriteSerializer, responses={201: CustomerSerializer}),
    update=extend_schema(request=CustomerWriteSerializer, responses={200: CustomerSerializer}),
    partial_update=extend_schema(
        request=CustomerWriteSerializer, responses={200: CustomerSerializer}
    ),
)
class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Customers with their channel identities (read-only here; they follow email and phone)."""

    serializer_class = CustomerSerializer
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = CustomerFilter
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[Customer]:
        return _customers()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = CustomerWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = services.create_customer(**data.validated_data, by=request.user)
        return Response(
            CustomerSerializer(_customers().get(pk=customer.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        customer = self.get_object()
        data = CustomerWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        services.update_customer(customer=customer, by=request.user, **data.validated_data)
        return Response(CustomerSerializer(_customers().get(pk=customer.pk)).data)


class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    """Organizations customers belong to (maintained in the admin or synced from the CRM)."""

    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = OrganizationFilter
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]
