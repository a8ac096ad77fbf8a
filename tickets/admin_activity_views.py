"""The ticket page's "Log work" form and the wrap-up prompt after a phone or walk-in contact.

Mounted under admin/tickets/ticket/ (see cim_site/urls.py) so the ticket admin module, which
others edit, is left alone. The form posts here; the work is written by
tickets.services.log_activity and the agent goes back to the ticket page (post/redirect/get)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import services
from .errors import TicketError
from .models import ActivityKind, Ticket
from .selectors import can_view_ticket


class ActivityForm(forms.Form):
    kind = forms.ModelChoiceField(
        label=gettext_lazy("Kind"), queryset=ActivityKind.objects.none(), empty_label=None
    )
    minutes = forms.DecimalField(
        label=gettext_lazy("Minutes"),
        min_value=Decimal("0.5"),
        max_value=Decimal(24 * 60),
        decimal_places=1,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 48}),
    )
    interaction = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = ActivityKind.objects.filter(active=True)


def _ticket_url(ticket: Ticket) -> str:
    return reverse("admin:tickets_ticket_change", args=[ticket.pk]) + "#cim-activity"


@require_POST
def log_work(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = get_object_or_404(Ticket, pk=ticket_id)
    if not can_view_ticket(request.user, ticket):
        raise Http404
    if not request.user.has_perm("tickets.change_ticket"):
        raise PermissionDenied
    form = ActivityForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return HttpResponseRedirect(_ticket_url(ticket))
    interaction = None
    interaction_id = form.cleaned_data.get("interaction")
    if interaction_id:
        # Only an interaction of this very ticket: the id comes from the page, not from trust.
        interaction = ticket.interactions.filter(pk=interaction_id).first()
        if interaction is None:
            raise Http404
    try:
        services.log_activity(
            ticket=ticket,
            interaction=interaction,
            kind=form.cleaned_data["kind"],
            agent=request.user,
            minutes=form.cleaned_data["minutes"],
            note=form.cleaned_data["note"],
        )
    except TicketError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Logged %(minutes)s min of %(kind)s.")
            % {"minutes": form.cleaned_data["minutes"], "kind": form.cleaned_data["kind"]},
        )
    return HttpResponseRedirect(_ticket_url(ticket))


urlpatterns = [
    path(
        "<int:ticket_id>/activity/",
        admin.site.admin_view(log_work),
        name="tickets_ticket_log_work",
    ),
]
