"""Races decided by the database (PostgreSQL; skipped on SQLite, which serialises writers)."""

import pytest
from django.utils import timezone

from feedback import services
from feedback.errors import FeedbackError, FeedbackErrorCode
from feedback.models import InvitationStatus, SurveyInvitation, SurveyResponse
from tests.concurrency import in_threads, postgres_only
from tickets import services as ticket_services

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def due_invitation(queue, agent, customer):
    ticket = ticket_services.create_ticket(customer=customer, subject="s", body="b", queue=queue)
    ticket_services.solve_ticket(ticket=ticket, by=agent)
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    SurveyInvitation.objects.filter(pk=invitation.pk).update(due_at=timezone.now())
    return invitation


def test_two_workers_sending_one_invitation_send_it_once(due_invitation):
    in_threads(4, lambda i: services.send_invitation(invitation_id=due_invitation.pk))
    due_invitation.refresh_from_db()
    assert due_invitation.status == InvitationStatus.SENT
    from channels.models import OutboundMessage

    assert (
        OutboundMessage.objects.filter(subject__contains=due_invitation.ticket.reference).count()
        == 1
    )


def test_double_submit_at_the_same_moment_stores_one_answer(due_invitation):
    services.send_invitation(invitation_id=due_invitation.pk)
    refused = []

    def submit(i):
        try:
            services.submit_response(invitation=due_invitation, score=1 + i)
        except FeedbackError as exc:
            refused.append(exc.code)

    in_threads(4, submit)
    assert SurveyResponse.objects.count() == 1
    assert refused == [FeedbackErrorCode.ALREADY_ANSWERED] * 3
