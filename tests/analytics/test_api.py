from datetime import date, timedelta

import pytest
from rest_framework.test import APIClient

from cim_site.analytics.refresh import rebuild_all
from tests.factories import AgentFactory, ChannelFactory, CustomerFactory, QueueFactory
from tickets import services
from tickets.models_activity import Activity, ActivityKind

pytestmark = pytest.mark.django_db
URL = "/api/v1/metrics/"


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "colour"}, "group_by"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "from"),
        ({"from": "2023-01-01", "to": "2026-01-01"}, "to"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
    ],
)
@pytest.mark.parametrize("path", [URL, URL + "journey/"])
def test_bad_input_is_a_400_with_field_errors(supervisor, params, field, path):
    response = client_for(supervisor).get(path, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"]


def test_two_years_is_allowed(supervisor):
    response = client_for(supervisor).get(URL, {"from": "2024-01-01", "to": "2025-12-31"})
    assert response.status_code == 200
    assert response.json()["group_by"] == "day"


def test_anonymous_and_customers_get_nothing(db):
    assert APIClient().get(URL).status_code in (401, 403)


@pytest.fixture
def two_queues(queue, other_queue, agent, other_agent):
    today = date.today()
    for q in (queue, other_queue, other_queue):
        services.create_ticket(
            customer=CustomerFactory(), subject="s", body="b", queue=q, channel="email"
        )
    rebuild_all()
    return {"from": (today - timedelta(days=2)).isoformat(), "to": today.isoformat()}


def test_agent_gets_only_their_queues_figures(two_queues, agent, other_agent, supervisor):
    def created(user):
        return client_for(user).get(URL, {**two_queues, "group_by": "queue"}).json()

    assert created(agent)["totals"]["tickets_created"] == 1
    assert created(other_agent)["totals"]["tickets_created"] == 2
    assert created(supervisor)["totals"]["tickets_created"] == 3
    assert [r["label"] for r in created(agent)["results"]] == ["Support"]


@pytest.mark.parametrize("group_by", ["day", "queue", "agent", "reason", "segment", "channel"])
def test_query_count_does_not_grow_with_data(
    two_queues, supervisor, django_assert_max_num_queries, group_by
):
    client = client_for(supervisor)
    for _ in range(20):
        q = QueueFactory()
        services.create_ticket(
            customer=CustomerFactory(), subject="s", body="b", queue=q, channel="phone"
        )
    rebuild_all()
    # 13 for the figures, 2 for the permission table (the user's and their groups' permissions).
    with django_assert_max_num_queries(15):
        response = client.get(URL, {**two_queues, "group_by": group_by})
    assert response.status_code == 200
    assert response.json()["totals"]["tickets_created"] == 23
    with django_assert_max_num_queries(15):
        assert client.get(URL + "journey/", {**two_queues, "group_by": group_by}).status_code == 200


def test_schema_documents_the_metrics(supervisor):
    response = client_for(supervisor).get("/api/schema/")
    if response.status_code == 404:
        pytest.skip("schema served elsewhere")
    text = response.content.decode()
    assert "/api/v1/metrics/" in text
    assert "fcr_rate" in text
    assert "bot_containment_rate" in text


def test_activity_api_logs_and_lists_within_the_agents_queues(agent, other_agent, customer, queue):
    ticket = services.create_ticket(customer=customer, subject="s", body="b", queue=queue)
    client = client_for(agent)
    response = client.post(
        "/api/v1/activities/",
        {"kind": "call-back", "ticket": ticket.pk, "minutes": "4.5", "note": "Gọi lại"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["agent"] == agent.username
    assert Activity.objects.get().minutes == 4.5
    assert len(client.get("/api/v1/activities/").json()["results"]) == 1
    outsider = client_for(other_agent)
    assert outsider.get("/api/v1/activities/").json()["results"] == []
    denied = outsider.post(
        "/api/v1/activities/", {"kind": "call-back", "ticket": ticket.pk, "minutes": 1}
    )
    assert denied.status_code == 403
    bad = client.post("/api/v1/activities/", {"kind": "call-back", "ticket": ticket.pk})
    assert bad.status_code == 400
    assert "minutes" in bad.json()["fields"]
    ActivityKind.objects.filter(code="research").update(active=False)
    retired = client.post(
        "/api/v1/activities/", {"kind": "research", "ticket": ticket.pk, "minutes": 1}
    )
    assert retired.status_code == 400


def test_activity_api_interaction_of_another_queue_is_refused(agent, customer, other_queue):
    from channels.models import Interaction

    channel = ChannelFactory(kind="phone", code="hotline", default_queue=other_queue)
    interaction = Interaction.objects.create(customer=customer, channel=channel)
    response = client_for(agent).post(
        "/api/v1/activities/", {"kind": "wrap-up", "interaction": interaction.pk, "minutes": 2}
    )
    assert response.status_code == 403
    boss = AgentFactory(username="boss", is_superuser=True)
    assert (
        client_for(boss)
        .post(
            "/api/v1/activities/", {"kind": "wrap-up", "interaction": interaction.pk, "minutes": 2}
        )
        .status_code
        == 201
    )
