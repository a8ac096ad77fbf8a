from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from tickets.selectors import REASON_MANAGER_GROUP


class IsStaffUser(BasePermission):
    """The API is for staff and integrations (staff users with a token). Object-level rules
    (an agent sees only tickets of their queues) are applied by the selectors."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def is_reason_manager(user: Any) -> bool:
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        return False
    return bool(user.is_superuser or user.groups.filter(name=REASON_MANAGER_GROUP).exists())


class IsReasonManagerOrReadOnly(IsStaffUser):
    """The reason list is governed: every staff member reads it, only its managers change it."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in SAFE_METHODS or is_reason_manager(request.user)


class IsSupervisorOrReadOnly(IsStaffUser):
    """Set-up that shapes everyone's work (SLA calendars and policies): staff read, supervisors
    change."""

    def has_permission(self, request: Any, view: Any) -> bool:
        from tickets.selectors import is_supervisor

        if not super().has_permission(request, view):
            return False
        return request.method in SAFE_METHODS or is_supervisor(request.user)
