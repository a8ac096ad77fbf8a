"""Read queries for the API, the admin and the lead's pages. Each runs a fixed number of queries
however many rows it covers."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek

from channels.models import OutboundStatus
from cim_site.db_router import reads_replica
from tickets.models import Ticket
from tickets.selectors import is_supervisor, queue_ids_for

from .models import (
    InvitationStatus,
    MessageSentiment,
    QAReview,
    QAScore,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
)

# group_by → (value expression, label expression) over SurveyInvitation.
DIMENSIONS: dict[str, tuple[Any, Any]] = {
    "queue": (F("queue_id"), F("queue__name")),
    "agent": (F("agent_id"), F("agent__username")),
    "reason": (F("reason_id"), F("reason__code")),
    "channel": (F("channel"), F("channel")),
    "segment": (F("segment_id"), F("segment__name")),
    "kind": (F("kind"), F("kind")),
    "priority": (F("ticket__priority"), None),
    "day": (TruncDay("sent_at"), None),
    "week": (TruncWeek("sent_at"), None),
    "month": (TruncMonth("sent_at"), None),
}


def visible_invitations(user: Any) -> QuerySet[SurveyInvitation]:
    """Supervisors see every survey; an agent those of their queues' tickets."""
    qs = SurveyInvitation.objects.all()
    queue_ids = queue_ids_for(user)
    return qs if queue_ids is None else qs.filter(queue_id__in=queue_ids)


@reads_replica
def survey_metrics(
    *,
    user: Any,
    group_by: str = "kind",
    since: datetime | None = None,
    until: datetime | None = None,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """Per group: invitations sent, answers, response rate, CSAT % (answers of 4–5 among CSAT
    answers), NPS (% promoters 9–10 − % detractors 0–6), CES mean. One query."""
    if group_by not in DIMENSIONS:
        raise ValueError(f"group_by must be one of {sorted(DIMENSIONS)}")
    value, label = DIMENSIONS[group_by]
    # A message the outbox gave up on reached nobody: not in the denominator, even before the
    # sweep marks its invitation "not delivered".
    qs = (
        visible_invitations(user)
        .filter(status__in=[InvitationStatus.SENT, InvitationStatus.RESPONDED])
        .exclude(status=InvitationStatus.SENT, outbound__status=OutboundStatus.FAILED)
    )
    if since:
        qs = qs.filter(sent_at__gte=since)
    if until:
        qs = qs.filter(sent_at__lt=until)
    if kind:
        qs = qs.filter(kind=kind)
    answered = Q(response__isnull=False)
    csat, nps, ces = (
        Q(kind=SurveyKind.CSAT) & answered,
        Q(kind=SurveyKind.NPS) & answered,
        Q(kind=SurveyKind.CES) & answered,
    )
    annotations: dict[str, Any] = {"group": value}
    if label is not None:
        annotations["label"] = label
    rows = (
        qs.annotate(**annotations)
        .values("group", *(["label"] if label is not None else []))
        .annotate(
            sent=Count("id"),
            responses=Count("response"),
            csat_n=Count("id", filter=csat),
            csat_good=Count("id", filter=csat & Q(response__score__gte=4)),
            nps_n=Count("id", filter=nps),
            promoters=Count("id", filter=nps & Q(response__score__gte=9)),
            detractors=Count("id", filter=nps & Q(response__score__lte=6)),
            ces_n=Count("id", filter=ces),
            ces_sum=Sum("response__score", filter=ces),
        )
        .order_by("group")
    )
    out = []
    for row in rows:
        group = row["group"]
        out.append(
            {
                "group": group.isoformat() if hasattr(group, "isoformat") else group,
                "label": row.get("label") if label is not None else None,
                "sent": row["sent"],
                "responses": row["responses"],
                "response_rate": _pct(row["responses"], row["sent"]),
                "csat_responses": row["csat_n"],
                "csat_percent": _pct(row["csat_good"], row["csat_n"]),
                "nps_responses": row["nps_n"],
                "nps": (
                    round(100 * (row["promoters"] - row["detractors"]) / row["nps_n"], 1)
                    if row["nps_n"]
                    else None
                ),
                "ces_responses": row["ces_n"],
                "ces_mean": round(row["ces_sum"] / row["ces_n"], 2) if row["ces_n"] else None,
            }
        )
    return out


def csat_percent_by(
    *, user: Any, fields: tuple[str, ...], since: datetime, until: datetime
) -> dict[tuple[Any, ...], float | None]:
    """CSAT % (answers of 4–5 among CSAT answers, as in survey_metrics) per combination of
    invitation fields, e.g. ("agent_id", "segment_id"). One query."""
    csat = Q(kind=SurveyKind.CSAT, response__isnull=False)
    rows = (
        visible_invitations(user)
        .filter(status__in=[InvitationStatus.SENT, InvitationStatus.RESPONDED])
        .filter(sent_at__gte=since, sent_at__lt=until)
        .values(*fields)
        .annotate(
            csat_n=Count("id", filter=csat),
            csat_good=Count("id", filter=csat & Q(response__score__gte=4)),
        )
        .order_by()
    )
    return {tuple(row[f] for f in fields): _pct(row["csat_good"], row["csat_n"]) for row in rows}


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def list_responses(*, user: Any) -> QuerySet[SurveyResponse]:
    queue_ids = queue_ids_for(user)
    qs = SurveyResponse.objects.select_related(
        "invitation", "invitation__customer", "invitation__ticket", "invitation__queue"
    )
    return qs if queue_ids is None else qs.filter(invitation__queue_id__in=queue_ids)


# --- Sentiment: what the lead puts on the ticket thread and the customer page -------------------


def sentiments_for_messages(message_ids: Iterable[int]) -> dict[int, MessageSentiment]:
    """{message id: sentiment row} for a thread, in one query. Use it beside
    tickets.selectors.ticket_thread: `sentiments_for_messages(m.id for m in thread)`."""
    ids = list(message_ids)
    if not ids:
        return {}
    return {row.message_id: row for row in MessageSentiment.objects.filter(message_id__in=ids)}


def ticket_sentiment_trend(*, ticket: Ticket) -> list[dict[str, Any]]:
    """The customer's messages on a ticket in time order with their label and score: the trend
    shows whether the conversation is getting better or worse."""
    return [
        {
            "message_id": row["message_id"],
            "at": row["created_at"],
            "label": row["label"],
            "score": row["score"],
        }
        for row in MessageSentiment.objects.filter(ticket=ticket, pending=False)
        .order_by("created_at", "message_id")
        .values("message_id", "created_at", "label", "score")
    ]


def customer_sentiment_summary(*, customer_id: int) -> dict[str, Any]:
    """Counts per label and the mean score over a customer's analysed messages (one query)."""
    agg = MessageSentiment.objects.filter(customer_id=customer_id, pending=False).aggregate(
        negative=Count("pk", filter=Q(label="negative")),
        neutral=Count("pk", filter=Q(label="neutral")),
        positive=Count("pk", filter=Q(label="positive")),
        mean_score=Avg("score"),
    )
    if agg["mean_score"] is not None:
        agg["mean_score"] = round(agg["mean_score"], 3)
    return agg


def ticket_sentiment_summaries(ticket_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """{ticket id: {"negative": n, "mean_score": x, "latest": label}} for a list of tickets, in
    one query (the latest label comes from the most negative-recent ordering in Python)."""
    ids = list(ticket_ids)
    out: dict[int, dict[str, Any]] = {}
    for row in (
        MessageSentiment.objects.filter(ticket_id__in=ids, pending=False)
        .order_by("ticket_id", "created_at")
        .values("ticket_id", "label", "score")
    ):
        entry = out.setdefault(row["ticket_id"], {"negative": 0, "scores": [], "latest": None})
        entry["negative"] += row["label"] == "negative"
        entry["scores"].append(row["score"] or 0.0)
        entry["latest"] = row["label"]
    for entry in out.values():
        scores = entry.pop("scores")
        entry["mean_score"] = round(sum(scores) / len(scores), 3)
    return out


# --- Quality reviews -------------------------------------------------------------------------


def visible_reviews(user: Any) -> QuerySet[QAReview]:
    """Supervisors see every review; anyone else only the reviews of their own work."""
    qs = QAReview.objects.select_related(
        "scorecard", "ticket", "agent", "reviewer", "interaction"
    ).prefetch_related("scores__criterion")
    if is_supervisor(user):
        return qs
    return qs.filter(agent_id=getattr(user, "pk", None))


@reads_replica
def qa_report(
    *,
    user: Any,
    by: str = "agent",
    period: str = "month",
    since: datetime | None = None,
) -> list[dict[str, Any]]:
    """Mean result per agent (or per agent and criterion) and period, one query."""
    trunc = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}[period]
    if by == "criterion":
        qs = QAScore.objects.filter(review__in=visible_reviews(user).values("pk"))
        if since:
            qs = qs.filter(review__created_at__gte=since)
        rows = (
            qs.annotate(period=trunc("review__created_at"))
            .values("period", "review__agent_id", "review__agent__username", "criterion__name")
            .annotate(
                reviews=Count("review", distinct=True),
                mean_points=Avg("points"),
                max_points=Avg("criterion__max_points"),
            )
            .order_by("period", "review__agent__username", "criterion__name")
        )
        return [
            {
                "period": row["period"].isoformat() if row["period"] else None,
                "agent_id": row["review__agent_id"],
                "agent": row["review__agent__username"],
                "criterion": row["criterion__name"],
                "reviews": row["reviews"],
                "mean_percent": round(100 * row["mean_points"] / row["max_points"], 1),
            }
            for row in rows
        ]
    qs = visible_reviews(user).prefetch_related(None).select_related(None)
    if since:
        qs = qs.filter(created_at__gte=since)
    rows = (
        qs.annotate(period=trunc("created_at"))
        .values("period", "agent_id", "agent__username")
        .annotate(reviews=Count("id"), mean_percent=Avg("total_percent"))
        .order_by("period", "agent__username")
    )
    return [
        {
            "period": row["period"].isoformat() if row["period"] else None,
            "agent_id": row["agent_id"],
            "agent": row["agent__username"],
            "reviews": row["reviews"],
            "mean_percent": round(float(row["mean_percent"]), 1),
        }
        for row in rows
    ]
