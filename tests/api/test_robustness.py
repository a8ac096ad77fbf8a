"""Malformed input is a 4xx with the API's error shape, never a 500."""

import pytest
from django.test import override_settings

from tickets.models import Ticket

URL = "/api/v1/tickets/"


@pytest.fixture
def client(api, supervisor, queue, customer):
    return api(supervisor)


def _assert_error_shape(response, status):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    return body


def test_malformed_json_is_a_400(client):
    response = client.post(URL, data='{"subject": "x", ', content_type="application/json")

    assert _assert_error_shape(response, 400)["code"] == "parse_error"


def test_json_that_is_not_an_object_is_a_400(client):
    response = client.post(URL, data="[1, 2, 3]", content_type="application/json")

    _assert_error_shape(response, 400)


def test_unsupported_content_type_is_a_415(client):
    response = client.post(URL, data="subject: x", content_type="text/plain")

    _assert_error_shape(response, 415)


@pytest.mark.parametrize(
    "payload",
    [
        {"customer": "abc", "subject": "x", "body": "y", "queue": "support"},
        {"customer": True, "subject": "x", "body": "y", "queue": "support"},
        {"customer": 10**30, "subject": "x", "body": "y", "queue": "support"},
        {"customer": {"id": 1}, "subject": "x", "body": "y", "queue": "support"},
        {"email": ["a@b.vn"], "subject": "x", "body": "y", "queue": "support"},
        {"email": "a@b.vn", "subject": None, "body": "y", "queue": "support"},
        {"email": "a@b.vn", "subject": "x", "body": {"text": "y"}, "queue": "support"},
        {"email": "a@b.vn", "subject": "x", "body": "y", "queue": 10**30},
        {"email": "a@b.vn", "subject": "x", "body": "y", "queue": ["support"]},
        {"email": "a@b.vn", "subject": "x", "body": "y", "queue": True},
        {"email": "a@b.vn", "subject": "x", "body": "y", "queue": "support", "tags": "vip"},
        {"email": "a@b.vn", "subject": "x", "body": "y", "queue": "support", "priority": "high"},
        {"email": "a@b.vn", "subject": "x", "body": "y", "queue": "support", "reason": 10**30},
        {"email": "a@b.vn", "subject": "x\x00y", "body": "y", "queue": "support"},
        {"email": "a@b.vn", "subject": "x" * 300, "body": "y", "queue": "support"},
        {"email": "a@b.vn", "subject": "x", "body": "y" * 30_000, "queue": "support"},
        {"email": "a@" + "b" * 300 + ".vn", "subject": "x", "body": "y", "queue": "support"},
    ],
)
def test_wrong_types_and_sizes_are_a_400(client, payload):
    response = client.post(URL, payload, format="json")

    _assert_error_shape(response, 400)
    assert Ticket.objects.count() == 0


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_body_larger_than_the_upload_limit_is_a_413(client):
    payload = '{"subject": "x", "body": "' + "y" * 20_000 + '", "queue": "support"}'

    response = client.post(URL, data=payload, content_type="application/json")

    assert _assert_error_shape(response, 413)["code"] == "request_too_large"
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    "params",
    [
        {"status": "deleted"},
        {"priority": "urgent"},
        {"customer": "abc"},
        {"reason": "abc"},
        {"channel": "fax"},
        {"created_before": "2024-13-45"},
    ],
)
def test_invalid_filter_values_are_a_400(client, params):
    _assert_error_shape(client.get(URL, params), 400)


@pytest.mark.parametrize(
    "params",
    [{"customer": 10**30}, {"reason": 10**30}, {"queue": 10**30}, {"assignee": 10**30}],
)
def test_out_of_range_ids_in_filters_are_not_a_500(client, params):
    response = client.get(URL, params)

    assert response.status_code in (200, 400)


@pytest.mark.parametrize("path", [f"{URL}abc/", f"{URL}{10**30}/", f"{URL}-1/solve/"])
def test_bad_ids_in_the_path_are_a_404(client, path):
    response = client.get(path) if "solve" not in path else client.post(path, {}, format="json")

    _assert_error_shape(response, 404)


def test_unknown_action_status_value_types(client, make_ticket):
    ticket = make_ticket()

    response = client.post(f"{URL}{ticket.pk}/status/", {"status": ["open"]}, format="json")

    _assert_error_shape(response, 400)
