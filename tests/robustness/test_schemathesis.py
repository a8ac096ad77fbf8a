"""schemathesis over the whole OpenAPI schema: every operation, a bounded number of generated
requests each (valid and schema-violating input), sent to the WSGI app as an authenticated
supervisor. Any 5xx fails. Runs in both CI legs (SQLite, then PostgreSQL); select it alone with
`pytest -m schemathesis`. The number of requests sent is printed in pytest's summary
(tests/robustness/conftest.py)."""

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

from tests.factories import CustomerFactory, TicketFactory

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]

MAX_EXAMPLES = 5


def _raw_schema() -> dict:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


schema = schemathesis.openapi.from_dict(_raw_schema())
schema.app = WSGIHandler()

SENT = {"requests": 0, "operations": len(list(schema.get_all_operations())), "statuses": {}}


@pytest.fixture
def token(supervisor, queue, customer, settings):
    settings.ALLOWED_HOSTS = ["*"]
    # A little data so detail routes with small ids find rows.
    TicketFactory.create_batch(2, customer=customer, queue=queue)
    CustomerFactory()
    # As Django's test Client does: the raw WSGI handler would close the test's connection (and
    # its transaction) at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield Token.objects.create(user=supervisor).key
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_5xx(case, token):
    response = case.call(headers={"Authorization": f"Token {token}"})
    SENT["requests"] += 1
    SENT["statuses"][response.status_code] = SENT["statuses"].get(response.status_code, 0) + 1
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} → {response.status_code}\n"
        f"query={case.query!r} body={case.body!r}\n{response.text[:500]}"
    )


def test_operations_counted():
    assert SENT["operations"] >= 50
