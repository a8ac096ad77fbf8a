"""Who sees which rows tied to a ticket, and who may do what — decided once, used by the admin
and the API alike.

Rows: anything tied to a ticket is visible to a user exactly when the ticket is, by the
selector the ticket admin and the ticket API use (tickets.selectors.visible_tickets). A model
declares its path to the ticket once (`ticket_path = "interaction__ticket"`); the admin mixin
and `scope_to_tickets` do the rest.

Actions: the table is the Django model permissions of the groups in cim_site/roles.py (plus
superusers, who have them all). The admin asks `has_perm` through ModelAdmin; the API asks the
same `has_perm` through cim_site.api.permissions.ModelPermission. Nothing else grants a right.
"""

from collections.abc import Sequence
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

# HTTP method → the model permission it needs. A custom API action that is not a plain create /
# update / delete declares its own (see ModelPermission.action_permissions).
METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


def paths_of(ticket_path: str | Sequence[str]) -> tuple[str, ...]:
    return (ticket_path,) if isinstance(ticket_path, str) else tuple(ticket_path)


def ticket_scope_q(user: Any, ticket_path: str | Sequence[str]) -> Q | None:
    """The condition a row must meet to be visible to `user`, or None for "every row".

    `ticket_path` is the lookup from the model to its Ticket ("ticket", "interaction__ticket"),
    or several, any of which may reach a visible ticket; "" (or "pk") means the model is Ticket.
    A row whose every path is empty (an inbound message not processed yet, an interaction with
    no ticket) matches none of them: such rows carry customer data that no queue owns yet, so
    they are for supervisors and superusers, who see every queue. A model may widen this with
    `own_rows_q` (e.g. the interactions an agent handled themselves)."""
    from tickets.selectors import queue_ids_for, visible_tickets

    if queue_ids_for(user) is None:
        return None
    visible = visible_tickets(user).values("pk")
    condition = Q(pk__in=[])
    for path in paths_of(ticket_path):
        lookup = "pk" if path in ("", "pk") else path
        condition |= Q(**{f"{lookup}__in": visible})
    return condition


def scope_to_tickets(
    queryset: QuerySet[Any],
    user: Any,
    ticket_path: str | Sequence[str],
    own_rows: Q | None = None,
) -> QuerySet[Any]:
    """`queryset` narrowed to the rows tied to tickets `user` may see (and `own_rows`, if
    given, which are visible whatever their ticket)."""
    condition = ticket_scope_q(user, ticket_path)
    if condition is None:
        return queryset
    if paths_of(ticket_path) in (("",), ("pk",)) and own_rows is None:
        from tickets.selectors import visible_tickets

        return visible_tickets(user, queryset)
    if own_rows is not None:
        condition |= own_rows
    return queryset.filter(condition)


def own_unticketed_interactions(user: Any) -> Q:
    """A contact no ticket owns yet is seen by supervisors, and by the agent who handled it
    (they set its reason and outcome afterwards); other agents have no queue to see it by."""
    return Q(ticket__isnull=True, agent_id=getattr(user, "pk", None))


def unticketed_invitations() -> Q:
    """An invitation after an interaction with no ticket belongs to the queue it was sent for
    (feedback.selectors.visible_invitations keeps the user's queues only)."""
    return Q(ticket__isnull=True)


class TicketScopedAdminMixin:
    """Put first in the bases of a ModelAdmin or inline whose rows are tied to a ticket, and
    set `ticket_path`. tests/admin/test_scoping.py fails for any registered admin of a model
    with a foreign-key path to Ticket that does not do so."""

    ticket_path: str | Sequence[str]

    def own_rows_q(self, request: HttpRequest) -> Q | None:
        """Rows visible to this user whatever their ticket (none by default)."""
        return None

    def scope(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """For an admin whose get_queryset starts from a selector instead of super()."""
        return scope_to_tickets(queryset, request.user, self.ticket_path, self.own_rows_q(request))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.scope(request, super().get_queryset(request))  # type: ignore[misc]


def model_permission(model: type[Model], action: str) -> str:
    opts = model._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


def may(user: Any, model: type[Model], action: str) -> bool:
    """The one permission table: may `user` do `action` (view/add/change/delete) on `model`?
    Staff only; a view right is implied by a change right, as in the admin."""
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        return False
    if user.has_perm(model_permission(model, action)):
        return True
    return action == "view" and user.has_perm(model_permission(model, "change"))
