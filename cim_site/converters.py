"""Path converters that only match values the database can hold, so a malformed id in a URL is a
404 from the resolver instead of a ValueError or OverflowError deeper down."""

from django.urls import register_converter

# 18 digits always fit a signed 64-bit column (2^63 - 1 has 19).
ID_REGEX = "[0-9]{1,18}"


class IdConverter:
    regex = ID_REGEX

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(int(value))


register_converter(IdConverter, "id")
