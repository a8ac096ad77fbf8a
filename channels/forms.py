"""The public contact form. It checks the shape of the input; the service decides the rest and
its domain errors are shown on the field they name."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from customers.errors import CustomerError
from customers.services import normalize_phone
from tickets.errors import TicketError
from tickets.services import validate_attachment

# Service field names → form field names.
SERVICE_FIELDS = {
    "name": "name",
    "email": "email",
    "address": "email",
    "phone": "phone",
    "subject": "subject",
    "body": "message",
    "attachments": "attachment",
}


class ContactForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("We send the answer and a link to follow your request here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    subject = forms.CharField(label=_("Subject"), max_length=255)
    message = forms.CharField(
        label=_("Message"),
        max_length=settings.CIM_MESSAGE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    attachment = forms.FileField(
        label=_("Attachment (optional)"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Filled in per request: a lazy string formatted at import time would freeze the language.
        self.fields["attachment"].help_text = _(
            "One file up to %(mb)d MB: image, PDF, text or office document."
        ) % {"mb": settings.CIM_ATTACHMENT_MAX_BYTES // (1024 * 1024)}

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data.get("phone", "")
        if phone:
            try:
                normalize_phone(phone)
            except CustomerError as exc:
                raise forms.ValidationError(exc.message, code=str(exc.code)) from None
        return phone

    def clean_attachment(self) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get("attachment")
        if upload:
            try:
                validate_attachment(upload)
            except TicketError as exc:
                raise forms.ValidationError(exc.message, code=str(exc.code)) from None
        return upload

    def add_domain_error(self, exc: Any) -> None:
        """Shows a CustomerError / TicketError / ChannelError next to the input it is about."""
        field = SERVICE_FIELDS.get(getattr(exc, "field", None) or "")
        self.add_error(field, exc.message)
