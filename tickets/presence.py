"""Who else has a ticket open: light presence in the Django cache, so it needs no table and
expires by itself. Each ticket page polls every ~10 s; an entry lives PRESENCE_TTL seconds, so an
agent who closes the tab disappears within that time. Works with any shared cache (Redis in
production, local memory in one process for development).

One cache key per ticket holds {user id: (name, state, time)}. Two agents polling the same second
may overwrite each other's entry (read-modify-write without a lock); the next poll, ten seconds
later, puts it back, which is good enough for a warning banner and costs no lock."""

import time
from typing import Any

from django.core.cache import cache

PRESENCE_TTL = 30
POLL_SECONDS = 10
VIEWING = "viewing"
TYPING = "typing"
STATES = (VIEWING, TYPING)


def _key(ticket_id: int) -> str:
    return f"cim:presence:ticket:{ticket_id}"


def _alive(entries: dict[str, Any], now: float) -> dict[str, Any]:
    return {
        uid: entry
        for uid, entry in entries.items()
        if isinstance(entry, dict) and now - entry.get("at", 0) < PRESENCE_TTL
    }


def touch(*, ticket_id: int, user: Any, state: str = VIEWING) -> list[dict[str, Any]]:
    """Records that `user` is on the ticket (viewing or typing a reply) and returns the others
    present: [{"id", "name", "state"}], typing first."""
    if state not in STATES:
        state = VIEWING
    now = time.time()
    entries = _alive(cache.get(_key(ticket_id)) or {}, now)
    entries[str(user.pk)] = {
        "name": user.get_full_name() or user.get_username(),
        "state": state,
        "at": now,
    }
    cache.set(_key(ticket_id), entries, PRESENCE_TTL)
    return others(ticket_id=ticket_id, user=user, entries=entries)


def leave(*, ticket_id: int, user: Any) -> None:
    entries = _alive(cache.get(_key(ticket_id)) or {}, time.time())
    if entries.pop(str(user.pk), None) is not None:
        cache.set(_key(ticket_id), entries, PRESENCE_TTL)


def others(
    *, ticket_id: int, user: Any, entries: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    if entries is None:
        entries = _alive(cache.get(_key(ticket_id)) or {}, time.time())
    people = [
        {"id": int(uid), "name": entry["name"], "state": entry["state"]}
        for uid, entry in entries.items()
        if uid != str(user.pk)
    ]
    return sorted(people, key=lambda p: (p["state"] != TYPING, p["name"]))
