"""schemathesis over the whole OpenAPI schema: every operation, a bounded number of generated
requests each (valid and schema-violating input), sent to the WSGI app as an authenticated
supervisor. Any 5xx fails. Runs in both CI legs (SQLite, then PostgreSQL); select it alone with
`pytest -m schemathesis`. The number of requests sent is printed at the end of the module."""

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
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

SENT = {"requests": 0, "operations": 0, "statuses": {}}


@pytest.fixture(scope="module", autouse=True)
def _report(request):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    line = (
        f"schemathesis: {SENT['requests']} requests over {SENT['operations']} operations, "
        f"statuses {dict(sorted(SENT['statuses'].items()))}"
    )
    if reporter:
        reporter.write_line(line)
    else:
        print(line)


@pytest.fixture
def token(supervisor, queue, customer, settings):
    settings.ALLOWED_HOSTS = ["*"]
    # A little data so detail routes with small ids find rows.
    TicketFactory.create_batch(2, customer=customer, queue=queue)
    CustomerFactory()
    return Token.objects.create(user=supervisor).key


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
    SENT["operations"] = len(list(schema.get_all_operations()))
    assert SENT["operations"] >= 50
