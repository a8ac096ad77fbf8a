"""The public contact form: one POST → one call to submit_web_form → a thank-you page with the
ticket reference and the signed link to follow it."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_ratelimit.decorators import ratelimit

from customers.errors import CustomerError
from customers.services import confirm_claim, read_claim_token
from tickets.errors import TicketError
from tickets.links import (
    count_link_guess,
    link_guesses_exceeded,
    make_status_token,
    read_status_token,
    status_url,
)

from .errors import ChannelError
from .forms import ContactForm
from .services import submit_web_form


def public_post_rate(group: str, request: HttpRequest) -> str:
    """How many public form posts one address may make (django-ratelimit syntax, e.g. "5/m")."""
    return getattr(settings, "CIM_PUBLIC_POST_RATE", "5/m")


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return render(request, "429.html", status=429)


def _language() -> str:
    code = (get_language() or "vi")[:2]
    return code if code in ("vi", "en") else "vi"


@csrf_protect
@ratelimit(group="public-post", key="ip", rate=public_post_rate, method="POST", block=False)
def contact(request: HttpRequest) -> HttpResponse:
    if getattr(request, "limited", False):
        return too_many_requests(request)
    if request.method == "POST":
        form = ContactForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = submit_web_form(
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    subject=data["subject"],
                    body=data["message"],
                    language=_language(),
                    attachments=[data["attachment"]] if data["attachment"] else [],
                )
            except (CustomerError, TicketError, ChannelError) as exc:
                form.add_domain_error(exc)
            else:
                return redirect("channels:contact_thanks", token=make_status_token(ticket))
    else:
        form = ContactForm()
    return render(
        request,
        "channels/contact.html",
        {"form": form, "canonical_url": request.build_absolute_uri(reverse("channels:contact"))},
    )


@never_cache
def contact_thanks(request: HttpRequest, token: str) -> HttpResponse:
    if link_guesses_exceeded(request):
        return too_many_requests(request)
    ticket = read_status_token(token)
    if ticket is None:
        count_link_guess(request)
        return render(request, "tickets/link_invalid.html", status=404)
    return render(
        request,
        "channels/contact_thanks.html",
        {"ticket": ticket, "status_link": status_url(ticket)},
    )


@never_cache
@csrf_protect
def verify_identity(request: HttpRequest, token: str) -> HttpResponse:
    """The link mailed to an address someone typed on the web chat or contact form. Opening it
    shows a button (mail scanners open links by themselves); pressing it joins the conversation
    to the address owner's history."""
    if link_guesses_exceeded(request):
        return too_many_requests(request)
    provisional = read_claim_token(token)
    if provisional is None:
        count_link_guess(request)
        return render(request, "channels/verify_invalid.html", status=404)
    if request.method == "POST":
        try:
            confirm_claim(provisional=provisional)
        except CustomerError:
            return render(request, "channels/verify_invalid.html", status=404)
        return render(request, "channels/verify_identity.html", {"done": True})
    return render(request, "channels/verify_identity.html", {"done": False})
