"""Staff UI for customers. Saves go through customers.services; a CustomerError comes back as a
form error on the page, never a 500.

This module also holds the two admin building blocks every app uses (customers is the lowest
app, so the others may import from it): DomainErrorFormMixin and ServiceHistoryAdmin.
"""

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from . import services
from .errors import CustomerError
from .models import Customer, CustomerIdentity, Organization, Segment


def adopt(target: models.Model, source: models.Model) -> None:
    """Makes the admin's unsaved form instance the row a service created, so the admin's own
    bookkeeping (log entry, redirect, inline formsets) points at the real object."""
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False
    target._state.db = source._state.db


class DomainErrorFormMixin:
    """Turns a domain error raised while saving into a form error on the re-rendered page.

    The admin validates the form, then calls save_model / save_related, where the services run and
    may refuse. The whole change view runs in one transaction, so the error rolls everything back;
    the view then runs a second time with the same POST and the error attached to the form, which
    makes it invalid: the page comes back with the user's input and the message on its field.
    """

    domain_errors: tuple[type[Exception], ...] = (CustomerError,)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(  # type: ignore[misc]
                request, object_id, form_url, extra_context
            )
        except self.domain_errors as exc:
            if request.method != "POST" or getattr(request, "_cim_domain_error", None):
                raise
            request._cim_domain_error = exc  # type: ignore[attr-defined]
            return super().changeform_view(  # type: ignore[misc]
                request, object_id, form_url, extra_context
            )

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[forms.BaseForm]:
        form_class = super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]
        error = getattr(request, "_cim_domain_error", None)
        if error is None:
            return form_class

        class FormWithDomainError(form_class):  # type: ignore[valid-type,misc]
            def clean(self) -> dict[str, Any]:
                cleaned = super().clean()
                if isinstance(error, ValidationError):
                    if hasattr(error, "error_dict"):
                        for name, errors in error.error_dict.items():
                            self.add_error(name if name in self.fields else None, errors)
                    else:
                        self.add_error(None, error.messages)
                else:
                    field = getattr(error, "field", None)
                    self.add_error(field if field in self.fields else None, error.message)
                return cleaned

        FormWithDomainError.__name__ = form_class.__name__
        return FormWithDomainError


class ReadableHistoryHelper(HistoricalRecordContextHelper):
    """History changes as people read them: times in the site's time zone, choices by their
    label ("Open → Pending", not "open → pending"), an empty value as a dash."""

    def prepare_delta_change_value(self, change: Any, value: Any) -> Any:
        value = super().prepare_delta_change_value(change, value)
        # A foreign key that was empty comes back as a "deleted object" with no pk.
        if value is None or value == "" or isinstance(value, DeletedObject) and value.pk is None:
            return "—"
        if isinstance(value, datetime):
            moment = timezone.localtime(value) if timezone.is_aware(value) else value
            return date_format(moment, "SHORT_DATETIME_FORMAT")
        field = self.model._meta.get_field(change.field)
        choices = dict(getattr(field, "flatchoices", None) or ())
        if choices and not isinstance(value, list | dict):
            return str(choices.get(value, value))
        return value


class ServiceHistoryAdmin(DomainErrorFormMixin, SimpleHistoryAdmin):
    """History for models whose changes must go through services.

    Reverting a version would save the row directly (and bypass the service rules), so it is
    off; the history pages show only objects the user could open in the admin at all.
    """

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        return ReadableHistoryHelper(self.model, historical_record)

    def _require_visible(self, request: HttpRequest, object_id: str) -> None:
        # get_object goes through get_queryset (object-level rules) and returns None for
        # malformed ids instead of raising.
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._require_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST":
            raise PermissionDenied
        self._require_visible(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        # Attributes come from the CRM and are shown as a table, not edited as raw JSON.
        fields = tuple(name for name in services.UPDATABLE_FIELDS if name != "attributes")

    # The service normalises too; doing it here as well puts the message on the field at once.
    def clean_email(self) -> str:
        try:
            return services.normalize_email(self.cleaned_data.get("email") or "")
        except CustomerError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_phone(self) -> str:
        try:
            return services.normalize_phone(self.cleaned_data.get("phone") or "")
        except CustomerError as exc:
            raise forms.ValidationError(exc.message) from None


class IdentityInline(admin.TabularInline):
    """The addresses that find this customer again; existing ones are facts, not edited here."""

    model = CustomerIdentity
    # The row titles would repeat the columns (the template is the tickets app's read-only one).
    template = "admin/tickets/readonly_tabular.html"
    fields = ("kind", "address", "verified", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("identities")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AddIdentityInline(admin.TabularInline):
    """Blank rows for new addresses; CustomerAdmin.save_formset hands them to add_identity."""

    model = CustomerIdentity
    fields = ("kind", "address")
    extra = 1
    can_delete = False
    verbose_name = _("new identity")
    verbose_name_plural = _("add identities")

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[CustomerIdentity]:
        return super().get_queryset(request).none()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)


class UnverifiedFilter(admin.SimpleListFilter):
    title = _("identity")
    parameter_name = "unverified"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return (("1", _("unverified")),)

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "1":
            return queryset.filter(claimed_customer__isnull=False, merged_into__isnull=True)
        return queryset


@admin.register(Customer)
class CustomerAdmin(ServiceHistoryAdmin):
    form = CustomerForm
    list_display = (
        "__str__",
        "email",
        "phone",
        "organization",
        "segment",
        "language",
        "verification",
        "created_at",
    )
    list_select_related = ("organization", "segment", "claimed_customer")
    list_filter = (UnverifiedFilter, "segment", "language", "organization")
    search_fields = ("name", "email", "phone", "external_id", "identities__address")
    autocomplete_fields = ("organization",)
    readonly_fields = (
        "created_at",
        "updated_at",
        "merged_into",
        "attributes_table",
        "verification",
    )
    fieldsets = (
        (None, {"fields": ("verification", "name", "email", "phone", "language")}),
        (_("Company and segment"), {"fields": ("organization", "segment", "external_id")}),
        (_("More"), {"fields": ("attributes_table", "merged_into", "created_at", "updated_at")}),
    )

    def get_fieldsets(self, request: HttpRequest, obj: Customer | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.attributes:
            return fieldsets
        # Nothing to show: no empty "{}" box.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "attributes_table"]})
            for name, options in fieldsets
        ]

    @admin.display(description=_("attributes"))
    def attributes_table(self, obj: Customer) -> str:
        attributes = obj.attributes if isinstance(obj.attributes, dict) else {}
        if not attributes:
            return "—"
        rows = format_html_join(
            "",
            '<tr><th scope="row">{}</th><td>{}</td></tr>',
            ((key, _attribute_text(value)) for key, value in sorted(attributes.items())),
        )
        return format_html('<table class="cim-attributes"><tbody>{}</tbody></table>', rows)

    @admin.display(description=_("identity"))
    def verification(self, obj: Customer) -> str:
        if not obj.is_unverified:
            return "—"
        claimed = obj.claimed_customer
        url = reverse("admin:customers_customer_change", args=[obj.claimed_customer_id])
        return format_html(
            '<span class="cim-badge cim-badge-warning">{}</span> {} <a href="{}">{}</a>',
            _("unverified"),
            _("claims to be"),
            url,
            (claimed.name or claimed.email or f"#{claimed.pk}") if claimed else "",
        )

    actions = ("merge_into_oldest", "link_to_claimed_customer")

    def has_link_claim_permission(self, request: HttpRequest) -> bool:
        # The agent talking to the customer is the one who can tell (they asked for the order
        # number, the customer answered): anyone who may see customers may link a claim.
        return self.has_view_permission(request)

    @admin.action(
        description=_("Link to the existing customer they claim to be (verified by you)"),
        permissions=["link_claim"],
    )
    def link_to_claimed_customer(
        self, request: HttpRequest, queryset: models.QuerySet[Customer]
    ) -> None:
        linked = 0
        for customer in queryset.order_by("pk"):
            try:
                services.confirm_claim(provisional=customer, by=request.user)
            except CustomerError as exc:
                self.message_user(request, exc.message, level=messages.WARNING)
            else:
                linked += 1
        if linked:
            self.message_user(
                request,
                _("%(count)d conversation(s) linked to the customer they claimed to be.")
                % {"count": linked},
                level=messages.SUCCESS,
            )

    @admin.action(
        description=_("Merge selected customers into the oldest one"), permissions=["change"]
    )
    def merge_into_oldest(self, request: HttpRequest, queryset: models.QuerySet[Customer]) -> None:
        """The oldest selected customer survives; the others' identities, tickets and journey
        move to it, and they stay behind as 'merged into' it."""
        customers = list(queryset.order_by("created_at", "pk"))
        if len(customers) < 2:
            self.message_user(
                request, _("Select at least two customers to merge."), level=messages.WARNING
            )
            return
        survivor, merged = customers[0], 0
        for other in customers[1:]:
            try:
                services.merge_customers(source=other, target=survivor, by=request.user)
            except CustomerError as exc:
                self.message_user(request, f"{other}: {exc.message}", level=messages.WARNING)
            else:
                merged += 1
        if merged:
            self.message_user(
                request,
                _("%(count)d customer(s) merged into %(name)s.")
                % {"count": merged, "name": survivor},
                level=messages.SUCCESS,
            )

    # Higher apps add their own sections (the tickets app adds the customer's tickets) through
    # add_customer_inline, so this module does not import them.
    inlines: list[type[admin.options.InlineModelAdmin]] = [IdentityInline, AddIdentityInline]

    def save_model(self, request: HttpRequest, obj: Customer, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data}
        if change:
            changes = {name: data[name] for name in form.changed_data if name in data}
            customer = (
                services.update_customer(customer=obj, by=request.user, **changes)
                if changes
                else obj
            )
        else:
            customer = services.create_customer(by=request.user, **data)
        adopt(obj, customer)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Nothing on the customer form is many-to-many; the formsets are handled one by one.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # The admin's change message reads these, which formset.save() would have set.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is not CustomerIdentity:
            # Sections added by other apps are read-only lists.
            return
        for item in formset.forms:
            data = getattr(item, "cleaned_data", None)
            if not data or not item.has_changed() or data.get("DELETE"):
                continue
            formset.new_objects.append(
                services.add_identity(
                    customer=formset.instance, kind=data["kind"], address=data["address"]
                )
            )


def _attribute_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(_attribute_text(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_attribute_text(v)}" for k, v in value.items())
    return str(value)


def add_customer_inline(inline: type[admin.options.InlineModelAdmin]) -> None:
    """Lets a higher app show its rows (read-only) on the customer page."""
    if inline not in CustomerAdmin.inlines:
        CustomerAdmin.inlines = [*CustomerAdmin.inlines, inline]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "domain", "external_id", "created_at")
    search_fields = ("name", "domain", "external_id")


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


@admin.register(CustomerIdentity)
class CustomerIdentityAdmin(DomainErrorFormMixin, admin.ModelAdmin):
    """Lookup of addresses. New ones go through add_identity; existing ones are facts other
    rows rely on, so they are shown, not edited."""

    list_display = ("address", "kind", "customer", "verified", "created_at")
    list_select_related = ("customer",)
    list_filter = ("kind", "verified")
    search_fields = ("address", "customer__name", "customer__email")
    autocomplete_fields = ("customer",)
    fields = ("customer", "kind", "address")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: CustomerIdentity, form: Any, change: bool
    ) -> None:
        identity = services.add_identity(
            customer=form.cleaned_data["customer"],
            kind=form.cleaned_data["kind"],
            address=form.cleaned_data["address"],
        )
        adopt(obj, identity)
