"""Every change to customers goes through here."""

from typing import Any

import phonenumbers
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .errors import CustomerError, CustomerErrorCode
from .models import ChannelKind, Customer, CustomerIdentity, Language, Organization, Segment


def normalize_phone(raw: str, *, region: str | None = None) -> str:
    """Any way people write a phone number → E.164. Vietnamese local forms ("0912 345 678",
    "84912345678") are understood; an impossible number raises CustomerError."""
    text = (raw or "").strip()
    if not text:
        return ""
    region = region or settings.CIM_DEFAULT_PHONE_REGION
    candidates = [text]
    # "84912345678" without the plus is how many Vietnamese systems export numbers.
    digits = "".join(ch for ch in text if ch.isdigit())
    if not text.startswith(("+", "0")) and digits.startswith("84") and len(digits) >= 11:
        candidates.append("+" + digits)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise CustomerError(
        CustomerErrorCode.INVALID_PHONE,
        _("“%(phone)s” is not a valid phone number.") % {"phone": text[:40]},
        field="phone",
    )


def normalize_email(raw: str) -> str:
    text = (raw or "").strip()
    if not text:
        return ""
    try:
        validate_email(text)
    except ValidationError:
        raise CustomerError(
            CustomerErrorCode.INVALID_EMAIL,
            _("“%(email)s” is not a valid email address.") % {"email": text[:80]},
            field="email",
        ) from None
    local, _sep, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}".lower()


def normalize_address(kind: str, address: str) -> str:
    if kind == ChannelKind.EMAIL:
        return normalize_email(address)
    if kind == ChannelKind.PHONE:
        return normalize_phone(address)
    return address.strip()


def _sync_identities(customer: Customer) -> None:
    for kind, address in ((ChannelKind.EMAIL, customer.email), (ChannelKind.PHONE, customer.phone)):
        if not address:
            continue
        owner = (
            CustomerIdentity.objects.filter(kind=kind, address=address)
            .values_list("customer_id", flat=True)
            .first()
        )
        if owner is None:
            CustomerIdentity.objects.create(customer=customer, kind=kind, address=address)
        elif owner != customer.pk:
            raise CustomerError(
                CustomerErrorCode.IDENTITY_TAKEN,
                _("%(address)s already belongs to another customer.") % {"address": address},
                field="email" if kind == ChannelKind.EMAIL else "phone",
            )


@transaction.atomic
def create_customer(
    *,
    name: str = "",
    email: str = "",
    phone: str = "",
    language: str = Language.VI,
    organization: Organization | None = None,
    segment: Segment | None = None,
    external_id: str | None = None,
    attributes: dict[str, Any] | None = None,
    by: Any = None,
) -> Customer:
    """Creates a customer and the email / phone identities that find them again."""
    customer = Customer(
        name=name.strip(),
        email=normalize_email(email),
        phone=normalize_phone(phone),
        language=language,
        organization=organization,
        segment=segment,
        external_id=external_id or None,
        attributes=attributes or {},
    )
    customer._history_user = by  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        raise CustomerError(
            CustomerErrorCode.DUPLICATE_EXTERNAL_ID,
            _("Another customer already has CRM id %(id)s.") % {"id": external_id},
            field="external_id",
        ) from None
    _sync_identities(customer)
    return customer


UPDATABLE_FIELDS = (
    "name",
    "email",
    "phone",
    "language",
    "organization",
    "segment",
    "external_id",
    "attributes",
)


@transaction.atomic
def update_customer(*, customer: Customer, by: Any = None, **changes: Any) -> Customer:
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise TypeError(f"update_customer() got unexpected fields: {sorted(unknown)}")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if "email" in changes:
        changes["email"] = normalize_email(changes["email"])
    if "phone" in changes:
        changes["phone"] = normalize_phone(changes["phone"])
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    if "external_id" in changes:
        changes["external_id"] = changes["external_id"] or None
    for field, value in changes.items():
        setattr(customer, field, value)
    customer._history_user = by  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        raise CustomerError(
            CustomerErrorCode.DUPLICATE_EXTERNAL_ID,
            _("Another customer already has CRM id %(id)s.") % {"id": changes.get("external_id")},
            field="external_id",
        ) from None
    _sync_identities(customer)
    return customer


@transaction.atomic
def add_identity(*, customer: Customer, kind: str, address: str) -> CustomerIdentity:
    address = normalize_address(kind, address)
    identity, created = CustomerIdentity.objects.get_or_create(
        kind=kind, address=address, defaults={"customer": customer}
    )
    if not created and identity.customer_id != customer.pk:
        raise CustomerError(
            CustomerErrorCode.IDENTITY_TAKEN,
            _("%(address)s already belongs to another customer.") % {"address": address},
            field="address",
        )
    return identity


def find_customer(*, kind: str, address: str) -> Customer | None:
    address = normalize_address(kind, address)
    identity = CustomerIdentity.objects.select_related("customer").filter(
        kind=kind, address=address
    )
    found = identity.first()
    return found.customer if found else None


def resolve_customer(
    *, kind: str, address: str, name: str = "", language: str = Language.VI
) -> Customer:
    """The customer behind a channel address, created on first contact. Safe under concurrency:
    the unique (kind, address) constraint decides which of two racing requests creates it."""
    address = normalize_address(kind, address)
    if not address:
        raise CustomerError(CustomerErrorCode.NO_CONTACT, _("A contact address is required."))
    existing = find_customer(kind=kind, address=address)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                name=name.strip(),
                email=address if kind == ChannelKind.EMAIL else "",
                phone=address if kind == ChannelKind.PHONE else "",
                language=language,
            )
            CustomerIdentity.objects.create(customer=customer, kind=kind, address=address)
            return customer
    except IntegrityError:
        found = find_customer(kind=kind, address=address)
        if found is None:
            raise
        return found


def _customer_references() -> list[Any]:
    """Every foreign key to Customer in every installed app, found at run time: the customers
    app may not import the apps above it (tickets, channels, feedback), yet a merge must move
    their rows too. Historical (simple_history) tables are left alone: history stays as it was."""
    from django.apps import apps

    fields = []
    for model in apps.get_models():
        if model is Customer or model.__name__.startswith("Historical"):
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and field.many_to_one and field.related_model is Customer:
                fields.append(field)
    return fields


@transaction.atomic
def merge_customers(*, source: Customer, target: Customer, by: Any = None) -> Customer:
    """Staff found one person twice: the source's identities, tickets, interactions, messages and
    everything else pointing at it move to the target (the survivor). The source row stays,
    marked merged_into the target, so its history and old links still resolve."""
    if source.pk == target.pk:
        raise CustomerError(
            CustomerErrorCode.MERGE_SELF, _("A customer cannot be merged into itself.")
        )
    # Locked in id order so two merges of the same pair cannot deadlock.
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update()
        .filter(pk__in=[source.pk, target.pk])
        .order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise CustomerError(
            CustomerErrorCode.ALREADY_MERGED, _("One of these customers was already merged.")
        )
    CustomerIdentity.objects.filter(customer=source).update(customer=target)
    for field in _customer_references():
        model = field.model
        if field.name == "merged_into":
            continue
        rows = model._default_manager.filter(**{field.name: source})
        if hasattr(model, "history"):
            # Tracked models get a history entry saying why their customer changed.
            for row in rows.select_for_update():
                setattr(row, field.name, target)
                row._history_user = by
                row._change_reason = f"customer #{source.pk} merged into #{target.pk}"
                row.save(update_fields=[field.name])
        else:
            rows.update(**{field.name: target})
    changes = []
    for name in ("name", "email", "phone", "organization_id", "segment_id"):
        if not getattr(target, name) and getattr(source, name):
            setattr(target, name, getattr(source, name))
            changes.append(name)
    if source.external_id and not target.external_id:
        target.external_id, source.external_id = source.external_id, None
        changes.append("external_id")
    target.attributes = {**source.attributes, **target.attributes}
    # The source keeps its own row but no longer answers to its addresses.
    source.merged_into = target
    source.email, source.phone = "", ""
    source._history_user = by  # type: ignore[attr-defined]
    source._change_reason = f"merged into #{target.pk}"  # type: ignore[attr-defined]
    source.save()
    target._history_user = by  # type: ignore[attr-defined]
    target._change_reason = f"customer #{source.pk} merged in"  # type: ignore[attr-defined]
    target.save()
    _sync_identities(target)
    return target


# --- identities claimed on unauthenticated channels ---------------------------------------------
# Anyone can type anyone's email into the chat widget or the contact form. Such a claim never
# attaches the conversation to the existing customer's history on trust: the conversation gets a
# provisional customer (claimed_customer set, shown "unverified" to agents), linked to the real one
# when the address's owner opens the mailed link, or when an agent decides to link it.

_CLAIM_SALT = "cim.customers.claim"
CLAIM_LINK_MAX_AGE_DAYS = 7


def resolve_claimed_customer(
    *, kind: str, address: str, name: str = "", language: str = Language.VI
) -> Customer:
    """The customer for an address typed on an unauthenticated channel: a new address makes a
    new customer as resolve_customer does; an address that already belongs to someone makes a
    provisional customer claiming to be them, holding the address but not its identity."""
    address = normalize_address(kind, address)
    if not address:
        raise CustomerError(CustomerErrorCode.NO_CONTACT, _("A contact address is required."))
    existing = find_customer(kind=kind, address=address)
    if existing is None:
        return resolve_customer(kind=kind, address=address, name=name, language=language)
    provisional = Customer(
        name=name.strip(),
        email=address if kind == ChannelKind.EMAIL else "",
        phone=address if kind == ChannelKind.PHONE else "",
        language=language,
        claimed_customer=existing,
    )
    provisional._change_reason = "unverified claim"  # type: ignore[attr-defined]
    provisional.save()
    return provisional


def make_claim_token(customer: Customer) -> str:
    return signing.TimestampSigner(salt=_CLAIM_SALT).sign_object(
        {"p": customer.pk, "c": customer.claimed_customer_id}, compress=True
    )


def read_claim_token(token: str) -> Customer | None:
    """The provisional customer a verification link names, if it is still waiting; None for a
    tampered, expired, used or unknown link."""
    try:
        data = signing.TimestampSigner(salt=_CLAIM_SALT).unsign_object(
            str(token)[:500], max_age=CLAIM_LINK_MAX_AGE_DAYS * 86400
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    found = Customer.objects.filter(
        pk=data.get("p"), claimed_customer_id=data.get("c"), merged_into__isnull=True
    ).first()
    return found if found is not None and found.is_unverified else None


def _survivor(customer: Customer) -> Customer:
    seen = set()
    while customer.merged_into_id is not None and customer.pk not in seen:
        seen.add(customer.pk)
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer


@transaction.atomic
def confirm_claim(*, provisional: Customer, by: Any = None) -> Customer:
    """The claim is true (the owner opened the mailed link, or an agent decided): the provisional
    customer's conversations join the claimed customer's history. Returns the survivor."""
    provisional = Customer.objects.select_for_update().get(pk=provisional.pk)
    if not provisional.is_unverified:
        raise CustomerError(
            CustomerErrorCode.NO_PENDING_CLAIM,
            _("%(customer)s has no unverified identity to link.") % {"customer": provisional},
        )
    target = _survivor(provisional.claimed_customer)  # type: ignore[arg-type]
    return merge_customers(source=provisional, target=target, by=by)
