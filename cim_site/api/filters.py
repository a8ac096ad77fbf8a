"""Filter building blocks shared by the apps' FilterSets."""

from django import forms
from django_filters import rest_framework as filters

# The largest value a 64-bit integer column holds; a larger id in a query string is a 400, not an
# overflow inside the database driver.
MAX_ID = 2**63 - 1


class IdFilter(filters.NumberFilter):
    """A row id: a whole, positive number in the database's range."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
