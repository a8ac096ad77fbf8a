from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class CustomerMessageForm(forms.Form):
    """A customer's message on their own ticket, from the status page."""

    body = forms.CharField(
        label=_("Your message"),
        max_length=settings.CIM_MESSAGE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
