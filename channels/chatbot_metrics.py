"""How the chatbot does, from the journey records it writes (channels.chatbot): a chat with the
bot is one Action(kind=BOT); its outcome says whether the customer was helped without a person
(resolved: deflected) or handed to one (transferred); its events say what happened on the way."""

from datetime import datetime
from typing import Any

from django.db.models import Count, Q

from .models import Action, ActionKind, Event, Outcome


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def bot_metrics(*, since: datetime | None = None) -> dict[str, Any]:
    """Chats the bot took part in since `since` (all when None): how many it answered with an
    article, how many ended resolved by the bot alone, how many went to a person and why.
    Four aggregate queries, whatever the number of chats."""
    actions = Action.objects.filter(kind=ActionKind.BOT)
    events = Event.objects.filter(action__kind=ActionKind.BOT)
    if since is not None:
        actions = actions.filter(started_at__gte=since)
        events = events.filter(action__started_at__gte=since)
    counts = actions.aggregate(
        sessions=Count("id"),
        deflected=Count("id", filter=Q(outcome=Outcome.RESOLVED)),
        handed_off=Count("id", filter=Q(outcome=Outcome.TRANSFERRED)),
    )
    answered = events.filter(kind="bot_answer").values("action_id").distinct().count()
    clarified = events.filter(kind="bot_clarify").values("action_id").distinct().count()
    reasons = {
        row["data__reason"] or "": row["n"]
        for row in events.filter(kind="bot_handoff")
        .values("data__reason")
        .annotate(n=Count("id"))
        .order_by()
    }
    sessions = counts["sessions"]
    return {
        "since": since.isoformat() if since else None,
        "sessions": sessions,
        "answered": answered,
        "clarified": clarified,
        "deflected": counts["deflected"],
        "handed_off": counts["handed_off"],
        "handoff_reasons": dict(sorted(reasons.items())),
        "answer_rate": _rate(answered, sessions),
        "deflection_rate": _rate(counts["deflected"], sessions),
        "handoff_rate": _rate(counts["handed_off"], sessions),
    }
