"""An agent sees and acts on the tickets of their queues only; another queue's ticket does not
exist for them (404, so its existence does not leak)."""

import pytest

from channels.models import Interaction
from tests.factories import ChannelFactory
from tickets.models import Ticket

URL = "/api/v1/tickets/"


@pytest.fixture
def foreign_ticket(make_ticket, other_queue):
    return make_ticket(queue=other_queue, subject="Chuyện của phòng kinh doanh")


def test_list_shows_only_the_agents_queues(api, agent, make_ticket, foreign_ticket):
    mine = make_ticket()

    ids = [t["id"] for t in api(agent).get(URL).json()["results"]]

    assert ids == [mine.pk]


def test_supervisor_sees_every_queue(api, supervisor, make_ticket, foreign_ticket):
    mine = make_ticket()

    ids = {t["id"] for t in api(supervisor).get(URL).json()["results"]}

    assert ids == {mine.pk, foreign_ticket.pk}


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "", None),
        ("patch", "", {"priority": 4}),
        ("get", "messages/", None),
        ("post", "messages/", {"body": "hi"}),
        ("post", "messages/", {"kind": "internal", "body": "hi"}),
        ("post", "assign/", {"assignee": None}),
        ("post", "solve/", {}),
        ("post", "close/", {}),
        ("post", "reopen/", {}),
        ("post", "status/", {"status": "open"}),
    ],
)
def test_agent_gets_404_on_another_queues_ticket(api, agent, foreign_ticket, method, suffix, data):
    client = api(agent)

    response = getattr(client, method)(f"{URL}{foreign_ticket.pk}/{suffix}", data, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    foreign_ticket.refresh_from_db()
    assert foreign_ticket.status == "new"
    assert foreign_ticket.priority == 2
    assert foreign_ticket.messages.count() == 1


def test_agent_without_queues_sees_nothing(api, make_ticket):
    from tests.factories import AgentFactory

    make_ticket()
    newcomer = AgentFactory(username="newcomer")

    assert api(newcomer).get(URL).json()["results"] == []


def test_agent_can_transfer_a_ticket_out_of_their_queue_and_then_loses_it(
    api, agent, make_ticket, other_queue
):
    ticket = make_ticket()
    client = api(agent)

    moved = client.patch(f"{URL}{ticket.pk}/", {"queue": "sales"}, format="json")

    assert moved.status_code == 200
    assert moved.json()["queue"]["code"] == "sales"
    assert Ticket.objects.get(pk=ticket.pk).queue == other_queue
    assert client.get(f"{URL}{ticket.pk}/").status_code == 404


def test_interactions_of_another_queues_ticket_are_hidden(
    api, agent, supervisor, customer, make_ticket, foreign_ticket
):
    channel = ChannelFactory(kind="email")
    mine = make_ticket()
    visible = Interaction.objects.create(customer=customer, channel=channel, ticket=mine)
    # No ticket: no queue owns it. Its own agent sees it; other agents do not (as in the admin).
    own = Interaction.objects.create(customer=customer, channel=channel, agent=agent)
    loose = Interaction.objects.create(customer=customer, channel=channel, ticket=None)
    hidden = Interaction.objects.create(customer=customer, channel=channel, ticket=foreign_ticket)

    agent_ids = {i["id"] for i in api(agent).get("/api/v1/interactions/").json()["results"]}
    all_ids = {i["id"] for i in api(supervisor).get("/api/v1/interactions/").json()["results"]}

    assert agent_ids == {visible.pk, own.pk}
    assert all_ids == {visible.pk, own.pk, loose.pk, hidden.pk}
    assert api(agent).get(f"/api/v1/interactions/{loose.pk}/").status_code == 404
    assert api(agent).get(f"/api/v1/interactions/{hidden.pk}/").status_code == 404
