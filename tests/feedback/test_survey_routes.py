"""A survey goes through a route that can carry it — the customer's open chat, the messaging app
the contact came from, email — and one that reached nobody is never counted as sent."""

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from channels import chat
from channels.models import ChatMessage, ChatSession, OutboundMessage, OutboundStatus
from channels.services import deliver_outbound
from customers.models import ChannelKind, CustomerIdentity
from feedback import services
from feedback.models import InvitationStatus, SkipReason, SurveyInvitation
from feedback.selectors import survey_metrics
from feedback.tasks import send_due_invitations
from tests.factories import ChannelFactory
from tickets import services as ticket_services

from .conftest import make_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat_channel(queue):
    return ChannelFactory(kind=ChannelKind.WEB_CHAT, default_queue=queue, config={"bot": False})


def _chat_ticket(*, agent, email: str = "", language: str = "vi"):
    session = chat.start_chat(
        browser_key="browser-key-123456", name="Lan", email=email, language=language
    )
    chat.post_customer_line(session=session, body="Đơn hàng của tôi chưa tới")
    session.refresh_from_db()
    ticket_services.reply(ticket=session.ticket, by=agent, body="Đã gửi lại hàng.")
    ticket_services.solve_ticket(ticket=session.ticket, by=agent)
    return session


def _send(invitation: SurveyInvitation) -> str:
    make_due(invitation)
    with TestCase.captureOnCommitCallbacks(execute=True):
        status = services.send_invitation(invitation_id=invitation.pk)
    invitation.refresh_from_db()
    return status


def test_open_chat_gets_the_survey_as_a_line_in_the_widget(chat_channel, agent):
    session = _chat_ticket(agent=agent)
    invitation = SurveyInvitation.objects.get(ticket=session.ticket)
    assert _send(invitation) == InvitationStatus.SENT
    # No outbound row for a kind that has no transport ("No transport for web_chat yet").
    assert invitation.outbound is None
    assert not OutboundMessage.objects.filter(kind=ChannelKind.WEB_CHAT).exists()
    line = ChatMessage.objects.filter(session=session).order_by("id").last()
    assert line.author_type == "system"
    path = line.data["link"]["url"]
    assert path.startswith("/survey/")
    assert line.data["link"]["title"] == "Cho chúng tôi biết bạn thấy thế nào"
    # What the widget's poll returns; the link opens the survey.
    assert line in chat.chat_lines(session=session, after=0)
    token = path.split("/")[2]
    assert services.invitation_for_token(token) == invitation


def test_chat_customer_who_left_is_surveyed_by_email(chat_channel, agent):
    session = _chat_ticket(agent=agent, email="lan@example.vn")
    ChatSession.objects.filter(pk=session.pk).update(
        last_seen_at=timezone.now() - timedelta(hours=1)
    )
    invitation = SurveyInvitation.objects.get(ticket=session.ticket)
    assert _send(invitation) == InvitationStatus.SENT
    assert invitation.outbound.kind == ChannelKind.EMAIL
    assert invitation.outbound.to_address == "lan@example.vn"
    assert ChatMessage.objects.filter(session=session, author_type="system").count() == 0


def test_anonymous_chat_customer_who_left_is_skipped_not_sent(chat_channel, agent):
    session = _chat_ticket(agent=agent)
    chat.close_chat(session=session)
    invitation = SurveyInvitation.objects.get(ticket=session.ticket)
    assert _send(invitation) == InvitationStatus.SKIPPED
    assert invitation.skip_reason == SkipReason.NO_ADDRESS
    assert invitation.sent_at is None
    assert not OutboundMessage.objects.filter(kind=ChannelKind.WEB_CHAT).exists()
    assert survey_metrics(user=None, group_by="kind") == []


def test_zalo_without_an_inbox_that_can_send_goes_by_email(queue, agent, customer):
    ChannelFactory(kind=ChannelKind.ZALO, config={})  # no access token: Zalo would refuse
    CustomerIdentity.objects.create(customer=customer, kind=ChannelKind.ZALO, address="zl-9")
    ticket = ticket_services.create_ticket(
        customer=customer, subject="s", body="b", queue=queue, channel=ChannelKind.ZALO
    )
    ticket_services.solve_ticket(ticket=ticket, by=agent)
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    _send(invitation)
    assert invitation.outbound.kind == ChannelKind.EMAIL


def _fail(outbound: OutboundMessage) -> None:
    OutboundMessage.objects.filter(pk=outbound.pk).update(
        status=OutboundStatus.FAILED, last_error="HTTP 500"
    )


def test_an_undelivered_invitation_leaves_the_response_rate_and_sent(
    solved_ticket, supervisor, customer, queue, agent
):
    invitation = SurveyInvitation.objects.get(ticket=solved_ticket)
    _send(invitation)
    (row,) = survey_metrics(user=supervisor, group_by="kind")
    assert row["sent"] == 1
    _fail(invitation.outbound)
    # Out of the denominator at once, before any sweep.
    assert survey_metrics(user=supervisor, group_by="kind") == []
    assert services.reconcile_delivery() == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.FAILED
    assert services.reconcile_delivery() == 0  # a second sweep changes nothing
    # The customer may be surveyed again: the quiet period counts only what arrived.
    ticket = ticket_services.create_ticket(customer=customer, subject="x", body="y", queue=queue)
    ticket_services.solve_ticket(ticket=ticket, by=agent)
    again = SurveyInvitation.objects.get(ticket=ticket)
    assert _send(again) == InvitationStatus.SENT


def test_a_message_retried_and_delivered_counts_as_sent_again(solved_ticket, supervisor):
    invitation = SurveyInvitation.objects.get(ticket=solved_ticket)
    _send(invitation)
    _fail(invitation.outbound)
    with TestCase.captureOnCommitCallbacks(execute=True):
        send_due_invitations()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.FAILED
    OutboundMessage.objects.filter(pk=invitation.outbound_id).update(
        status=OutboundStatus.QUEUED, due_at=timezone.now()
    )
    assert deliver_outbound(outbound_id=invitation.outbound_id) == OutboundStatus.SENT
    services.reconcile_delivery()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT
    assert survey_metrics(user=supervisor, group_by="kind")[0]["sent"] == 1


def test_a_link_that_arrived_after_all_can_still_be_answered(solved_ticket, client):
    invitation = SurveyInvitation.objects.get(ticket=solved_ticket)
    _send(invitation)
    token = invitation.outbound.body.split("/survey/")[1].split("?")[0].split("/")[0]
    _fail(invitation.outbound)
    services.reconcile_delivery()
    assert client.post(f"/survey/{token}/", {"score": "4"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.RESPONDED
