"""Logged work around a ticket or interaction (tickets.models_activity): the service that
writes it and the selector that lists it. Re-exported as tickets.services.log_activity."""

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import TicketError, TicketErrorCode
from .models import Ticket
from .models_activity import Activity, ActivityKind
from .selectors import queue_ids_for

MAX_MINUTES = Decimal(24 * 60)


def _invalid(message: str, field: str) -> TicketError:
    return TicketError(TicketErrorCode.INVALID_ACTIVITY, message, field=field)


def _minutes(
    minutes: Decimal | float | int | None, started_at: datetime | None, ended_at: datetime | None
) -> Decimal:
    if started_at is not None and ended_at is not None:
        if ended_at <= started_at:
            raise _invalid(_("The end must come after the start."), "ended_at")
        if ended_at > timezone.now() + timedelta(minutes=5):
            raise _invalid(_("The work cannot end in the future."), "ended_at")
        spent = Decimal((ended_at - started_at).total_seconds()) / 60
        if minutes is None:
            minutes = spent
    elif started_at is not None or ended_at is not None:
        raise _invalid(_("Give both the start and the end, or the minutes."), "ended_at")
    if minutes is None:
        raise _invalid(_("Give the minutes spent, or the start and the end."), "minutes")
    try:
        value = Decimal(str(minutes)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except ArithmeticError:
        raise _invalid(_("Give the minutes as a number."), "minutes") from None
    if value <= 0 or value > MAX_MINUTES:
        raise _invalid(_("Minutes must be more than 0 and at most 1440."), "minutes")
    return value


@transaction.atomic
def log_activity(
    *,
    kind: ActivityKind,
    agent: Any,
    ticket: Ticket | None = None,
    interaction: Any = None,
    minutes: Decimal | float | int | None = None,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    note: str = "",
) -> Activity:
    """Records work an agent did for a ticket and/or an interaction (of that ticket). Minutes,
    or a start and an end (the minutes are then the time between them)."""
    if ticket is None and interaction is None:
        raise _invalid(_("Give a ticket or an interaction."), "ticket")
    if not kind.active:
        raise _invalid(_("This kind of work is no longer in use."), "kind")
    if agent is None or not getattr(agent, "is_staff", False) or not agent.is_active:
        raise _invalid(_("Work is logged by an active staff member."), "agent")
    if (
        ticket is not None
        and interaction is not None
        and interaction.ticket_id not in (None, ticket.pk)
    ):
        raise _invalid(_("The interaction belongs to another ticket."), "interaction")
    if ticket is None and interaction is not None and interaction.ticket_id is not None:
        ticket = interaction.ticket
    value = _minutes(minutes, started_at, ended_at)
    note = (note or "").replace("\x00", "").strip()
    if len(note) > 2000:
        raise _invalid(_("The note is longer than 2000 characters."), "note")
    return Activity.objects.create(
        kind=kind,
        agent=agent,
        ticket=ticket,
        interaction=interaction,
        minutes=value,
        started_at=started_at,
        ended_at=ended_at,
        note=note,
    )


def visible_activities(user: Any) -> QuerySet[Activity]:
    """Supervisors see all logged work; an agent the work on their queues' tickets (or, for an
    interaction without a ticket, on its channel's default queue)."""
    qs = Activity.objects.select_related("kind", "agent")
    queue_ids = queue_ids_for(user)
    if queue_ids is None:
        return qs
    return qs.filter(
        Q(ticket__queue_id__in=queue_ids)
        | Q(ticket__isnull=True, interaction__ticket__queue_id__in=queue_ids)
        | Q(
            ticket__isnull=True,
            interaction__ticket__isnull=True,
            interaction__channel__default_queue_id__in=queue_ids,
        )
    )
