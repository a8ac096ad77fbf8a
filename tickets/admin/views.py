"""Saved views in the ticket list: the `?view=<id>` filter, the sidebar with live counts, and
the queue/assignee filters narrowed to what the agent may act on."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.filters import RelatedFieldListFilter
from django.contrib.admin.views.main import ChangeList
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.urls import reverse

from .. import saved_views
from ..models import AuthorType, MessageKind, Ticket, TicketMessage
from ..selectors import visible_queues


class SavedViewFilter(admin.SimpleListFilter):
    """Applies a saved view. It draws nothing in the filter panel (the views have their own
    section with counts, see sidebar_context); it only takes the `view` parameter."""

    title = "view"
    parameter_name = "view"
    # The changelist drops (and never applies) a filter without output, so it has output, drawn
    # by an empty template.
    template = "admin/tickets/ticket/no_filter_output.html"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return []

    def has_output(self) -> bool:
        return True

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        if self.value() is None:
            return queryset
        view = saved_views.get_view(user=request.user, view_id=self.value())
        if view is None:
            # Another agent's personal view, a queue view of another queue, or no such view:
            # "not found", as for another queue's ticket.
            raise Http404("unknown view")
        return saved_views.view_tickets(user=request.user, view=view, base=queryset)


class MyQueuesFilter(RelatedFieldListFilter):
    """Only the queues the user sees tickets of."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list:
        return [(q.pk, q.name) for q in visible_queues(request.user).only("pk", "name")]


class MyAgentsFilter(RelatedFieldListFilter):
    """Only agents of the user's queues — read from the agent profiles (a few rows), not from a
    DISTINCT over the assignee column of every ticket."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list:
        agents = saved_views.agents_for(request.user).only(
            "pk", "username", "first_name", "last_name"
        )
        return [(a.pk, a.get_full_name() or a.get_username()) for a in agents]


def sidebar_context(request: HttpRequest) -> dict[str, Any]:
    """The views section of the ticket list: each view with its count, in a constant number of
    queries (the views, then one statement for every count)."""
    url = reverse("admin:tickets_ticket_changelist")
    current = request.GET.get("view", "")
    rows = [
        {
            "id": view.pk,
            "label": view.label,
            "count": saved_views.display_count(count),
            "url": f"{url}?view={view.pk}",
            "selected": str(view.pk) == current,
            "shared": view.owner_id is None or view.owner_id != request.user.pk,
        }
        for view, count in saved_views.views_with_counts(user=request.user)
    ]
    return {"cim_saved_views": rows, "cim_saved_view_active": bool(current)}


class WorkListChangeList(ChangeList):
    """Marks, for the page shown only, the tickets whose newest public message is the
    customer's: one query over the page's ids (message_ticket_time index), whatever the
    table's size."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        ids = [t.pk for t in self.result_list]
        if not ids:
            return
        newest = (
            TicketMessage.objects.filter(ticket_id=OuterRef("pk"), kind=MessageKind.PUBLIC)
            .order_by("-created_at", "-id")
            .values("author_type")[:1]
        )
        authors = dict(
            Ticket.objects.filter(pk__in=ids)
            .annotate(newest_author=Subquery(newest))
            .values_list("pk", "newest_author")
        )
        for ticket in self.result_list:
            ticket.cim_customer_waiting = authors.get(ticket.pk) == AuthorType.CUSTOMER
