import pytest
from django.test import TestCase
from rest_framework.test import APIClient

from feedback import services
from feedback.models import QAReview, SurveyCampaign, SurveyInvitation
from tests.factories import AgentFactory, CustomerFactory, SegmentFactory
from tickets import services as ticket_services

from .conftest import send_now

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _answered(queue, agent, customer, score, kind_channel="email"):
    ticket = ticket_services.create_ticket(
        customer=customer, subject="s", body="b", queue=queue, channel=kind_channel
    )
    ticket_services.assign_ticket(ticket=ticket, agent=agent, by=agent)
    ticket_services.solve_ticket(ticket=ticket, by=agent)
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    send_now(invitation)
    if score is not None:
        services.submit_response(invitation=invitation, score=score)
    return invitation


@pytest.fixture
def answered(queue, agent):
    # Scores 5, 4, 2 answered and one invitation left unanswered, each for its own customer.
    return [_answered(queue, agent, CustomerFactory(), score) for score in (5, 4, 2, None)]


def test_metrics_give_csat_percent_and_response_rate(answered, supervisor):
    response = client_for(supervisor).get("/api/v1/surveys/metrics/", {"group_by": "queue"})
    assert response.status_code == 200
    (row,) = response.json()
    assert row["label"] == "Support"
    assert row["sent"] == 4 and row["responses"] == 3
    assert row["response_rate"] == 75.0
    assert row["csat_percent"] == pytest.approx(66.7)


@pytest.mark.parametrize("group_by", ["queue", "agent", "reason", "channel", "segment", "week"])
def test_metrics_query_count_does_not_grow_with_rows(
    answered, supervisor, group_by, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        response = client_for(supervisor).get("/api/v1/surveys/metrics/", {"group_by": group_by})
    assert response.status_code == 200


def test_metrics_refuse_unknown_grouping(supervisor):
    response = client_for(supervisor).get("/api/v1/surveys/metrics/", {"group_by": "nope"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_agents_see_only_their_queues_surveys(answered, other_agent):
    response = client_for(other_agent).get("/api/v1/surveys/invitations/")
    assert response.status_code == 200 and response.json()["results"] == []
    metrics = client_for(other_agent).get("/api/v1/surveys/metrics/").json()
    assert metrics == []


def test_invitation_list_shows_the_answer(answered, agent, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client_for(agent).get("/api/v1/surveys/invitations/")
    rows = response.json()["results"]
    assert len(rows) == 4
    assert sorted(r["response"]["score"] for r in rows if r["response"]) == [2, 4, 5]


def test_nps_campaign_to_a_segment_is_created_and_run_by_a_supervisor(supervisor, agent):
    vip = SegmentFactory(code="vip")
    CustomerFactory.create_batch(3, segment=vip)
    CustomerFactory(segment=None)
    opted_out = CustomerFactory(segment=vip)
    services.set_survey_opt_out(customer=opted_out)
    created = client_for(supervisor).post(
        "/api/v1/surveys/campaigns/", {"name": "NPS Q3", "kind": "nps", "segment": "vip"}
    )
    assert created.status_code == 201, created.json()
    campaign_id = created.json()["id"]
    assert (
        client_for(agent).post(f"/api/v1/surveys/campaigns/{campaign_id}/run/").status_code == 403
    )
    run = client_for(supervisor).post(f"/api/v1/surveys/campaigns/{campaign_id}/run/")
    assert run.json() == {"scheduled": 3}
    again = client_for(supervisor).post(f"/api/v1/surveys/campaigns/{campaign_id}/run/")
    assert again.json() == {"scheduled": 0}
    assert SurveyInvitation.objects.filter(kind="nps", status="scheduled").count() == 3


def test_nps_answers_give_promoters_minus_detractors(supervisor):
    campaign = SurveyCampaign.objects.create(name="NPS", kind="nps")
    for _ in range(4):
        CustomerFactory()
    services.run_campaign(campaign=campaign)
    for invitation, score in zip(
        SurveyInvitation.objects.order_by("id"), (10, 9, 7, 3), strict=True
    ):
        send_now(invitation)
        services.submit_response(invitation=invitation, score=score)
    (row,) = client_for(supervisor).get("/api/v1/surveys/metrics/", {"kind": "nps"}).json()
    assert row["nps"] == 25.0  # 50 % promoters − 25 % detractors


def test_nps_score_11_is_refused(supervisor, customer):
    campaign = SurveyCampaign.objects.create(name="NPS", kind="nps")
    services.run_campaign(campaign=campaign)
    invitation = SurveyInvitation.objects.get()
    send_now(invitation)
    from feedback.errors import FeedbackError

    with pytest.raises(FeedbackError):
        services.submit_response(invitation=invitation, score=11)
    services.submit_response(invitation=invitation, score=0)


def test_campaign_refuses_csat(supervisor):
    response = client_for(supervisor).post(
        "/api/v1/surveys/campaigns/", {"name": "x", "kind": "csat"}
    )
    assert response.status_code == 400


def test_sentiment_endpoints_respect_ticket_visibility(queue, customer, agent, other_agent):
    with TestCase.captureOnCommitCallbacks(execute=True):
        ticket = ticket_services.create_ticket(
            customer=customer, subject="s", body="Rất thất vọng", queue=queue
        )
    mine = client_for(agent).get("/api/v1/sentiment/", {"ticket": ticket.pk}).json()
    assert [r["label"] for r in mine["results"]] == ["negative"]
    assert client_for(other_agent).get("/api/v1/sentiment/").json()["results"] == []
    trend = client_for(agent).get("/api/v1/sentiment/trend/", {"ticket": ticket.pk})
    assert trend.json()["messages"][0]["label"] == "negative"
    assert (
        client_for(other_agent).get("/api/v1/sentiment/trend/", {"ticket": ticket.pk}).status_code
        == 404
    )
    assert client_for(agent).get("/api/v1/sentiment/trend/", {"ticket": "x"}).status_code == 400
    summary = client_for(agent).get(
        "/api/v1/sentiment/customer-summary/", {"customer": customer.pk}
    )
    assert summary.json()["negative"] == 1


# --- QA ------------------------------------------------------------------------------------------


@pytest.fixture
def scorecard(supervisor):
    response = client_for(supervisor).post(
        "/api/v1/qa/scorecards/",
        {
            "name": "Email",
            "criteria": [
                {"name": "Greeting", "weight": 1, "max_points": 5},
                {"name": "Solution", "weight": 3, "max_points": 5},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_supervisor_reviews_and_agent_sees_only_own_reviews(
    scorecard, supervisor, agent, queue, customer
):
    ticket = ticket_services.create_ticket(customer=customer, subject="s", body="b", queue=queue)
    greeting, solution = (c["id"] for c in scorecard["criteria"])
    body = {
        "scorecard": scorecard["id"],
        "ticket": ticket.pk,
        "agent": agent.pk,
        "comment": "<b>Good</b>",
        "scores": [{"criterion": greeting, "points": 5}, {"criterion": solution, "points": 3}],
    }
    assert client_for(agent).post("/api/v1/qa/reviews/", body, format="json").status_code == 403
    created = client_for(supervisor).post("/api/v1/qa/reviews/", body, format="json")
    assert created.status_code == 201, created.json()
    # (1·5/5 + 3·3/5) / 4 = 70 %
    assert created.json()["total_percent"] == "70.0"
    other = AgentFactory(username="colleague", queues=[queue])
    assert client_for(other).get("/api/v1/qa/reviews/").json()["results"] == []
    own = client_for(agent).get("/api/v1/qa/reviews/").json()["results"]
    assert [r["id"] for r in own] == [created.json()["id"]]
    report = client_for(supervisor).get("/api/v1/qa/reviews/report/", {"by": "criterion"}).json()
    assert {r["criterion"]: r["mean_percent"] for r in report} == {
        "Greeting": 100.0,
        "Solution": 60.0,
    }


def test_review_with_a_missing_or_out_of_range_score_is_refused(
    scorecard, supervisor, agent, queue, customer
):
    ticket = ticket_services.create_ticket(customer=customer, subject="s", body="b", queue=queue)
    greeting, solution = (c["id"] for c in scorecard["criteria"])
    base = {"scorecard": scorecard["id"], "ticket": ticket.pk, "agent": agent.pk}
    missing = client_for(supervisor).post(
        "/api/v1/qa/reviews/",
        {**base, "scores": [{"criterion": greeting, "points": 5}]},
        format="json",
    )
    assert missing.status_code == 400 and missing.json()["code"] == "invalid_review"
    too_high = client_for(supervisor).post(
        "/api/v1/qa/reviews/",
        {
            **base,
            "scores": [{"criterion": greeting, "points": 6}, {"criterion": solution, "points": 1}],
        },
        format="json",
    )
    assert too_high.status_code == 400
    assert not QAReview.objects.exists()
