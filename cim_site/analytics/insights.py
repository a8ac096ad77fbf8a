"""Insight selectors for the operations dashboard: top reasons with trend, reason × channel,
worst CSAT/FCR reasons; agent × segment matrix and who solves the hard problems; backlog by
age. Read from the facts (cim_site.analytics.models.TicketFact) like the metrics."""

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q

from .labels import labels_for
from .metrics import _surveys, median, rate, visible_facts
from .periods import day_start


def reason_insights(*, user: Any, date_from: date, date_to: date, top: int = 10) -> dict:
    """Top reasons of tickets created in the period with the previous period of the same length
    for trend; reason × channel counts; the reasons with the worst CSAT and FCR (at least 5
    answers / solved tickets); how many tickets have no reason."""
    length = (date_to - date_from).days + 1
    prev_from = date_from - timedelta(days=length)
    rows = list(
        visible_facts(user)
        .filter(created_date__gte=prev_from, created_date__lte=date_to)
        .values("reason_id", "channel", "created_date")
        .annotate(n=Count("ticket_id"))
        .order_by()
    )
    current: dict[Any, int] = defaultdict(int)
    previous: dict[Any, int] = defaultdict(int)
    by_channel: dict[tuple[Any, str], int] = defaultdict(int)
    for row in rows:
        if row["created_date"] >= date_from:
            current[row["reason_id"]] += row["n"]
            by_channel[(row["reason_id"], row["channel"])] += row["n"]
        else:
            previous[row["reason_id"]] += row["n"]
    solved = (
        visible_facts(user)
        .filter(solved_date__gte=date_from, solved_date__lte=date_to)
        .values("reason_id")
        .annotate(solved=Count("ticket_id"), fcr=Count("ticket_id", filter=Q(fcr=True)))
        .order_by()
    )
    fcr = {r["reason_id"]: (r["fcr"], r["solved"]) for r in solved}
    csat = _surveys(user, date_from, date_to, "reason")
    reason_ids = {*current, *fcr, *(k for k in csat if k is not None)}
    labels = labels_for("reason", reason_ids | {None})
    channel_labels = labels_for("channel", {c for _r, c in by_channel})
    ranked = sorted((k for k in current if k is not None), key=lambda k: (-current[k], k))[:top]
    top_reasons = [
        {
            "key": k,
            "label": labels[k],
            "tickets": current[k],
            "previous": previous.get(k, 0),
            "trend": rate(current[k] - previous.get(k, 0), previous.get(k, 0)),
        }
        for k in ranked
    ]
    matrix = [
        {
            "reason": k,
            "reason_label": labels[k],
            "channel": c,
            "channel_label": channel_labels[c],
            "tickets": n,
        }
        for (k, c), n in sorted(by_channel.items(), key=lambda i: (-i[1], str(i[0])))
    ]
    worst_fcr = sorted(
        (
            {"key": k, "label": labels[k], "solved": s, "fcr_rate": rate(f, s)}
            for k, (f, s) in fcr.items()
            if k is not None and s >= 5
        ),
        key=lambda r: (r["fcr_rate"], r["key"]),
    )[:top]
    worst_csat = sorted(
        (
            {"key": k, "label": labels.get(k, str(k)), "csat_percent": v["csat_percent"]}
            for k, v in csat.items()
            if k is not None and v["csat_percent"] is not None
        ),
        key=lambda r: (r["csat_percent"], r["key"]),
    )[:top]
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "top_reasons": top_reasons,
        "reason_by_channel": matrix,
        "worst_fcr": worst_fcr,
        "worst_csat": worst_csat,
        "tickets_without_reason": current.get(None, 0),
        "tickets": sum(current.values()),
    }


def agent_segment_matrix(*, user: Any, date_from: date, date_to: date) -> dict:
    """Per agent × customer segment over tickets solved in the period: solved, median
    resolution minutes, FCR rate, CSAT %; and per agent the hard problems solved (reopened,
    escalated or transferred at least twice in all)."""
    facts = list(
        visible_facts(user)
        .filter(solved_date__gte=date_from, solved_date__lte=date_to)
        .values(
            "agent_id",
            "segment_id",
            "resolution_minutes",
            "fcr",
            "reopens",
            "escalations",
            "transfers",
        )
    )
    cells: dict[tuple[Any, Any], dict[str, Any]] = defaultdict(
        lambda: {"solved": 0, "fcr": 0, "res": []}
    )
    hard: dict[Any, dict[str, int]] = defaultdict(lambda: {"solved": 0, "hard": 0})
    for row in facts:
        cell = cells[(row["agent_id"], row["segment_id"])]
        cell["solved"] += 1
        cell["fcr"] += row["fcr"]
        if row["resolution_minutes"] is not None:
            cell["res"].append(row["resolution_minutes"])
        hard[row["agent_id"]]["solved"] += 1
        hard[row["agent_id"]]["hard"] += row["reopens"] + row["escalations"] + row["transfers"] >= 2
    csat = _csat_by_agent_segment(user, date_from, date_to)
    agents = labels_for("agent", {a for a, _s in cells} | set(hard))
    segments = labels_for("segment", {s for _a, s in cells})
    out_cells = [
        {
            "agent": a,
            "agent_label": agents[a],
            "segment": s,
            "segment_label": segments[s],
            "solved": c["solved"],
            "resolution_minutes_median": median(c["res"]),
            "fcr_rate": rate(c["fcr"], c["solved"]),
            "csat_percent": csat.get((a, s)),
        }
        for (a, s), c in sorted(
            cells.items(), key=lambda i: (str(agents[i[0][0]]), str(segments[i[0][1]]))
        )
    ]
    hard_rows = sorted(
        (
            {
                "agent": a,
                "agent_label": agents[a],
                "solved": h["solved"],
                "hard_solved": h["hard"],
                "hard_share": rate(h["hard"], h["solved"]),
            }
            for a, h in hard.items()
        ),
        key=lambda r: (-r["hard_solved"], str(r["agent_label"])),
    )
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "cells": out_cells,
        "hard_problems": hard_rows,
    }


def _csat_by_agent_segment(user: Any, date_from: date, date_to: date) -> dict[tuple, float | None]:
    """CSAT % per (agent, segment): the survey definition applied per cell (one query)."""
    from feedback.selectors import csat_percent_by

    return csat_percent_by(
        user=user,
        fields=("agent_id", "segment_id"),
        since=day_start(date_from),
        until=day_start(date_to + timedelta(days=1)),
    )


AGE_BUCKETS = ((0, 1), (1, 3), (3, 7), (7, 14), (14, 30), (30, None))


def backlog_age_buckets(*, user: Any) -> dict:
    """Open tickets now by age in days since creation: 0–1, 1–3, 3–7, 7–14, 14–30, 30+."""
    from django.utils import timezone

    from tickets.models import OPEN_STATUSES, Ticket
    from tickets.selectors import visible_tickets

    now = timezone.now()
    aggregates = {}
    for low, high in AGE_BUCKETS:
        cond = Q(created_at__lte=now - timedelta(days=low))
        if high is not None:
            cond &= Q(created_at__gt=now - timedelta(days=high))
        aggregates[f"b{low}"] = Count("id", filter=cond)
    counts = visible_tickets(user, Ticket.objects.filter(status__in=OPEN_STATUSES)).aggregate(
        **aggregates
    )
    return {
        "results": [
            {
                "key": f"{low}-{high}" if high is not None else f"{low}+",
                "label": f"{low}–{high}" if high is not None else f"{low}+",
                "min_days": low,
                "max_days": high,
                "tickets": counts[f"b{low}"],
            }
            for low, high in AGE_BUCKETS
        ],
        "total": sum(counts.values()),
    }
