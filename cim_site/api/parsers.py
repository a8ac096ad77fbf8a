"""The API's JSON parser: the stdlib decoder behind a size limit, a nesting limit that is checked
without recursion, and the shared text check (cim_site.api.sanitise). Every failure is a 400 (413
for size) in the API's error shape instead of a RecursionError, OverflowError or DataError."""

from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from . import sanitise


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"

    def __init__(self) -> None:
        super().__init__(_("The request body is too large."))


class SafeJSONParser(JSONParser):
    def parse(
        self, stream: IO[bytes] | None, media_type: str | None = None, parser_context: Any = None
    ) -> Any:
        if stream is None:
            return {}
        limit = int(
            getattr(settings, "CIM_API_MAX_JSON_BYTES", settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        )
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise RequestTooLarge()
        try:
            return sanitise.loads(raw)
        except sanitise.BadInput as exc:
            if exc.path:
                raise exceptions.ValidationError({exc.path: [exc.message]}) from exc
            raise exceptions.ParseError(exc.message) from exc
