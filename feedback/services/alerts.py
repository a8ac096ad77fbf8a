"""Alerts to a queue lead (low CSAT, very negative message): a row written with the change that
caused it, e-mailed by a task after commit; the beat sweep e-mails any the task missed."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.models import Ticket
from tickets.queueing import enqueue_on_commit

from ..models import Alert

log = logging.getLogger(__name__)


def alert_queue_lead(*, ticket: Ticket, kind: str, text: str) -> Alert:
    lead_id = ticket.queue.lead_id if ticket.queue_id else None
    alert = Alert.objects.create(kind=kind, ticket=ticket, recipient_id=lead_id, text=text)
    from ..tasks import email_alert_task

    enqueue_on_commit(email_alert_task, alert.pk)
    return alert


def email_alert(*, alert_id: int) -> bool:
    """E-mails one alert to the queue lead (outside any transaction). True when it went out, or
    there is nobody to send it to; an alert already e-mailed is not sent again."""
    alert = (
        Alert.objects.select_related("ticket", "recipient")
        .filter(pk=alert_id, emailed_at__isnull=True)
        .first()
    )
    if alert is None:
        return True
    address = alert.recipient.email if alert.recipient else ""
    if address:
        subject = _("[%(ref)s] Customer feedback needs attention") % {"ref": alert.ticket.reference}
        link = f"{settings.SITE_URL}/admin/tickets/ticket/{alert.ticket_id}/change/"
        send_mail(
            subject,
            f"{alert.text}\n\n{link}\n",
            settings.DEFAULT_FROM_EMAIL,
            [address],
            fail_silently=False,
        )
    Alert.objects.filter(pk=alert.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    return True


def unsent_alert_ids(*, limit: int = 200) -> list[int]:
    return list(
        Alert.objects.filter(emailed_at__isnull=True)
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )
