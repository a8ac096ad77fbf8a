"""One row of every feedback model, made through the services, for pages that must render with
content (tests/admin's full_data can call this: make_feedback_rows(ticket=..., agent=...,
reviewer=<a superuser or supervisor>))."""

from django.test import TestCase
from django.utils import timezone

from feedback import services
from feedback.models import (
    CESReason,
    QueueSurveySettings,
    SurveyCampaign,
    SurveyInvitation,
)
from tickets import services as ticket_services
from tickets.models import InteractionReason, Ticket


def make_feedback_rows(*, ticket: Ticket, agent, reviewer) -> dict:
    QueueSurveySettings.objects.get_or_create(queue=ticket.queue)
    reason = InteractionReason.objects.filter(parent__isnull=False).first()
    if reason is not None:
        CESReason.objects.get_or_create(reason=reason)
    campaign = SurveyCampaign.objects.create(name="NPS quý 3", kind="nps")
    services.set_survey_opt_out(customer=ticket.customer, opted_out=False)
    ticket_services.solve_ticket(ticket=ticket, by=agent)
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    SurveyInvitation.objects.filter(pk=invitation.pk).update(due_at=timezone.now())
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.send_invitation(invitation_id=invitation.pk)
        invitation.refresh_from_db()
        response = services.submit_response(
            invitation=invitation, score=1, comment="Rất thất vọng <b>vì</b> giao chậm"
        )
    scorecard = services.create_scorecard(
        name="Email",
        criteria=[{"name": "Chào hỏi", "weight": 1}, {"name": "Giải quyết", "weight": 3}],
    )
    criteria = list(scorecard.criteria.all())
    review = services.create_review(
        scorecard=scorecard,
        ticket=ticket,
        agent=agent,
        reviewer=reviewer,
        scores={c.pk: 4 for c in criteria},
        comment="Tốt",
    )
    return {"campaign": campaign, "invitation": invitation, "response": response, "review": review}
