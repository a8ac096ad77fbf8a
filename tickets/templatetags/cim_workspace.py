from typing import Any

from django import template

from ..notifications import BADGE_LIMIT, unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def cim_unread_notifications(context: Any) -> int:
    """The header badge: one COUNT on the (recipient, read_at) index per admin page."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return unread_count(user, limit=BADGE_LIMIT) if user is not None else 0
