from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ChannelKind(models.TextChoices):
    """Every kind of contact point. Shared vocabulary: identities, tickets and channels use it."""

    EMAIL = "email", _("Email")
    WEB_CHAT = "web_chat", _("Web chat")
    CHATBOT = "chatbot", _("Chatbot")
    PHONE = "phone", _("Phone / IVR")
    ZALO = "zalo", _("Zalo Official Account")
    FACEBOOK = "facebook", _("Facebook Messenger")
    WEB_FORM = "web_form", _("Web form")
    WALK_IN = "walk_in", _("Walk-in")
    API = "api", _("API")


class Language(models.TextChoices):
    VI = "vi", _("Vietnamese")
    EN = "en", _("English")


class Segment(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(_("email domain"), max_length=200, blank=True, db_index=True)
    external_id = models.CharField(
        _("CRM id"), max_length=100, unique=True, null=True, blank=True, default=None
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=200, blank=True)
    # Lower-cased by the services; not unique because one mailbox may serve several people.
    email = models.EmailField(_("email"), blank=True, db_index=True)
    # E.164 ("+84912345678"), normalised by customers.services.normalize_phone.
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.VI
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
    )
    segment = models.ForeignKey(
        Segment,
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
    )
    external_id = models.CharField(
        _("CRM id"), max_length=100, unique=True, null=True, blank=True, default=None
    )
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    # Set when staff merged this customer into another: the row stays so its history does.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        editable=False,
    )
    # Set on a provisional customer: someone on an unauthenticated channel (web chat, contact
    # form) typed an address that belongs to this existing customer. The conversation stays
    # apart until the claim is verified (the mailed link) or an agent links it.
    claimed_customer = models.ForeignKey(
        "self",
        verbose_name=_("claims to be"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="unverified_claims",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        label = self.name or self.email or self.phone or f"#{self.pk}"
        if self.is_unverified:
            # Wherever a customer is named (ticket lists and pages, autocompletes), an identity
            # typed on an unauthenticated channel and not yet confirmed says so.
            return _("%(name)s (unverified)") % {"name": label}
        return label

    @property
    def is_unverified(self) -> bool:
        return self.claimed_customer_id is not None and self.merged_into_id is None


class CustomerIdentity(models.Model):
    """One address on one kind of channel (email, phone, Zalo user id) → one customer."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="identities", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices)
    address = models.CharField(_("address"), max_length=255)
    verified = models.BooleanField(_("verified"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [
            models.UniqueConstraint(fields=["kind", "address"], name="uniq_identity_kind_address"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.address}"
