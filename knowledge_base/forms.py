from django import forms
from django.utils.translation import gettext_lazy as _

from .search import MAX_QUERY_CHARS
from .services import MAX_COMMENT_CHARS


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search the help centre"),
        max_length=MAX_QUERY_CHARS,
        required=False,
        strip=True,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "data-kb-suggest": "1"}
        ),
    )


class VoteForm(forms.Form):
    helpful = forms.ChoiceField(
        label=_("Was this article helpful?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything we should add or fix? (optional)"),
        required=False,
        max_length=MAX_COMMENT_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
