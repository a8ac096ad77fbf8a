import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

ENDPOINTS = [
    "/api/v1/tickets/",
    "/api/v1/customers/",
    "/api/v1/organizations/",
    "/api/v1/queues/",
    "/api/v1/reasons/",
    "/api/v1/channels/",
    "/api/v1/interactions/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_request_is_401_with_the_error_shape(url):
    response = APIClient().get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"
    assert set(response.json()) == {"code", "message", "fields"}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ENDPOINTS)
def test_authenticated_non_staff_user_is_403(api, url):
    customer_account = UserFactory(username="shopper", is_staff=False)

    response = api(customer_account).get(url)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.django_db
def test_inactive_staff_token_is_refused():
    user = UserFactory(username="gone", is_active=False)
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert client.get("/api/v1/tickets/").status_code == 401


def test_staff_token_authenticates_an_integration(supervisor):
    token = Token.objects.create(user=supervisor)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert client.get("/api/v1/tickets/").status_code == 200


@pytest.mark.django_db
def test_wrong_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert client.get("/api/v1/tickets/").status_code == 401


def test_staff_session_works_for_reads_and_needs_csrf_for_writes(supervisor, queue, customer):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="supervisor", password="pw")

    assert client.get("/api/v1/tickets/").status_code == 200
    # A logged-in browser must not be usable by another site to open tickets.
    response = client.post(
        "/api/v1/tickets/",
        {"customer": customer.pk, "subject": "x", "body": "y", "queue": "support"},
        format="json",
    )
    assert response.status_code == 403
