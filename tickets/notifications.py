"""Agent notifications: a row per thing an agent should know (a ticket given to them, a customer
who answered one of their tickets), shown as a badge and a list in the admin, and mailed after
commit to agents who asked for it. Written by the ticket services in their own transaction."""

from collections.abc import Iterable
from typing import Any

from celery import shared_task
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AgentProfile, Notification, NotificationKind, Ticket
from .queueing import enqueue_on_commit

LIST_SIZE = 50


def _notify(*, recipient_id: int | None, ticket: Ticket, kind: str, actor: Any = None) -> None:
    if recipient_id is None or (actor is not None and actor.pk == recipient_id):
        return  # nobody to tell, or the agent did it themselves
    notification = Notification.objects.create(
        recipient_id=recipient_id, ticket=ticket, kind=kind, actor=actor
    )
    if AgentProfile.objects.filter(user_id=recipient_id, notify_by_email=True).exists():
        enqueue_on_commit(send_notification_email_task, notification.pk)


def notify_assigned(*, ticket: Ticket, by: Any) -> None:
    _notify(
        recipient_id=ticket.assignee_id, ticket=ticket, kind=NotificationKind.ASSIGNED, actor=by
    )


def notify_customer_reply(*, ticket: Ticket) -> None:
    _notify(recipient_id=ticket.assignee_id, ticket=ticket, kind=NotificationKind.CUSTOMER_REPLY)


def notify_merged(*, target: Ticket, sources: Iterable[Ticket], by: Any) -> None:
    told = {target.assignee_id}
    for source in sources:
        if source.assignee_id not in told:
            told.add(source.assignee_id)
            _notify(
                recipient_id=source.assignee_id,
                ticket=target,
                kind=NotificationKind.MERGED,
                actor=by,
            )


# --- reads ------------------------------------------------------------------------------------


BADGE_LIMIT = 100


def unread_count(user: Any, *, limit: int | None = None) -> int:
    """One indexed COUNT on (recipient, read_at). With `limit` the count stops there (the
    badge shows "99+"), so an agent who never reads them does not make every page slower."""
    if not getattr(user, "is_authenticated", False) or not user.is_staff:
        return 0
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    return (unread[:limit] if limit else unread).count()


def list_notifications(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user).select_related("ticket", "actor")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


# --- writes -----------------------------------------------------------------------------------


@transaction.atomic
def mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Marks the user's notifications read (all of them when ids is None); a conditional
    update, so a repeat is a no-op. Returns how many changed."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def describe(notification: Notification) -> str:
    ref = notification.ticket.reference
    if notification.kind == NotificationKind.ASSIGNED:
        return _("%(ref)s was assigned to you.") % {"ref": ref}
    if notification.kind == NotificationKind.CUSTOMER_REPLY:
        return _("The customer answered on %(ref)s.") % {"ref": ref}
    return _("One of your tickets was merged into %(ref)s.") % {"ref": ref}


@shared_task(name="tickets.send_notification_email", acks_late=True, ignore_result=True)
def send_notification_email_task(notification_id: int) -> bool:
    """Mails one notification unless it has been read meanwhile. Not acks_late-safe against a
    redelivery after the mail left (at most one extra mail); no row records the send."""
    from .staff_mail import admin_ticket_url, send_staff_mail

    notification = (
        Notification.objects.select_related("ticket", "recipient")
        .filter(pk=notification_id, read_at__isnull=True)
        .first()
    )
    if notification is None:
        return False

    def compose() -> tuple[str, str]:
        text = describe(notification)
        subject = f"[{notification.ticket.reference}] {text}"
        return (
            subject,
            f"{text}\n\n{notification.ticket.subject}\n{admin_ticket_url(notification.ticket)}\n",
        )

    return send_staff_mail(users=[notification.recipient], compose=compose) > 0
