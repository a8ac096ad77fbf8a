"""Hostile JSON on API endpoints: every class of input the issue names is a 400 (413 for size) in
the API's error shape, in the requester's language — never a RecursionError, OverflowError,
DataError or UnicodeEncodeError."""

import pytest

from cim_site.api import sanitise
from tests.robustness.conftest import assert_error_shape

pytestmark = pytest.mark.django_db

# Endpoints that take JSON bodies, of several apps (POST creates, PATCH updates).
ENDPOINTS = [
    ("post", "/api/v1/tickets/"),
    ("post", "/api/v1/customers/"),
    ("post", "/api/v1/macros/"),
    ("post", "/api/v1/sla-calendars/"),
    ("post", "/api/v1/kb-articles/"),
    ("post", "/api/v1/surveys/campaigns/"),
    ("post", "/api/v1/qa/scorecards/"),
]


def _send(client, method, url, raw, **extra):
    return getattr(client, method)(url, data=raw, content_type="application/json", **extra)


DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 5_000 + "1" + "}" * 5_000


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
@pytest.mark.parametrize(
    ("raw", "status", "field"),
    [
        (DEEP, 400, None),
        (DEEP_OBJECT, 400, None),
        ('{"subject": 1e400}', 400, None),
        ('{"customer": 1e400}', 400, None),
        ('{"customer": -1e400}', 400, None),
        ('{"customer": 99999999999999999999999}', 400, None),
        ('{"customer": 9223372036854775808}', 400, None),
        ('{"customer": ' + "9" * 5000 + "}", 400, None),
        ('{"customer": NaN}', 400, None),
        ('{"customer": Infinity}', 400, None),
        ('{"subject": "a\\u0000b"}', 400, "subject"),
        ('{"subject": "a\\ud800b"}', 400, "subject"),
        ('{"attributes": {"x": ["ok", "\\udfff"]}}', 400, "attributes.x.1"),
        ('{"attributes": {"k\\u0000": 1}}', 400, "attributes"),
        ('{"k\\ud800": 1}', 400, "non_field_errors"),
        (b'{"subject": "\xff\xfe"}', 400, None),
    ],
)
def test_hostile_json_is_a_400_with_the_error_shape(sup_client, method, url, raw, status, field):
    body = assert_error_shape(_send(sup_client, method, url, raw), status)
    if field:
        assert body["code"] == "invalid"
        assert field in body["fields"], body
    else:
        assert body["code"] in {"parse_error", "invalid"}


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_a_body_over_the_limit_is_a_413(sup_client, settings, method, url):
    settings.CIM_API_MAX_JSON_BYTES = 1000
    response = _send(sup_client, method, url, '{"subject": "' + "x" * 2000 + '"}')
    assert assert_error_shape(response, 413)["code"] == "request_too_large"


def test_patch_on_an_existing_row_is_refused_too(sup_client, customer):
    url = f"/api/v1/customers/{customer.pk}/"
    assert_error_shape(_send(sup_client, "patch", url, '{"name": "L\\u0000n"}'), 400)
    assert_error_shape(_send(sup_client, "patch", url, DEEP), 400)
    customer.refresh_from_db()
    assert "\x00" not in customer.name


def test_errors_are_in_the_requesters_language(sup_client):
    vi = _send(sup_client, "post", "/api/v1/customers/", DEEP, HTTP_ACCEPT_LANGUAGE="vi")
    en = _send(sup_client, "post", "/api/v1/customers/", DEEP, HTTP_ACCEPT_LANGUAGE="en")
    assert vi.json()["message"] != en.json()["message"]
    assert "32" in en.json()["message"]
    nul_vi = _send(
        sup_client, "post", "/api/v1/customers/", '{"name": "\\u0000"}', HTTP_ACCEPT_LANGUAGE="vi"
    )
    assert "null" not in nul_vi.json()["fields"]["name"][0].lower()


def test_ordinary_json_still_parses(sup_client):
    response = _send(
        sup_client,
        "post",
        "/api/v1/customers/",
        '{"name": "Nguyễn Thị Lan 😀", "email": "lan2@example.vn",'
        ' "attributes": {"a": [1, 2.5, null, true]}}',
    )
    assert response.status_code == 201, response.content


def test_depth_limit_is_exact():
    sanitise.loads("[" * 32 + "]" * 32)
    with pytest.raises(sanitise.BadInput):
        sanitise.loads("[" * 33 + "]" * 33)
    # Brackets inside strings are text, not nesting.
    assert sanitise.loads('["' + "[" * 1000 + '"]') == ["[" * 1000]


def test_sixty_four_bit_edges():
    assert sanitise.loads(str(2**63 - 1)) == 2**63 - 1
    assert sanitise.loads(str(-(2**63) + 1)) == -(2**63) + 1
    with pytest.raises(sanitise.BadInput):
        sanitise.loads(str(2**63))
    assert sanitise.loads("1e300") == 1e300


@pytest.mark.parametrize("field", ["queue", "subject", "customer", "email"])
def test_form_encoded_nul_is_a_400_before_any_lookup(sup_client, field):
    # Form bodies bypass the JSON parser; every serializer field refuses NUL before it queries
    # (a DataError on PostgreSQL for the queue/customer lookups otherwise).
    data = {"subject": "x", "body": "y", "queue": "support", "email": "a@b.vn", field: "s\x00"}
    response = sup_client.post("/api/v1/tickets/", data=data, format="multipart")
    assert field in assert_error_shape(response, 400)["fields"]
