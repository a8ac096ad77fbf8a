"""Mails to staff (SLA warnings and breaches, feedback alerts). Each mail is wholly in its reader's
language, shows times in the site's time zone or the ticket calendar's (never UTC), links to the
ticket in the admin, and comes from the site's notification address, never from a customer-facing
inbox (a staff member's answer must not become a customer ticket)."""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from .models import AgentProfile, Ticket


def staff_language(user: Any) -> str:
    """The site's language when the agent reads it (or says nothing), else the first language on
    their profile: the profile lists the languages an agent works in, there is no preference."""
    default = settings.LANGUAGE_CODE
    known = {code for code, _name in settings.LANGUAGES}
    listed = (
        AgentProfile.objects.filter(user_id=user.pk).values_list("languages", flat=True).first()
    )
    languages = [code for code in (listed or []) if code in known]
    if not languages or default in languages:
        return default
    return languages[0]


def ticket_zone(ticket: Ticket) -> str:
    """The zone of the ticket's business calendar (its due times are counted there), else the
    site's."""
    policy = ticket.sla_policy if ticket.sla_policy_id else None
    calendar = policy.calendar if policy is not None and policy.calendar_id else None
    return calendar.time_zone if calendar is not None else settings.TIME_ZONE


def local_time(moment: datetime, *, zone: str | None = None) -> str:
    """A moment as the reader's clock shows it, in the active language, naming the zone."""
    tz = ZoneInfo(zone or settings.TIME_ZONE)
    shown = formats.date_format(moment.astimezone(tz), "DATETIME_FORMAT")
    return _("%(time)s (%(zone)s time)") % {"time": shown, "zone": tz.key}


def admin_ticket_url(ticket: Ticket) -> str:
    return settings.SITE_URL + reverse("admin:tickets_ticket_change", args=[ticket.pk])


def person_name(user: Any) -> str:
    if user is None:
        return _("nobody")
    return user.get_full_name() or user.get_username()


def send_staff_mail(*, users: Iterable[Any], compose: Callable[[], tuple[str, str]]) -> int:
    """One mail per reader language: compose() runs with that language active and returns
    (subject, body). Inactive users and users without an address get nothing. Returns the number
    of mails sent."""
    by_language: dict[str, set[str]] = {}
    for user in users:
        if user is None or not user.email or not user.is_active:
            continue
        by_language.setdefault(staff_language(user), set()).add(user.email)
    for language, addresses in sorted(by_language.items()):
        with translation.override(language):
            subject, body = compose()
        EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.CIM_NOTIFICATION_FROM_EMAIL,
            to=sorted(addresses),
            headers={"Auto-Submitted": "auto-generated", "Content-Language": language},
        ).send(fail_silently=False)
    return len(by_language)
