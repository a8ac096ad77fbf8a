"""The demo's logins on the admin login page, only where the demo runs (CIM_DEMO_LOGINS)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def demo_logins() -> list[tuple[str, str]]:
    if not getattr(settings, "CIM_DEMO_LOGINS", False):
        return []
    from cim_site.demo import demo_logins as logins

    return logins()
