"""Guessing survey and status links: past CIM_LINK_GUESS_RATE unknown links from one address,
every link page answers 429 before the token is looked up (so a right guess is not confirmed
either), and the POST limits come before the lookup too. Links that open something never count."""

import pytest

from tests.factories import CustomerFactory, TicketFactory
from tickets.links import make_status_token

pytestmark = pytest.mark.django_db

BAD = "A" * 43  # the shape of a survey token, opening nothing


@pytest.fixture
def ticket(queue):
    return TicketFactory(customer=CustomerFactory(email="hoa@example.vn"), queue=queue)


@pytest.fixture
def few(settings):
    settings.CIM_LINK_GUESS_RATE = "3/m"


GUESS_URLS = [
    f"/survey/{BAD}/",
    f"/survey/{BAD}/opt-out/",
    "/help/tickets/status/nope:1:2/",
]


def _urls(ticket):
    token = make_status_token(ticket)
    return f"/help/tickets/status/{token}/"


@pytest.mark.parametrize("guess", GUESS_URLS)
def test_guesses_meet_the_limit_before_the_404(client, few, ticket, guess):
    from django.urls import resolve

    resolve(guess)  # the URL shapes are right
    for _ in range(3):
        assert client.get(guess).status_code == 404
    assert client.get(guess).status_code == 429
    assert client.post(guess, {"score": "5"}).status_code == 429
    # And the real link gets no answer either while the address is over the limit: a lucky
    # guess after the limit is not confirmed.
    assert client.get(_urls(ticket)).status_code == 429
    # Another address is not held back.
    assert client.get(_urls(ticket), REMOTE_ADDR="10.1.2.3").status_code == 200


def test_working_links_never_count(client, few, ticket):
    for _ in range(10):
        assert client.get(_urls(ticket)).status_code == 200


def test_post_limit_comes_before_the_lookup(client, settings, ticket):
    settings.CIM_PUBLIC_POST_RATE = "1/m"
    settings.CIM_SURVEY_POST_RATE = "1/m"
    client.post(f"/survey/{BAD}/", {"score": "5"})
    # Over the POST limit: a guess is refused before it is looked up (429, not 404).
    assert client.post(f"/survey/{BAD}/", {"score": "5"}).status_code == 429
    client.post("/help/tickets/status/nope/", {"body": "hi"})
    assert client.post("/help/tickets/status/nope/", {"body": "hi"}).status_code == 429
