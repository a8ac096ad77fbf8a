"""Alerts to a queue lead (low CSAT, very negative message): a row written with the change that
caused it, e-mailed by a task after commit; the beat sweep e-mails any the task missed."""

import logging
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.models import Ticket
from tickets.queueing import enqueue_on_commit
from tickets.staff_mail import admin_ticket_url, local_time, send_staff_mail, ticket_zone

from ..models import Alert

log = logging.getLogger(__name__)


def alert_queue_lead(*, ticket: Ticket, kind: str, text: str) -> Alert:
    lead_id = ticket.queue.lead_id if ticket.queue_id else None
    alert = Alert.objects.create(kind=kind, ticket=ticket, recipient_id=lead_id, text=text)
    from ..tasks import email_alert_task

    enqueue_on_commit(email_alert_task, alert.pk)
    return alert


def email_alert(*, alert_id: int) -> bool:
    """E-mails one alert to the queue lead (outside any transaction), in the lead's language. True
    when it went out, or there is nobody to send it to; an alert already e-mailed is not sent
    again."""
    alert = (
        Alert.objects.select_related("ticket__queue", "ticket__sla_policy__calendar", "recipient")
        .filter(pk=alert_id, emailed_at__isnull=True)
        .first()
    )
    if alert is None:
        return True
    send_staff_mail(users=[alert.recipient], compose=lambda: _alert_mail(alert))
    Alert.objects.filter(pk=alert.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    return True


# The stored text is written when the alert is raised, in whatever language was active then (the
# customer's, for a survey answer): its first line is our sentence, the rest the customer's own
# words. The mail says our part again in the reader's language and quotes theirs.
_HEADLINES = {
    "low_csat": lambda score: (
        _("The customer rated %(score)s/5 in the satisfaction survey.") % {"score": score}
    ),
    "negative_sentiment": lambda score: (
        _("The customer wrote a very negative message (sentiment score %(score)s).")
        % {"score": score}
    ),
}
_SCORE = re.compile(r"-?\d+(?:\.\d+)?")


def _alert_mail(alert: Alert) -> tuple[str, str]:
    """(subject, body) of one alert, in the active language."""
    ticket = alert.ticket
    first, _sep, words = alert.text.partition("\n")
    headline = _HEADLINES.get(alert.kind)
    score = _SCORE.search(first)
    if headline is not None and score is not None:
        lines = [headline(score.group(0))]
        if words.strip():
            lines += ["", _("In the customer's words:")]
            lines += [f"> {line}" for line in words.strip().splitlines()]
    else:
        lines = [alert.text]
    lines += [
        "",
        _("Ticket: %(ref)s “%(subject)s”") % {"ref": ticket.reference, "subject": ticket.subject},
        _("Queue: %(queue)s") % {"queue": ticket.queue},
        _("Raised: %(time)s") % {"time": local_time(alert.created_at, zone=ticket_zone(ticket))},
        "",
        _("Open the ticket:"),
        admin_ticket_url(ticket),
        "",
    ]
    subject = _("[%(ref)s] Customer feedback needs attention") % {"ref": ticket.reference}
    return subject, "\n".join(lines)


def unsent_alert_ids(*, limit: int = 200) -> list[int]:
    return list(
        Alert.objects.filter(emailed_at__isnull=True)
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )
