"""The page a person sees when a form fails the CSRF check: the site's own page, in their
language, saying what to do — not Django's bare English one."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # The reason (logged by Django's CSRF middleware already) is for staff, not for the page.
    return render(request, "403_csrf.html", status=403)
