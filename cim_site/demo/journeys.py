"""Journey records of the demo's past: the interaction, actions and events of each past
ticket's first contact, and contacts that never became tickets (chats the bot settled, calls
abandoned in the IVR queue). Bulk-written, like the rest of the history (history.py)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from channels.models import Action, ActionKind, Channel, Event, Interaction, Outcome
from customers.models import ChannelKind, Customer
from tickets.models import Ticket

if TYPE_CHECKING:
    from . import World

MARKER = "demo-h-"  # external ids of the history's journey records: present means seeded

ACTION_FOR_CHANNEL = {
    ChannelKind.EMAIL: ActionKind.MESSAGE,
    ChannelKind.WEB_CHAT: ActionKind.AGENT,
    ChannelKind.CHATBOT: ActionKind.BOT,
    ChannelKind.PHONE: ActionKind.AGENT,
    ChannelKind.ZALO: ActionKind.MESSAGE,
    ChannelKind.FACEBOOK: ActionKind.MESSAGE,
    ChannelKind.WEB_FORM: ActionKind.WEB,
    ChannelKind.WALK_IN: ActionKind.AGENT,
    ChannelKind.API: ActionKind.MESSAGE,
}
# The chats the bot settled: what they were about, which article answered.
BOT_REASONS = ("order-tracking", "store-hours", "payment-methods", "warranty-status")

BOT_ARTICLES = ("theo-doi-don-hang", "hinh-thuc-thanh-toan", "chinh-sach-bao-hanh")


def write_ticket_journeys(tickets: Sequence[Ticket], channels: dict[str, Channel]) -> int:
    """One interaction per past ticket's first contact; phone calls go through the IVR first,
    chatbot chats were handed to a person."""
    interactions = []
    for n, ticket in enumerate(tickets):
        interactions.append(
            Interaction(
                customer_id=ticket.customer_id,
                ticket=ticket,
                channel=channels[ticket.channel],
                agent_id=ticket.assignee_id,
                reason_id=ticket.reason_id,
                outcome=Outcome.TICKET_OPENED,
                external_id=f"{MARKER}{n:04d}",
                started_at=ticket.created_at,
                ended_at=ticket.created_at + timedelta(minutes=6),
            )
        )
    interactions = Interaction.objects.bulk_create(interactions, batch_size=500)
    actions: list[Action] = []
    event_specs: list[tuple[int, str, dict[str, Any], datetime]] = []
    for interaction, ticket in zip(interactions, tickets, strict=True):
        start = interaction.started_at
        kind = ticket.channel
        if kind == ChannelKind.PHONE:
            actions.append(
                Action(
                    interaction=interaction,
                    kind=ActionKind.IVR,
                    outcome=Outcome.TRANSFERRED,
                    started_at=start,
                    ended_at=start + timedelta(seconds=40),
                )
            )
            for seconds, key in ((9, "1"), (21, "2"), (34, "0")):
                event_specs.append(
                    (
                        len(actions) - 1,
                        "key_press",
                        {"key": key},
                        start + timedelta(seconds=seconds),
                    )
                )
        actions.append(
            Action(
                interaction=interaction,
                kind=ACTION_FOR_CHANNEL[kind],
                agent_id=ticket.assignee_id if kind not in (ChannelKind.CHATBOT,) else None,
                outcome=Outcome.TRANSFERRED if kind == ChannelKind.CHATBOT else "",
                started_at=start + timedelta(seconds=45 if kind == ChannelKind.PHONE else 0),
                ended_at=start + timedelta(minutes=6),
            )
        )
        event_specs.append((len(actions) - 1, "message_received", {}, start))
        if kind == ChannelKind.CHATBOT:
            event_specs.append(
                (
                    len(actions) - 1,
                    "bot_handoff",
                    {"reason": "asked_for_person"},
                    start + timedelta(minutes=1),
                )
            )
    actions = Action.objects.bulk_create(actions, batch_size=500)
    Event.objects.bulk_create(
        [
            Event(
                action=actions[i],
                interaction_id=actions[i].interaction_id,
                kind=kind,
                data=data,
                occurred_at=at,
            )
            for i, kind, data, at in event_specs
        ],
        batch_size=500,
    )
    return len(interactions)


def write_contacts_without_tickets(
    world: World,
    *,
    rng: random.Random,
    moment: Callable[[float], datetime],
    abandons: Sequence[tuple[Customer, datetime]],
    days: float,
) -> int:
    """Chats the bot settled alone (contained: no ticket, no person), and calls abandoned while
    waiting in the IVR queue, over the last `days`. moment(days_ago) gives a believable time of
    day."""
    channels, customers = world.channels, world.customers
    contacts: list[tuple[Interaction, list[tuple[Action, list[Event]]]]] = []
    for n in range(14):
        customer = customers[(n * 5 + 2) % len(customers)]
        start = moment(rng.uniform(0.1, days))
        interaction = Interaction(
            customer=customer,
            channel=channels[ChannelKind.CHATBOT],
            outcome=Outcome.RESOLVED,
            external_id=f"{MARKER}bot-{n:03d}",
            started_at=start,
            ended_at=start + timedelta(minutes=2),
            reason=world.reasons[rng.choice(BOT_REASONS)],
        )
        bot = Action(
            kind=ActionKind.BOT,
            outcome=Outcome.RESOLVED,
            started_at=start,
            ended_at=start + timedelta(minutes=2),
        )
        events = [
            Event(kind="message_received", occurred_at=start),
            Event(
                kind="bot_answer",
                data={"article": rng.choice(BOT_ARTICLES)},
                occurred_at=start + timedelta(seconds=4),
            ),
            Event(kind="bot_resolved", occurred_at=start + timedelta(minutes=2)),
        ]
        contacts.append((interaction, [(bot, events)]))
    for n, (customer, called) in enumerate(abandons):
        waited = timedelta(minutes=rng.uniform(3, 9))
        interaction = Interaction(
            customer=customer,
            channel=channels[ChannelKind.PHONE],
            outcome=Outcome.ABANDONED,
            external_id=f"{MARKER}call-{n:03d}",
            started_at=called,
            ended_at=called + timedelta(seconds=40) + waited,
        )
        ivr = Action(
            kind=ActionKind.IVR,
            outcome=Outcome.TRANSFERRED,
            started_at=called,
            ended_at=called + timedelta(seconds=40),
        )
        presses = [
            Event(kind="key_press", data={"key": key}, occurred_at=called + timedelta(seconds=s))
            for s, key in ((8, "1"), (19, "2"), (33, "0"))
        ]
        waiting = Action(
            kind=ActionKind.QUEUE,
            outcome=Outcome.ABANDONED,
            started_at=called + timedelta(seconds=40),
            ended_at=called + timedelta(seconds=40) + waited,
        )
        hangup = [Event(kind="hangup", data={"abandoned": True}, occurred_at=waiting.ended_at)]
        contacts.append((interaction, [(ivr, presses), (waiting, hangup)]))
    Interaction.objects.bulk_create([interaction for interaction, _ in contacts])
    actions = []
    for interaction, parts in contacts:
        for action, _events in parts:
            action.interaction = interaction
            actions.append(action)
    Action.objects.bulk_create(actions)
    events = []
    for interaction, parts in contacts:
        for action, action_events in parts:
            for event in action_events:
                event.action = action
                event.interaction = interaction
                events.append(event)
    Event.objects.bulk_create(events)
    return len(contacts)
