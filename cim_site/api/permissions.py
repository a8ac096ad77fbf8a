from typing import Any

from rest_framework.permissions import BasePermission


class IsStaffUser(BasePermission):
    """The API is for staff and integrations (staff users with a token). Object-level rules
    (an agent sees only tickets of their queues) are applied by the selectors."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)
