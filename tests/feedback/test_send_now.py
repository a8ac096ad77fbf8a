"""A lead sends a survey invitation that is due later right away (service and admin action)."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from feedback import services
from feedback.models import InvitationStatus, SkipReason, SurveyInvitation
from tickets.selectors import AGENT_GROUP, SUPERVISOR_GROUP

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/feedback/surveyinvitation/"


@pytest.fixture
def due_later(solved_ticket):
    invitation = SurveyInvitation.objects.get(ticket=solved_ticket)
    assert invitation.status == InvitationStatus.SCHEDULED
    assert invitation.due_at > timezone.now()
    return invitation


def test_send_invitation_now_sends_a_survey_due_later_once(due_later, agent):
    with TestCase.captureOnCommitCallbacks(execute=True):
        status = services.send_invitation_now(invitation=due_later, by=agent)
    with TestCase.captureOnCommitCallbacks(execute=True):
        again = services.send_invitation_now(invitation=due_later, by=agent)

    due_later.refresh_from_db()
    assert (status, again) == (InvitationStatus.SENT, InvitationStatus.SENT)
    assert due_later.status == InvitationStatus.SENT
    assert due_later.sent_at <= timezone.now()
    assert len(mail.outbox) == 1
    assert "/survey/" in mail.outbox[0].body


def test_send_invitation_now_still_honours_an_opt_out(due_later, agent):
    services.set_survey_opt_out(customer=due_later.customer)

    status = services.send_invitation_now(invitation=due_later, by=agent)

    due_later.refresh_from_db()
    assert status == InvitationStatus.SKIPPED
    assert due_later.skip_reason == SkipReason.OPTED_OUT
    assert mail.outbox == []


def _post_action(client, invitation):
    return client.post(
        CHANGELIST,
        {"action": "send_now", "_selected_action": [invitation.pk]},
        follow=True,
    )


def test_send_now_admin_action_sends_for_a_lead(client, django_user_model, due_later):
    lead = django_user_model.objects.create_user("lead", password="x", is_staff=True)
    lead.groups.add(Group.objects.get_or_create(name=SUPERVISOR_GROUP)[0])
    client.force_login(lead)

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = _post_action(client, due_later)

    due_later.refresh_from_db()
    assert response.status_code == 200
    assert due_later.status == InvitationStatus.SENT
    assert len(mail.outbox) == 1


def test_send_now_admin_action_is_not_offered_to_agents(client, agent, due_later):
    agent.is_staff = True
    agent.save()
    agent.groups.add(Group.objects.get_or_create(name=AGENT_GROUP)[0])
    client.force_login(agent)

    page = client.get(CHANGELIST)
    if page.status_code == 200:
        assert 'value="send_now"' not in page.content.decode()
    _post_action(client, due_later)

    due_later.refresh_from_db()
    assert due_later.status == InvitationStatus.SCHEDULED
