"""List endpoints cost the same number of SQL queries for 5 rows as for 30. Token clients are
used so every request loads its user afresh, as in production (force_authenticate would reuse
one user object and its cached queue ids across requests)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import CustomerFactory, ReasonFactory, TicketFactory
from tickets import services
from tickets.models import Tag

URL = "/api/v1/tickets/"


@pytest.fixture
def token_client(db):
    def make(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        return client

    return make


def _fill(queue, assignee, count):
    tags = [Tag.objects.get_or_create(name=f"tag-{n}")[0] for n in range(3)]
    for n in range(count):
        ticket = TicketFactory(
            queue=queue, customer=CustomerFactory(), reason=ReasonFactory(), assignee=assignee
        )
        ticket.tags.add(*tags[: 1 + n % 3])


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["results"]


# token + user, the user's model permissions (user, groups: cim_site.api.permissions),
# supervisor check, [agent: queue ids], the page with its joins, the page's tags.
@pytest.mark.parametrize(("who", "expected"), [("supervisor", 6), ("agent", 7)])
def test_ticket_list_runs_a_constant_number_of_queries(
    request, token_client, queue, agent, django_assert_num_queries, who, expected
):
    client = token_client(request.getfixturevalue(who))
    params = {"page_size": 100}

    _fill(queue, agent, 5)
    with django_assert_num_queries(expected):
        assert len(client.get(URL, params).json()["results"]) == 5

    _fill(queue, agent, 25)
    with django_assert_num_queries(expected):
        assert len(client.get(URL, params).json()["results"]) == 30


def test_filtered_and_ordered_ticket_list_stays_constant(
    token_client, supervisor, queue, agent, django_assert_num_queries
):
    client = token_client(supervisor)
    params = {"page_size": 100, "status": ["new"], "q": "Yêu", "ordering": "-priority"}
    _fill(queue, agent, 5)
    small, rows = _queries(client, URL, params)
    assert len(rows) == 5

    _fill(queue, agent, 25)
    with django_assert_num_queries(small):
        assert len(client.get(URL, params).json()["results"]) == 30


def test_message_thread_runs_a_constant_number_of_queries(
    token_client, agent, make_ticket, django_assert_num_queries
):
    ticket = make_ticket()
    client = token_client(agent)
    url = f"{URL}{ticket.pk}/messages/"
    one, rows = _queries(client, url)
    assert len(rows) == 1

    for n in range(10):
        services.reply(ticket=ticket, by=agent, body=f"reply {n}")
    with django_assert_num_queries(one):
        assert len(client.get(url).json()["results"]) == 11


@pytest.mark.parametrize(
    ("url", "make_row"),
    [
        ("/api/v1/customers/", lambda: CustomerFactory()),
        ("/api/v1/interactions/", None),
    ],
)
def test_other_lists_run_a_constant_number_of_queries(
    token_client, supervisor, customer, django_assert_num_queries, url, make_row
):
    from channels.models import Interaction
    from tests.factories import ChannelFactory

    channel = ChannelFactory(kind="email")

    def add(count):
        for _ in range(count):
            if make_row is not None:
                make_row()
            else:
                Interaction.objects.create(
                    customer=customer, channel=channel, ticket=TicketFactory(customer=customer)
                )

    client = token_client(supervisor)
    add(3)
    small, _rows = _queries(client, url)
    add(20)
    with django_assert_num_queries(small):
        client.get(url)
