"""Demo data hooks for cim_site.demo (the seeder calls them at its end)."""

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model


def seed_demo_activities(rng: random.Random) -> int:
    """Work logged on about a third of the tickets that got an agent: wrap-up after calls and
    chats, some call-backs and research. Returns how many were written (bulk, no services: demo
    rows, written once)."""
    from channels.models import Interaction
    from tickets.models_activity import Activity, ActivityKind

    kinds = {k.code: k for k in ActivityKind.objects.filter(active=True)}
    if not kinds:
        return 0
    staff = list(get_user_model().objects.filter(is_staff=True, is_active=True).order_by("id"))
    if not staff:
        return 0
    rows = []
    interactions = Interaction.objects.filter(ticket__isnull=False).values_list(
        "id", "ticket_id", "agent_id", "started_at", "channel__kind"
    )
    for interaction_id, ticket_id, agent_id, started_at, channel_kind in interactions.iterator():
        if rng.random() > 0.35:
            continue
        code = (
            "wrap-up"
            if channel_kind in ("phone", "web_chat", "walk_in")
            else rng.choice(
                [
                    c
                    for c in (
                        "research",
                        "call-back",
                        "follow-up",
                        "internal-consultation",
                        "wrap-up",
                    )
                    if c in kinds
                ]
                or list(kinds)
            )
        )
        kind = kinds.get(code) or next(iter(kinds.values()))
        minutes = Decimal(rng.choice([1, 2, 2, 3, 4, 5, 8, 12]))
        agent = agent_id or rng.choice(staff).pk
        rows.append(
            Activity(
                kind=kind,
                agent_id=agent,
                ticket_id=ticket_id,
                interaction_id=interaction_id,
                minutes=minutes,
                created_at=started_at + timedelta(minutes=int(minutes) + rng.randint(1, 30)),
            )
        )
    Activity.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def rebuild_all(progress: bool = False) -> dict[str, Any]:
    """Facts and rollups for the whole demo data set, and the watermark set, so the beat task
    continues from here."""
    from django.core.management import call_command

    call_command("rebuild_analytics", quiet_progress=not progress, verbosity=0)
    return {}
