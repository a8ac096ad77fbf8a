"""Journey events from machines: a PBX's IVR and call events, a web tracker's page views, anything
sent in bulk. Each event is stored as its own raw row (deduplicated on its id) and processed into
Event → Action → Interaction.

Call events map onto the five levels as the business describes them: key presses are events of
one IVR action; waiting in the queue and the talk with the agent are one action (it starts as
"waiting in a queue" and becomes "conversation with an agent" when someone answers); the whole
call is one interaction. So 3 key presses and a talk = 3 events, 2 actions, 1 interaction. Queue
entry, answer and hang-up are moments of those actions, not touches of their own.
"""

import hashlib
import json
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from customers.models import ChannelKind
from customers.services import resolve_customer

from . import intake
from .conversation import recent_open_ticket
from .models import (
    Action,
    ActionKind,
    Channel,
    Direction,
    InboundMessage,
    Interaction,
    Outcome,
)
from .services import record_action, record_event, record_interaction

IVR_EVENTS = {"key_press", "ivr_input"}
LIFECYCLE = {"ivr_start", "queue_enter", "agent_answer", "hangup"}
AGENT_SIDE = (ActionKind.QUEUE, ActionKind.AGENT)


MAX_BATCH = 1000


def validate_event(event: Any) -> None:
    """Raises ValueError naming what is wrong with one event of a batch."""
    if not isinstance(event, dict):
        raise ValueError("each event must be an object")
    if not str(event.get("interaction") or "").strip():
        raise ValueError("each event needs 'interaction' (the call, chat or visit id)")
    who = event.get("customer")
    if not isinstance(who, dict) or not str(who.get("address") or "").strip():
        raise ValueError("each event needs 'customer': {'kind': …, 'address': …}")
    if str(who.get("kind") or "") not in ChannelKind.values:
        raise ValueError(f"unknown customer kind {who.get('kind')!r}")
    kind = event.get("type")
    if not isinstance(kind, str) or not kind.strip() or len(kind) > 40:
        raise ValueError("each event needs a 'type' of at most 40 characters")
    action = event.get("action")
    if action is not None and action not in ActionKind.values:
        raise ValueError(f"unknown action kind {action!r}")
    if event.get("at") is not None and parse_datetime(str(event["at"])) is None:
        raise ValueError(f"'at' is not an ISO date-time: {str(event['at'])[:40]!r}")
    if event.get("data") is not None and not isinstance(event["data"], dict):
        raise ValueError("'data' must be an object")


def event_id(event: dict[str, Any]) -> str:
    """The event's own id, or a digest of its content: the same event posted live and again in
    the end-of-call record is stored once."""
    given = str(event.get("id") or "").strip()
    if given:
        return given[:200]
    canonical = json.dumps(
        {k: v for k, v in event.items() if k != "id"}, sort_keys=True, default=str
    )
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def receive_events(
    *, channel: Channel, events: list[dict[str, Any]], source: str
) -> tuple[int, int]:
    """Stores each event once; returns (new, already seen)."""
    new = seen = 0
    for event in events:
        _row, created = intake.store_inbound(
            channel=channel,
            external_id="event:" + event_id(event),
            raw=json.dumps(event, ensure_ascii=False, default=str).encode(),
            content_type=intake.JOURNEY_EVENT,
            source=source,
        )
        new, seen = (new + 1, seen) if created else (new, seen + 1)
    return new, seen


def call_record_events(record: dict[str, Any]) -> list[dict[str, Any]]:
    """A PBX call record (call id, caller, events, outcome) → journey events."""
    call_id = str(record.get("call_id") or "").strip()
    caller = str(record.get("from") or "").strip()
    if not call_id or not caller:
        raise ValueError("a call record needs call_id and from")
    base = {
        "interaction": call_id,
        "customer": {"kind": "phone", "address": caller, "name": record.get("caller_name", "")},
        "direction": record.get("direction") or Direction.INBOUND,
    }
    events = []
    for item in record.get("events") or []:
        if not isinstance(item, dict) or not item.get("type"):
            raise ValueError("each call event needs a type")
        event = {**base, **item}
        event["data"] = {
            k: v
            for k, v in item.items()
            if k not in {"id", "type", "at", "agent", "outcome", "data"}
        } | (item.get("data") if isinstance(item.get("data"), dict) else {})
        events.append(event)
    if record.get("ended_at") and not any(e["type"] == "hangup" for e in events):
        events.append(
            {
                **base,
                "type": "hangup",
                "at": record["ended_at"],
                "outcome": record.get("outcome", ""),
                "data": {"abandoned": bool(record.get("abandoned"))},
            }
        )
    return events


def _at(value: Any) -> datetime:
    parsed = parse_datetime(str(value)) if value else None
    if parsed is None:
        return timezone.now()
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _agent(username: Any) -> Any:
    if not username:
        return None
    return get_user_model().objects.filter(username=str(username), is_staff=True).first()


def _action(interaction: Interaction, kinds: tuple[str, ...]) -> Action | None:
    return (
        Action.objects.filter(interaction=interaction, kind__in=kinds)
        .order_by("-started_at", "-id")
        .first()
    )


def process_journey_event(inbound: InboundMessage) -> intake.Outcome:
    event = json.loads(bytes(inbound.raw))
    channel = inbound.channel
    who = event.get("customer") or {}
    customer = resolve_customer(
        kind=str(who.get("kind") or channel.kind),
        address=str(who.get("address") or ""),
        name=str(who.get("name") or ""),
    )
    at = _at(event.get("at"))
    interaction, created = record_interaction(
        customer=customer,
        channel=channel,
        ticket=recent_open_ticket(channel=channel, customer=customer),
        external_id=str(event.get("interaction") or inbound.external_id)[:255],
        direction=event.get("direction") or Direction.INBOUND,
        started_at=at,
    )
    # Events of one call may be processed by several workers at once: one at a time per call.
    interaction = Interaction.objects.select_for_update().get(pk=interaction.pk)
    if interaction.started_at > at:
        Interaction.objects.filter(pk=interaction.pk).update(started_at=at)
    kind = str(event.get("type") or "")
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    if kind in IVR_EVENTS or kind == "ivr_start":
        action = _action(interaction, (ActionKind.IVR,)) or record_action(
            interaction=interaction, kind=ActionKind.IVR, started_at=at
        )
        if kind != "ivr_start":
            record_event(action=action, kind="key_press", data=data, occurred_at=at)
    elif kind == "queue_enter":
        Action.objects.filter(
            interaction=interaction, kind=ActionKind.IVR, ended_at__isnull=True
        ).update(ended_at=at)
        if _action(interaction, AGENT_SIDE) is None:
            record_action(interaction=interaction, kind=ActionKind.QUEUE, started_at=at)
    elif kind == "agent_answer":
        agent = _agent(event.get("agent"))
        action = _action(interaction, AGENT_SIDE) or record_action(
            interaction=interaction, kind=ActionKind.AGENT, started_at=at
        )
        Action.objects.filter(pk=action.pk).update(kind=ActionKind.AGENT, agent=agent)
        Action.objects.filter(
            interaction=interaction, kind=ActionKind.IVR, ended_at__isnull=True
        ).update(ended_at=at)
        if agent is not None:
            Interaction.objects.filter(pk=interaction.pk).update(agent=agent)
    elif kind == "hangup":
        _hang_up(interaction, at=at, outcome=str(event.get("outcome") or ""), data=data)
    else:
        action_kind = str(event.get("action") or ActionKind.WEB)
        if action_kind not in ActionKind.values:
            raise ValueError(f"unknown action kind {action_kind!r}")
        action = _action(interaction, (action_kind,)) or record_action(
            interaction=interaction,
            kind=action_kind,
            started_at=at,
            agent=_agent(event.get("agent")),
        )
        record_event(action=action, kind=kind[:40] or "event", data=data, occurred_at=at)
        Action.objects.filter(pk=action.pk).update(ended_at=at)
        Interaction.objects.filter(pk=interaction.pk).update(ended_at=at)
    return intake.Outcome(ticket=interaction.ticket, interaction=interaction)


def _hang_up(interaction: Interaction, *, at: datetime, outcome: str, data: dict) -> None:
    waiting = Action.objects.filter(interaction=interaction, kind=ActionKind.QUEUE).first()
    abandoned = bool(data.get("abandoned")) or waiting is not None
    if waiting is not None:
        # Hung up while waiting for an agent: an abandoned call, the figure that tells where a
        # person would have kept the customer.
        Action.objects.filter(pk=waiting.pk).update(outcome=Outcome.ABANDONED)
    Action.objects.filter(interaction=interaction, ended_at__isnull=True).update(ended_at=at)
    changes: dict[str, Any] = {"ended_at": at}
    if outcome in Outcome.values and outcome:
        changes["outcome"] = outcome
    elif abandoned and not interaction.outcome:
        changes["outcome"] = Outcome.ABANDONED
    Interaction.objects.filter(pk=interaction.pk).update(**changes)
