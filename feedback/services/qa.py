"""Quality reviews: scorecards of weighted criteria; a supervisor scores an agent's handling of a
ticket (or one interaction of it) on every criterion."""

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tickets.models import Ticket
from tickets.selectors import is_supervisor

from ..errors import FeedbackError, FeedbackErrorCode
from ..models import QAReview, QAScore, Scorecard, ScorecardCriterion


@transaction.atomic
def create_scorecard(
    *, name: str, criteria: Iterable[Mapping[str, Any]], description: str = ""
) -> Scorecard:
    """criteria: [{"name": ..., "weight": 1–100, "max_points": 1–100, "description": ...}]."""
    items = list(criteria)
    name = (name or "").strip()
    if not name:
        raise FeedbackError(
            FeedbackErrorCode.INVALID_SCORECARD, _("Give the scorecard a name."), field="name"
        )
    if not items:
        raise FeedbackError(
            FeedbackErrorCode.INVALID_SCORECARD,
            _("A scorecard needs at least one criterion."),
            field="criteria",
        )
    if Scorecard.objects.filter(name=name).exists():
        raise FeedbackError(
            FeedbackErrorCode.INVALID_SCORECARD,
            _("Another scorecard has this name."),
            field="name",
        )
    names = [str(item.get("name", "")).strip() for item in items]
    if any(not n for n in names) or len(set(names)) != len(names):
        raise FeedbackError(
            FeedbackErrorCode.INVALID_SCORECARD,
            _("Every criterion needs its own name."),
            field="criteria",
        )
    scorecard = Scorecard.objects.create(name=name, description=description)
    for position, (item, criterion_name) in enumerate(zip(items, names, strict=True)):
        weight, max_points = item.get("weight", 1), item.get("max_points", 5)
        if not all(isinstance(v, int) and 1 <= v <= 100 for v in (weight, max_points)):
            raise FeedbackError(
                FeedbackErrorCode.INVALID_SCORECARD,
                _("Weights and highest scores are whole numbers from 1 to 100."),
                field="criteria",
            )
        ScorecardCriterion.objects.create(
            scorecard=scorecard,
            name=criterion_name[:200],
            description=str(item.get("description", "")),
            weight=weight,
            max_points=max_points,
            position=position,
        )
    return scorecard


def weighted_percent(pairs: Iterable[tuple[ScorecardCriterion, int]]) -> Decimal:
    pairs = list(pairs)
    total_weight = sum(c.weight for c, _points in pairs)
    if not total_weight:
        return Decimal("0.0")
    value = sum(Decimal(c.weight) * Decimal(points) / Decimal(c.max_points) for c, points in pairs)
    return (value * 100 / total_weight).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@transaction.atomic
def create_review(
    *,
    scorecard: Scorecard,
    ticket: Ticket,
    agent: Any,
    reviewer: Any,
    scores: Mapping[int, int],
    comment: str = "",
    criterion_comments: Mapping[int, str] | None = None,
    interaction: Any = None,
) -> QAReview:
    """scores: {criterion id: points (0..highest)}; every criterion of the scorecard is scored."""
    if not is_supervisor(reviewer):
        raise FeedbackError(
            FeedbackErrorCode.NOT_A_SUPERVISOR, _("Only supervisors review agents' work.")
        )
    if agent is None or not getattr(agent, "is_staff", False):
        raise FeedbackError(
            FeedbackErrorCode.INVALID_REVIEW, _("Pick the staff member reviewed."), field="agent"
        )
    if agent.pk == reviewer.pk:
        raise FeedbackError(
            FeedbackErrorCode.INVALID_REVIEW, _("Nobody reviews their own work."), field="agent"
        )
    if not scorecard.is_active:
        raise FeedbackError(
            FeedbackErrorCode.INVALID_REVIEW, _("The scorecard is retired."), field="scorecard"
        )
    if interaction is not None and interaction.ticket_id != ticket.pk:
        raise FeedbackError(
            FeedbackErrorCode.INVALID_REVIEW,
            _("The interaction does not belong to this ticket."),
            field="interaction",
        )
    criteria = list(scorecard.criteria.all())
    expected = {c.pk for c in criteria}
    if set(scores) != expected:
        raise FeedbackError(
            FeedbackErrorCode.INVALID_REVIEW,
            _("Score every criterion of the scorecard, and only those."),
            field="scores",
        )
    pairs = []
    for criterion in criteria:
        points = scores[criterion.pk]
        if isinstance(points, bool) or not isinstance(points, int):
            points = -1
        if not 0 <= points <= criterion.max_points:
            raise FeedbackError(
                FeedbackErrorCode.INVALID_REVIEW,
                _("“%(name)s” is scored from 0 to %(max)d.")
                % {"name": criterion.name, "max": criterion.max_points},
                field="scores",
            )
        pairs.append((criterion, points))
    review = QAReview.objects.create(
        scorecard=scorecard,
        ticket=ticket,
        interaction=interaction,
        agent=agent,
        reviewer=reviewer,
        comment=(comment or "").replace("\x00", "").strip()[:10_000],
        total_percent=weighted_percent(pairs),
    )
    notes = criterion_comments or {}
    QAScore.objects.bulk_create(
        QAScore(
            review=review,
            criterion=criterion,
            points=points,
            comment=str(notes.get(criterion.pk, ""))[:2000],
        )
        for criterion, points in pairs
    )
    return review
