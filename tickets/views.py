"""The customer's view of their own ticket, opened with the signed link from the
acknowledgement email. No account: the token is the key, so every failure looks like a missing
page and nothing about the ticket leaks."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_ratelimit.decorators import ratelimit

from customers.models import ChannelKind

from .errors import TicketError
from .forms import CustomerMessageForm
from .links import count_link_guess, link_guesses_exceeded, read_status_token, status_url
from .models import AuthorType, MessageKind, Ticket, TicketStatus
from .relations import final_ticket
from .selectors import ticket_thread
from .services import add_customer_message

# What a customer needs to know, in their words; the staff workflow names stay in the admin.
CUSTOMER_STATUS_LABELS = {
    TicketStatus.NEW: gettext_lazy("Received"),
    TicketStatus.OPEN: gettext_lazy("In progress"),
    TicketStatus.PENDING: gettext_lazy("Waiting for your reply"),
    TicketStatus.ON_HOLD: gettext_lazy("In progress"),
    TicketStatus.SOLVED: gettext_lazy("Solved"),
    TicketStatus.CLOSED: gettext_lazy("Closed"),
}
AUTHOR_LABELS = {
    AuthorType.CUSTOMER: gettext_lazy("You"),
    AuthorType.AGENT: gettext_lazy("Support team"),
    AuthorType.BOT: gettext_lazy("Virtual assistant"),
    AuthorType.SYSTEM: gettext_lazy("Support team"),
}


def public_post_rate(group: str, request: HttpRequest) -> str:
    return getattr(settings, "CIM_PUBLIC_POST_RATE", "5/m")


def _invalid_link(request: HttpRequest) -> HttpResponse:
    return render(request, "tickets/link_invalid.html", status=404)


def _render_status(
    request: HttpRequest, ticket: Ticket, form: CustomerMessageForm | None
) -> HttpResponse:
    thread = ticket_thread(ticket=ticket, include_internal=False).filter(kind=MessageKind.PUBLIC)
    entries = [
        {
            "message": message,
            "author": AUTHOR_LABELS.get(message.author_type, AUTHOR_LABELS[AuthorType.AGENT]),
            "from_customer": message.author_type == AuthorType.CUSTOMER,
        }
        for message in thread
    ]
    is_closed = ticket.status == TicketStatus.CLOSED
    return render(
        request,
        "tickets/status.html",
        {
            "ticket": ticket,
            "status_label": CUSTOMER_STATUS_LABELS.get(ticket.status, ticket.get_status_display()),
            "entries": entries,
            "is_closed": is_closed,
            "form": None if is_closed else (form or CustomerMessageForm()),
        },
    )


@never_cache
@csrf_protect
@ratelimit(group="public-post", key="ip", rate=public_post_rate, method="POST", block=False)
def ticket_status(request: HttpRequest, token: str) -> HttpResponse:
    # The limits come before the token is looked up: a guesser meets 429, not a 404 per try.
    if link_guesses_exceeded(request) or (
        request.method == "POST" and getattr(request, "limited", False)
    ):
        return render(request, "429.html", status=429)
    ticket = read_status_token(token)
    if ticket is None:
        count_link_guess(request)
        return _invalid_link(request)
    if ticket.merged_into_id is not None:
        # A merged ticket's link leads to the ticket it went into, if that is the same
        # customer's: another customer's ticket is never shown through this link.
        target = final_ticket(ticket)
        if target.customer_id == ticket.customer_id:
            return redirect(status_url(target, absolute=False))
    if request.method != "POST":
        return _render_status(request, ticket, None)
    form = CustomerMessageForm(request.POST)
    if form.is_valid():
        try:
            add_customer_message(
                ticket=ticket, body=form.cleaned_data["body"], channel=ChannelKind.WEB_FORM
            )
        except TicketError as exc:
            form.add_error("body" if exc.field in (None, "body") else None, exc.message)
        else:
            messages.success(request, _("Your message has been sent."))
            return redirect("tickets:status", token=token)
    ticket.refresh_from_db()
    return _render_status(request, ticket, form)
