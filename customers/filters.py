"""Query-string filters for the customers API."""

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from cim_site.api.filters import IdFilter

from .models import Customer, Organization
from .services import normalize_email, normalize_phone


class CustomerFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", label="Name, email or phone contains")
    email = filters.CharFilter(method="filter_email", label="Email (exact, any case)")
    phone = filters.CharFilter(method="filter_phone", label="Phone, any notation")
    organization = IdFilter(field_name="organization_id")
    segment = filters.CharFilter(field_name="segment__code", label="Segment code")
    external_id = filters.CharFilter(field_name="external_id")
    language = filters.ChoiceFilter(choices=Customer._meta.get_field("language").choices)

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet[Customer]:
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(
            Q(name__icontains=text) | Q(email__icontains=text) | Q(phone__contains=text)
        )

    def filter_email(
        self, queryset: QuerySet[Customer], name: str, value: str
    ) -> QuerySet[Customer]:
        # The same normalisation the services store with, so "Lan@Example.VN " finds lan@example.vn;
        # an impossible address raises CustomerError, rendered as a 400 on the field.
        return queryset.filter(email=normalize_email(value))

    def filter_phone(
        self, queryset: QuerySet[Customer], name: str, value: str
    ) -> QuerySet[Customer]:
        return queryset.filter(phone=normalize_phone(value))


class OrganizationFilter(filters.FilterSet):
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")
    domain = filters.CharFilter(field_name="domain", lookup_expr="iexact")
    external_id = filters.CharFilter(field_name="external_id")

    class Meta:
        model = Organization
        fields: list[str] = []
