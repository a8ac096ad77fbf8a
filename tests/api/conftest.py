import pytest
from rest_framework.test import APIClient

from tests.factories import ReasonFactory
from tickets import services
from tickets.models import Ticket


@pytest.fixture
def api():
    """api(user) → an APIClient logged in as that user (None: anonymous)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def reason(db):
    return ReasonFactory(code="late-delivery", name_vi="Giao hàng trễ", name_en="Late delivery")


@pytest.fixture
def make_ticket(customer, queue):
    """Opens a ticket through the service, as every surface does."""

    def make(**kwargs) -> Ticket:
        values = {
            "customer": customer,
            "subject": "Đơn hàng chưa tới",
            "body": "Tôi chưa nhận được hàng.",
            "queue": queue,
            "channel": "email",
        }
        values.update(kwargs)
        return services.create_ticket(**values)

    return make
