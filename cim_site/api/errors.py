"""One place that turns domain errors and DRF errors into one JSON shape:
{"code": ..., "message": ..., "fields": {field: [messages]}}."""

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from channels.errors import ChannelError
from customers.errors import CustomerError
from feedback.errors import FeedbackError
from knowledge_base.errors import KnowledgeBaseError
from tickets.errors import CONFLICT_CODES, TicketError

DOMAIN_ERRORS = (TicketError, CustomerError, ChannelError, FeedbackError, KnowledgeBaseError)


def _domain_response(exc: TicketError | CustomerError | ChannelError) -> Response:
    code = status.HTTP_409_CONFLICT if exc.code in CONFLICT_CODES else status.HTTP_400_BAD_REQUEST
    fields = {exc.field: [exc.message]} if exc.field else {}
    return Response({"code": str(exc.code), "message": exc.message, "fields": fields}, status=code)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DOMAIN_ERRORS):
        return _domain_response(exc)
    if isinstance(exc, RequestDataTooBig):
        # DRF reads JSON through request.body, which enforces DATA_UPLOAD_MAX_MEMORY_SIZE; left
        # alone Django would answer with its HTML 400 page instead of the API's shape.
        return Response(
            {
                "code": "request_too_large",
                "message": _("The request body is too large."),
                "fields": {},
            },
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        response.data = {
            "code": "invalid",
            "message": _("Some fields are not valid."),
            "fields": fields,
        }
    elif isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        response.data = {"code": code, "message": str(exc.detail), "fields": {}}
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: a URL the resolver does not match (e.g. /api/v1/tickets/abc/, whose id the path
    converters refuse) answers in the API's shape under /api/ and with the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "not_found", "message": _("Not found."), "fields": {}}, status=404
        )
    return defaults.page_not_found(request, exception)
