import pytest

from feedback.models import (
    QAReview,
    Scorecard,
    ScorecardCriterion,
    SurveyCampaign,
    SurveyInvitation,
)
from tests.factories import CustomerFactory
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db


def test_report_page_draws_charts_without_scripts(client, admin_user, sent_invitation):
    from feedback import services

    invitation, _token = sent_invitation
    services.submit_response(invitation=invitation, score=5)
    client.force_login(admin_user)
    for group_by in ("queue", "agent", "channel", "month", "bogus"):
        page = client.get("/admin/feedback/surveyinvitation/report/", {"group_by": group_by})
        assert page.status_code == 200
        body = page.content.decode()
        assert "<svg" in body and "100%" in body
    assert '<script src="http' not in body


def test_report_page_refuses_bad_days_gracefully(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/feedback/surveyinvitation/report/", {"days": "x"}).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/admin/feedback/surveyinvitation/",
        "/admin/feedback/surveyresponse/",
        "/admin/feedback/messagesentiment/",
        "/admin/feedback/alert/",
        "/admin/feedback/surveycampaign/",
        "/admin/feedback/scorecard/",
        "/admin/feedback/qareview/",
        "/admin/feedback/queuesurveysettings/",
        "/admin/feedback/qareview/add/",
    ],
)
def test_feedback_admin_pages_open(client, admin_user, url):
    Scorecard.objects.create(name="Chat")
    client.force_login(admin_user)
    assert client.get(url).status_code == 200


def test_campaign_admin_action_schedules_invitations(client, admin_user):
    CustomerFactory.create_batch(2)
    campaign = SurveyCampaign.objects.create(name="NPS", kind="nps")
    client.force_login(admin_user)
    response = client.post(
        "/admin/feedback/surveycampaign/",
        {"action": "run_now", "_selected_action": [campaign.pk]},
    )
    assert response.status_code == 302
    assert SurveyInvitation.objects.filter(campaign=campaign).count() == 2


@pytest.fixture
def review(supervisor, agent, queue, customer):
    from feedback import services

    scorecard = services.create_scorecard(
        name="Email", criteria=[{"name": "Tone", "weight": 2}, {"name": "Fix", "weight": 1}]
    )
    ticket = ticket_services.create_ticket(customer=customer, subject="s", body="b", queue=queue)
    tone, fix = scorecard.criteria.all()
    return services.create_review(
        scorecard=scorecard,
        ticket=ticket,
        agent=agent,
        reviewer=supervisor,
        scores={tone.pk: 5, fix.pk: 0},
    )


def test_supervisor_adds_a_review_in_the_admin(client, supervisor, agent, queue, customer):
    scorecard = Scorecard.objects.create(name="Phone")
    tone = ScorecardCriterion.objects.create(scorecard=scorecard, name="Tone", weight=1)
    ticket = ticket_services.create_ticket(customer=customer, subject="s", body="b", queue=queue)
    client.force_login(supervisor)
    response = client.post(
        f"/admin/feedback/qareview/add/?scorecard={scorecard.pk}",
        {
            "scorecard": scorecard.pk,
            "ticket": ticket.pk,
            "agent": agent.pk,
            "comment": "ok",
            f"points_{tone.pk}": "4",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    review = QAReview.objects.get()
    assert review.reviewer == supervisor and float(review.total_percent) == 80.0


def test_agent_sees_own_review_but_not_a_colleagues(client, review, agent, other_agent):
    client.force_login(agent)
    assert client.get(f"/admin/feedback/qareview/{review.pk}/change/").status_code == 200
    assert client.get("/admin/feedback/qareview/add/").status_code == 403
    client.force_login(other_agent)
    listing = client.get("/admin/feedback/qareview/")
    assert listing.status_code == 200 and review.ticket.reference not in listing.content.decode()
    assert client.get(f"/admin/feedback/qareview/{review.pk}/change/").status_code in (302, 404)


@pytest.fixture
def feedback_rows(admin_user, agent, queue, customer):
    from tests.factories import ReasonFactory

    from .data import make_feedback_rows

    ReasonFactory()
    ticket = ticket_services.create_ticket(customer=customer, subject="s", body="b", queue=queue)
    ticket_services.reply(ticket=ticket, by=agent, body="Đang kiểm tra")
    return make_feedback_rows(ticket=ticket, agent=agent, reviewer=admin_user)


def test_every_feedback_admin_page_renders_with_data(client, admin_user, feedback_rows):
    from django.contrib import admin
    from django.urls import reverse

    client.force_login(admin_user)
    registry = [(m, a) for m, a in admin.site._registry.items() if m._meta.app_label == "feedback"]
    assert len(registry) >= 10
    for model, model_admin in registry:
        opts = model._meta
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, opts.label
        changelist = client.get(reverse(f"admin:feedback_{opts.model_name}_changelist"))
        assert changelist.status_code == 200, opts.label
        assert changelist.context["cl"].result_count >= 1, opts.label
        if model_admin.search_fields:
            url = reverse(f"admin:feedback_{opts.model_name}_changelist")
            assert client.get(url, {"q": "a"}).status_code == 200
        change = client.get(reverse(f"admin:feedback_{opts.model_name}_change", args=[obj.pk]))
        assert change.status_code == 200, opts.label
        assert "<b>vì</b>" not in change.content.decode()
