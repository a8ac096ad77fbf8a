from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsStaffUser(BasePermission):
    """The API is for staff and integrations (staff users with a token). Object-level rules
    (an agent sees only tickets of their queues) are applied by the selectors."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)


class ModelPermission(IsStaffUser):
    """The API's side of the one permission table (cim_site.permissions.may): a request needs
    the Django model permission the admin would ask for the same thing — view to read, add to
    create, change to update, delete to delete — on the view's model.

    A view names its model with `permission_model` when it has no `queryset` (metrics, journeys)
    and maps a custom action to the permission it really needs with `permission_actions`
    (`{"reply": "change"}`: replying changes a ticket, it does not create one). Which rows are
    reachable is the selectors' business (cim_site.permissions.scope_to_tickets)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        from cim_site.permissions import METHOD_ACTIONS, may

        if not super().has_permission(request, view):
            return False
        if not hasattr(view, request.method.lower()):
            # A method the resource does not offer is a 405 for everyone, not a 403 for some.
            return True
        model = permission_model_of(view)
        if model is None:
            return False
        declared = getattr(view, "permission_actions", {}) or {}
        action = (
            declared.get(getattr(view, "action", None))
            or getattr(view, "permission_action", None)
            or METHOD_ACTIONS.get(request.method, "change")
        )
        if request.method in SAFE_METHODS and action != "view":
            # A read never needs more than the right to read.
            action = "view"
        return may(request.user, model, action)


def permission_model_of(view: Any) -> Any:
    model = getattr(view, "permission_model", None)
    if model is not None:
        return model
    queryset = getattr(view, "queryset", None)
    if queryset is not None:
        return queryset.model
    serializer = getattr(view, "serializer_class", None)
    meta = getattr(serializer, "Meta", None)
    return getattr(meta, "model", None)
