"""Interactions recorded or completed by staff: a walk-in or outbound call written down by hand,
the reason and outcome of a call set afterwards."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import ChannelKind, Customer
from tickets.models import InteractionReason, Ticket

from .errors import ChannelError, ChannelErrorCode
from .models import ActionKind, Channel, Direction, Interaction, Outcome
from .services import record_action, record_event, record_interaction


@transaction.atomic
def update_interaction(
    *,
    interaction: Interaction,
    by: Any,
    reason: InteractionReason | None | object = ...,
    outcome: str | None = None,
    note: str | None = None,
    ticket: Ticket | None | object = ...,
) -> Interaction:
    """What the agent adds after a contact: the reason, the outcome, a note, the ticket."""
    interaction = Interaction.objects.select_for_update().get(pk=interaction.pk)
    fields = []
    if reason is not ...:
        _check_reason(reason)  # type: ignore[arg-type]
        interaction.reason = reason  # type: ignore[assignment]
        fields.append("reason")
    if outcome is not None:
        if outcome not in Outcome.values:
            raise ChannelError(
                ChannelErrorCode.INVALID_INPUT, _("Unknown outcome."), field="outcome"
            )
        interaction.outcome = outcome
        fields.append("outcome")
    if note is not None:
        interaction.note = note.replace("\x00", "").strip()[:5000]
        fields.append("note")
    if ticket is not ...:
        if ticket is not None and ticket.customer_id != interaction.customer_id:  # type: ignore[union-attr]
            raise ChannelError(
                ChannelErrorCode.INVALID_INPUT,
                _("The ticket belongs to another customer."),
                field="ticket",
            )
        interaction.ticket = ticket  # type: ignore[assignment]
        fields.append("ticket")
    if interaction.agent_id is None and getattr(by, "is_staff", False):
        interaction.agent = by
        fields.append("agent")
    if fields:
        interaction.save(update_fields=fields)
    return interaction


def _check_reason(reason: InteractionReason | None) -> None:
    if reason is not None and (reason.parent_id is None or not reason.is_active):
        raise ChannelError(
            ChannelErrorCode.INVALID_INPUT,
            _("Pick an active reason, not a category."),
            field="reason",
        )


@transaction.atomic
def record_manual_interaction(
    *,
    customer: Customer,
    channel: Channel,
    by: Any,
    direction: str = Direction.INBOUND,
    reason: InteractionReason | None = None,
    outcome: str = Outcome.NONE,
    note: str = "",
    ticket: Ticket | None = None,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
) -> Interaction:
    """A contact staff write down themselves: a walk-in visit, an outbound call. One
    interaction, one conversation with the agent, one event."""
    _check_reason(reason)
    if outcome not in Outcome.values:
        raise ChannelError(ChannelErrorCode.INVALID_INPUT, _("Unknown outcome."), field="outcome")
    if ticket is not None and ticket.customer_id != customer.pk:
        raise ChannelError(
            ChannelErrorCode.INVALID_INPUT,
            _("The ticket belongs to another customer."),
            field="ticket",
        )
    started = started_at or timezone.now()
    interaction, _created = record_interaction(
        customer=customer,
        channel=channel,
        ticket=ticket,
        direction=direction,
        agent=by,
        reason=reason,
        outcome=outcome,
        started_at=started,
        note=note.replace("\x00", "").strip()[:5000],
    )
    if ended_at:
        Interaction.objects.filter(pk=interaction.pk).update(ended_at=ended_at)
    action = record_action(
        interaction=interaction,
        kind=ActionKind.AGENT,
        agent=by,
        outcome=outcome,
        started_at=started,
        ended_at=ended_at,
    )
    kind = "visit" if channel.kind == ChannelKind.WALK_IN else f"{direction}_contact"
    record_event(action=action, kind=kind, occurred_at=started)
    return interaction
