import pytest
from rest_framework.test import APIClient

from tests.channels.conftest import (  # noqa: F401 (the channel fixtures, shared)
    _fresh_rate_limits,
    facebook_channel,
    phone_channel,
    zalo_channel,
)


@pytest.fixture
def sup_client(supervisor, queue, customer):
    client = APIClient()
    client.force_authenticate(supervisor)
    return client


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    return body


def pytest_terminal_summary(terminalreporter) -> None:
    """How many requests the schemathesis run sent (only when it ran)."""
    import sys

    module = sys.modules.get("tests.robustness.test_schemathesis")
    if module is None or not module.SENT["requests"]:
        return
    sent = module.SENT
    terminalreporter.write_line(
        f"schemathesis: {sent['requests']} requests over {sent['operations']} operations, "
        f"statuses {dict(sorted(sent['statuses'].items()))}"
    )
