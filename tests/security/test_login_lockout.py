"""django-axes locks a username from one address out of the admin login and the API token
endpoint after AXES_FAILURE_LIMIT failures, with a page (or JSON) in the visitor's language."""

import logging

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.utils import translation
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIMIT = 3


@pytest.fixture(autouse=True)
def axes_on():
    with override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=LIMIT):
        yield
    AccessAttempt.objects.all().delete()


@pytest.fixture
def staff():
    user = UserFactory(username="nam", is_staff=True)
    user.set_password("right-horse-battery")
    user.save()
    return user


def _admin_login(client, password, lang="en"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "nam", "password": password},
        HTTP_ACCEPT_LANGUAGE=lang,
    )


def test_admin_login_locks_out_after_the_limit_and_logs(client, staff, caplog):
    for _ in range(LIMIT - 1):
        assert _admin_login(client, "wrong").status_code == 200  # the form again
    with caplog.at_level(logging.WARNING):
        locked = _admin_login(client, "wrong")
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert "locked out" in caplog.text
    # Even the right password is refused while locked out.
    assert _admin_login(client, "right-horse-battery").status_code == 429
    assert AccessAttempt.objects.filter(username="nam").exists()


def test_lockout_page_in_vietnamese(client, staff):
    for _ in range(LIMIT):
        response = _admin_login(client, "wrong", lang="vi")
    with translation.override("vi"):
        expected = translation.gettext("Sign-in locked")
    assert expected != "Sign-in locked"
    assert expected in response.content.decode()


def test_other_username_from_same_address_is_not_locked(client, staff):
    for _ in range(LIMIT):
        _admin_login(client, "wrong")
    other = UserFactory(username="lan", is_staff=True)
    other.set_password("another-fine-pass")
    other.save()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "lan", "password": "another-fine-pass"}
    )
    assert response.status_code == 302


def test_success_before_the_limit_resets(client, staff):
    for _ in range(LIMIT - 1):
        _admin_login(client, "wrong")
    assert _admin_login(client, "right-horse-battery").status_code == 302
    client.logout()
    for _ in range(LIMIT - 1):
        assert _admin_login(client, "wrong").status_code == 200


def test_token_endpoint_gives_a_token_then_locks_out(staff):
    api = APIClient()
    ok = api.post("/api/v1/auth/token/", {"username": "nam", "password": "right-horse-battery"})
    assert ok.status_code == 200 and ok.json()["token"]
    for _ in range(LIMIT - 1):
        bad = api.post("/api/v1/auth/token/", {"username": "nam", "password": "x"})
        assert bad.status_code == 400
    locked = api.post("/api/v1/auth/token/", {"username": "nam", "password": "x"})
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    again = api.post("/api/v1/auth/token/", {"username": "nam", "password": "right-horse-battery"})
    assert again.status_code == 429
    assert "token" not in again.json()
