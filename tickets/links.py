"""Signed, expiring links that let a customer follow their own ticket without an account."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse

from .models import Ticket

_SALT = "cim.tickets.status-link"


def make_status_token(ticket: Ticket) -> str:
    # The reference and the customer id both go in, so a token for one ticket never opens another.
    return signing.TimestampSigner(salt=_SALT).sign_object(
        {"t": ticket.pk, "c": ticket.customer_id}, compress=True
    )


def read_status_token(token: str, *, max_age: timedelta | None = None) -> Ticket | None:
    """The ticket a token names, or None if it is tampered with, expired or names nothing."""
    age = max_age or timedelta(days=settings.CIM_TICKET_LINK_MAX_AGE_DAYS)
    try:
        data = signing.TimestampSigner(salt=_SALT).unsign_object(token, max_age=age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    return (
        Ticket.objects.select_related("customer", "queue")
        .filter(pk=data.get("t"), customer_id=data.get("c"))
        .first()
    )


def status_url(ticket: Ticket, *, absolute: bool = True) -> str:
    path = reverse("tickets:status", kwargs={"token": make_status_token(ticket)})
    return f"{settings.SITE_URL}{path}" if absolute else path


# --- guesses --------------------------------------------------------------------------------------
# A link whose token opens nothing (status, survey, opt-out, contact thanks) counts as a guess
# against the client's address; past CIM_LINK_GUESS_RATE every link page answers 429 before any
# token is looked up, so the limit, not the 404, is what a guesser meets. Links that open something
# never count, so customers behind one shared address are not held back by each other's visits.

_GUESS_GROUP = "link-guess"


def _guess_usage(request: HttpRequest, *, increment: bool) -> dict | None:
    from django_ratelimit.core import get_usage

    return get_usage(
        request,
        group=_GUESS_GROUP,
        key="ip",
        rate=settings.CIM_LINK_GUESS_RATE,
        increment=increment,
    )


def link_guesses_exceeded(request: HttpRequest) -> bool:
    """Whether this address has guessed too many links lately; checked before any lookup."""
    usage = _guess_usage(request, increment=False)
    return bool(usage and usage["count"] >= usage["limit"])


def count_link_guess(request: HttpRequest) -> None:
    _guess_usage(request, increment=True)
