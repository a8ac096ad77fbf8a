import pytest
from django.test import TestCase
from django.utils import timezone

from feedback import services
from feedback.models import InvitationStatus, SurveyInvitation
from tests.factories import CustomerFactory
from tickets import services as ticket_services


@pytest.fixture(autouse=True)
def _no_trained_model(settings, tmp_path):
    # A model someone trained on this machine must not change what the tests see.
    settings.CIM_SENTIMENT_MODEL_PATH = str(tmp_path / "no-model.json")
    settings.CIM_SENTIMENT_ANALYSER = "auto"


@pytest.fixture
def solved_ticket(queue, agent, customer):
    ticket = ticket_services.create_ticket(
        customer=customer, subject="Đơn hàng chưa tới", body="Tôi chưa nhận được hàng", queue=queue
    )
    ticket_services.reply(ticket=ticket, by=agent, body="Đã gửi lại hàng cho anh chị.")
    return ticket_services.solve_ticket(ticket=ticket, by=agent)


def make_due(invitation: SurveyInvitation) -> None:
    SurveyInvitation.objects.filter(pk=invitation.pk).update(due_at=timezone.now())


def send_now(invitation: SurveyInvitation) -> str:
    """Sends the invitation and returns the raw token taken from the message it queued."""
    make_due(invitation)
    # The outbound is delivered by a task enqueued after commit: run those callbacks.
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.send_invitation(invitation_id=invitation.pk)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT
    body = invitation.outbound.body
    return body.split("/survey/")[1].split("/")[0]


@pytest.fixture
def sent_invitation(solved_ticket):
    invitation = SurveyInvitation.objects.get(ticket=solved_ticket)
    token = send_now(invitation)
    invitation.refresh_from_db()
    return invitation, token


@pytest.fixture
def another_customer(db):
    return CustomerFactory(email="minh@example.vn", name="Trần Minh")
