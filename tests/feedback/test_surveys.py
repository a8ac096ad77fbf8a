from datetime import timedelta

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from channels.models import OutboundMessage
from customers.models import ChannelKind, CustomerIdentity
from feedback import services
from feedback.errors import FeedbackError, FeedbackErrorCode
from feedback.models import (
    CESReason,
    InvitationStatus,
    LowScoreAction,
    QueueSurveySettings,
    SkipReason,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
)
from tests.factories import ChannelFactory, ReasonFactory
from tickets import services as ticket_services
from tickets.models import TicketStatus

from .conftest import make_due, send_now

pytestmark = pytest.mark.django_db


def test_solving_a_ticket_schedules_a_csat_invitation_after_the_queue_delay(solved_ticket):
    invitation = SurveyInvitation.objects.get(ticket=solved_ticket)
    assert invitation.kind == SurveyKind.CSAT
    assert invitation.status == InvitationStatus.SCHEDULED
    wait = invitation.due_at - timezone.now()
    assert timedelta(minutes=59) < wait <= timedelta(minutes=60)
    assert invitation.queue_id == solved_ticket.queue_id
    assert invitation.agent_id == solved_ticket.assignee_id


def test_queue_delay_is_configurable(queue, agent, customer):
    QueueSurveySettings.objects.create(queue=queue, delay_minutes=5)
    ticket = ticket_services.create_ticket(customer=customer, subject="s", body="b", queue=queue)
    ticket_services.solve_ticket(ticket=ticket, by=agent)
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    assert invitation.due_at - timezone.now() <= timedelta(minutes=5)


def test_scheduling_waits_for_commit_and_is_not_duplicated(solved_ticket, agent):
    ticket_services.reopen_ticket(ticket=solved_ticket, by=agent)
    ticket_services.solve_ticket(ticket=solved_ticket, by=agent)
    live = SurveyInvitation.objects.filter(ticket=solved_ticket, status="scheduled")
    assert live.count() == 1
    assert SurveyInvitation.objects.filter(ticket=solved_ticket, status="cancelled").count() == 1


def test_not_scheduled_before_due_time(solved_ticket):
    invitation = SurveyInvitation.objects.get(ticket=solved_ticket)
    assert services.send_invitation(invitation_id=invitation.pk) == InvitationStatus.SCHEDULED
    assert services.due_invitation_ids() == []


def test_reopening_before_sending_cancels_the_invitation(solved_ticket, agent):
    ticket_services.reopen_ticket(ticket=solved_ticket, by=agent)
    invitation = SurveyInvitation.objects.get(ticket=solved_ticket)
    assert invitation.status == InvitationStatus.CANCELLED
    assert invitation.skip_reason == SkipReason.REOPENED


def test_customer_reply_on_solved_ticket_cancels_the_invitation(solved_ticket):
    ticket_services.add_customer_message(ticket=solved_ticket, body="Vẫn chưa được ạ")
    assert SurveyInvitation.objects.get(ticket=solved_ticket).status == "cancelled"


def test_due_invitation_goes_out_by_email_with_a_single_use_link(solved_ticket):
    invitation = SurveyInvitation.objects.get(ticket=solved_ticket)
    token = send_now(invitation)
    invitation.refresh_from_db()
    assert len(token) >= 22  # ≥ 128 bits of url-safe base64
    assert invitation.token_hash == services.hash_token(token)
    assert token not in invitation.token_hash
    assert invitation.expires_at - invitation.sent_at == timedelta(days=7)
    outbound = invitation.outbound
    assert outbound.kind == ChannelKind.EMAIL
    assert outbound.to_address == solved_ticket.customer.email
    # Eager Celery in tests: the outbound was delivered through the mail backend.
    assert mail.outbox[-1].to == [solved_ticket.customer.email]
    assert f"/survey/{token}/" in mail.outbox[-1].body


def test_sending_twice_sends_once(solved_ticket):
    invitation = SurveyInvitation.objects.get(ticket=solved_ticket)
    make_due(invitation)
    assert services.send_invitation(invitation_id=invitation.pk) == "sent"
    assert services.send_invitation(invitation_id=invitation.pk) == "sent"
    # (Matched on the link, not the subject, which is in the customer's language.)
    survey_mails = OutboundMessage.objects.filter(ticket=solved_ticket, body__contains="/survey/")
    assert survey_mails.count() == 1


def test_zalo_ticket_is_surveyed_through_zalo(queue, agent, customer):
    zalo = ChannelFactory(kind=ChannelKind.ZALO, config={"access_token": "tok"})
    CustomerIdentity.objects.create(customer=customer, kind=ChannelKind.ZALO, address="zl-123")
    ticket = ticket_services.create_ticket(
        customer=customer, subject="s", body="b", queue=queue, channel=ChannelKind.ZALO
    )
    ticket_services.solve_ticket(ticket=ticket, by=agent)
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    send_now(invitation)
    invitation.refresh_from_db()
    assert (invitation.outbound.kind, invitation.outbound.to_address) == ("zalo", "zl-123")
    # Through the inbox that can send: the transport needs its access token.
    assert invitation.outbound.channel == zalo
    # One short line with one link: a chat app is no place for a list of score links.
    assert invitation.outbound.body.count("/survey/") == 1
    assert "?score=" not in invitation.outbound.body


def test_chat_customer_without_identity_falls_back_to_email(queue, agent, customer):
    ticket = ticket_services.create_ticket(
        customer=customer, subject="s", body="b", queue=queue, channel=ChannelKind.WEB_CHAT
    )
    ticket_services.solve_ticket(ticket=ticket, by=agent)
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    send_now(invitation)
    invitation.refresh_from_db()
    assert invitation.outbound.kind == ChannelKind.EMAIL


@pytest.mark.parametrize(
    ("prepare", "reason"),
    [
        (lambda t: services.set_survey_opt_out(customer=t.customer), SkipReason.OPTED_OUT),
        (lambda t: ticket_services.add_tag(ticket=t, name="spam", by=None), "merged_or_spam"),
        (lambda t: ticket_services.add_tag(ticket=t, name="merged", by=None), "merged_or_spam"),
        (
            lambda t: ticket_services.add_tag(ticket=t, name="auto-generated", by=None),
            SkipReason.AUTOMATED,
        ),
    ],
)
def test_invitation_is_not_sent_when_a_rule_says_no(solved_ticket, prepare, reason):
    prepare(solved_ticket)
    invitation = SurveyInvitation.objects.get(ticket=solved_ticket)
    make_due(invitation)
    assert services.send_invitation(invitation_id=invitation.pk) == InvitationStatus.SKIPPED
    invitation.refresh_from_db()
    assert invitation.skip_reason == reason
    assert invitation.outbound is None and invitation.token_hash is None


def test_customer_surveyed_recently_is_not_surveyed_again(solved_ticket, queue, agent, customer):
    send_now(SurveyInvitation.objects.get(ticket=solved_ticket))
    second = ticket_services.create_ticket(customer=customer, subject="s2", body="b", queue=queue)
    ticket_services.solve_ticket(ticket=second, by=agent)
    invitation = SurveyInvitation.objects.get(ticket=second)
    make_due(invitation)
    assert services.send_invitation(invitation_id=invitation.pk) == "skipped"
    invitation.refresh_from_db()
    assert invitation.skip_reason == SkipReason.RECENT


def test_quiet_days_are_configurable_per_queue(solved_ticket, queue, agent, customer):
    QueueSurveySettings.objects.create(queue=queue, quiet_days=0, delay_minutes=60)
    send_now(SurveyInvitation.objects.get(ticket=solved_ticket))
    second = ticket_services.create_ticket(customer=customer, subject="s2", body="b", queue=queue)
    ticket_services.solve_ticket(ticket=second, by=agent)
    invitation = SurveyInvitation.objects.get(ticket=second)
    make_due(invitation)
    assert services.send_invitation(invitation_id=invitation.pk) == "sent"


def test_disabled_queue_schedules_nothing(queue, agent, customer):
    QueueSurveySettings.objects.create(queue=queue, csat_enabled=False)
    ticket = ticket_services.create_ticket(customer=customer, subject="s", body="b", queue=queue)
    ticket_services.solve_ticket(ticket=ticket, by=agent)
    assert not SurveyInvitation.objects.filter(ticket=ticket).exists()


def test_ces_reason_gets_a_ces_survey(queue, agent, customer):
    reason = ReasonFactory()
    CESReason.objects.create(reason=reason)
    ticket = ticket_services.create_ticket(
        customer=customer, subject="s", body="b", queue=queue, reason=reason
    )
    ticket_services.solve_ticket(ticket=ticket, by=agent)
    assert SurveyInvitation.objects.get(ticket=ticket).kind == SurveyKind.CES


# --- Answers -------------------------------------------------------------------------------------


def test_answer_is_recorded_once(sent_invitation):
    invitation, token = sent_invitation
    found = services.invitation_for_token(token)
    assert found.pk == invitation.pk
    services.submit_response(invitation=found, score=5, comment="Rất hài lòng")
    with pytest.raises(FeedbackError) as exc:
        services.submit_response(invitation=found, score=1)
    assert exc.value.code == FeedbackErrorCode.ALREADY_ANSWERED
    assert SurveyResponse.objects.get().score == 5
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.RESPONDED


@pytest.mark.parametrize("score", [0, 6, -1, 100, "5", None, True, 4.5])
def test_csat_score_outside_1_to_5_is_refused(sent_invitation, score):
    invitation, _token = sent_invitation
    with pytest.raises(FeedbackError) as exc:
        services.submit_response(invitation=invitation, score=score)
    assert exc.value.code == FeedbackErrorCode.INVALID_SCORE
    assert not SurveyResponse.objects.exists()


def test_expired_link_refuses_the_answer(sent_invitation):
    invitation, _token = sent_invitation
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(FeedbackError) as exc:
        services.submit_response(invitation=invitation, score=4)
    assert exc.value.code == FeedbackErrorCode.LINK_EXPIRED


def test_too_long_comment_is_refused_with_a_clear_message(sent_invitation, settings):
    invitation, _token = sent_invitation
    with pytest.raises(FeedbackError) as exc:
        services.submit_response(
            invitation=invitation,
            score=4,
            comment="x" * (settings.CIM_SURVEY_COMMENT_MAX_CHARS + 1),
        )
    assert exc.value.code == FeedbackErrorCode.COMMENT_TOO_LONG and exc.value.field == "comment"


@pytest.mark.parametrize("token", ["", "abc", "x" * 500, "../../etc", "a" * 43, "é" * 30])
def test_unknown_or_malformed_tokens_open_nothing(sent_invitation, token):
    assert services.invitation_for_token(token) is None


def test_low_csat_alerts_the_queue_lead_by_default(sent_invitation, queue, supervisor):
    queue.lead = supervisor
    queue.save()
    invitation, _token = sent_invitation
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = services.submit_response(invitation=invitation, score=1, comment="Tệ quá")
    assert response.action_taken == "alerted"
    assert mail.outbox[0].to == [supervisor.email]
    assert invitation.ticket.reference in mail.outbox[0].subject


def test_low_csat_reopens_the_ticket_when_the_queue_says_so(sent_invitation, queue):
    QueueSurveySettings.objects.create(queue=queue, low_score_action=LowScoreAction.REOPEN)
    invitation, _token = sent_invitation
    response = services.submit_response(invitation=invitation, score=2)
    invitation.ticket.refresh_from_db()
    assert invitation.ticket.status == TicketStatus.OPEN
    assert response.action_taken == "reopened"
    # Reopening after the answer does not cancel the answered survey.
    assert SurveyInvitation.objects.get(pk=invitation.pk).status == "responded"


def test_good_csat_changes_nothing(sent_invitation, queue):
    QueueSurveySettings.objects.create(queue=queue, low_score_action=LowScoreAction.REOPEN)
    invitation, _token = sent_invitation
    services.submit_response(invitation=invitation, score=4)
    invitation.ticket.refresh_from_db()
    assert invitation.ticket.status == TicketStatus.SOLVED


def test_low_csat_on_a_closed_ticket_alerts_instead_of_reopening(sent_invitation, queue, agent):
    QueueSurveySettings.objects.create(queue=queue, low_score_action=LowScoreAction.REOPEN)
    invitation, _token = sent_invitation
    ticket_services.close_ticket(ticket=invitation.ticket, by=agent)
    response = services.submit_response(invitation=invitation, score=1)
    assert response.action_taken == "alerted"


def test_opt_out_is_kept_per_customer(customer):
    services.set_survey_opt_out(customer=customer, opted_out=True)
    services.set_survey_opt_out(customer=customer, opted_out=True)
    assert customer.survey_preference.opted_out
    services.set_survey_opt_out(customer=customer, opted_out=False)
    customer.survey_preference.refresh_from_db()
    assert not customer.survey_preference.opted_out
