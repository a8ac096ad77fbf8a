"""The answer to a login refused by django-axes: a page in the visitor's language for the admin,
the API's error shape for the token endpoint. Both say when to try again, never whether the
password was right."""

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger("cim.security")


def locked_out_response(
    request: HttpRequest, original_response: Any = None, credentials: dict | None = None
) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    username = str((credentials or {}).get("username") or "")[:150]
    logger.warning(
        "login locked out: username=%r ip=%s path=%s",
        username,
        request.META.get("REMOTE_ADDR", ""),
        request.path,
    )
    message = _(
        "Too many failed sign-in attempts. Sign-in for this account from your address is "
        "locked for %(minutes)d minutes."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"code": "locked_out", "message": message, "fields": {}}, status=429
        )
    else:
        response = render(
            request, "locked_out.html", {"message": message, "minutes": minutes}, status=429
        )
    response["Retry-After"] = str(minutes * 60)
    return response
