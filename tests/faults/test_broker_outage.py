"""The broker refuses or hangs: the contact form and the API still answer quickly with the row
committed, and the beat sweeps deliver and route later (DESIGN §5: no request waits on the
broker). The real publishing path is used, pointed at a closed port or a silent server."""

import time

import pytest
from django.core import mail
from django.urls import reverse

from channels import tasks as channel_tasks
from channels.models import OutboundMessage, OutboundStatus
from cim_site.celery import app
from customers.models import ChannelKind
from tests.factories import ChannelFactory
from tickets import queueing, routing
from tickets.models import Presence, Ticket

from .servers import closed_port, hanging_server

pytestmark = pytest.mark.django_db

# The broker's socket timeout is 2 s; a request pays it at most once, then the breaker skips.
FIRST = 4.0
AFTER = 1.5


def _point_broker_at(url):
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(params=["refused", "hanging"])
def broker_down(request, settings):
    settings.CIM_PUBLIC_POST_RATE = "100/m"
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    transport = dict(app.conf.broker_transport_options or {})
    # The settings' Redis options (short timeouts, no retries), as production has them.
    app.conf.broker_transport_options = {
        "socket_connect_timeout": 1,
        "socket_timeout": 2,
        "max_retries": 0,
    }
    app.conf.task_always_eager = False
    queueing.reset_breaker()
    try:
        if request.param == "refused":
            _point_broker_at(f"redis://127.0.0.1:{closed_port()}/0")
            yield
        else:
            with hanging_server() as port:
                _point_broker_at(f"redis://127.0.0.1:{port}/0")
                yield
    finally:
        app.conf.task_always_eager = saved[1]
        app.conf.broker_transport_options = transport
        _point_broker_at(saved[0])
        queueing.reset_breaker()


def _post_contact(client, i, capture):
    data = {"name": "Hà", "email": f"ha{i}@example.vn", "subject": f"Hỏi {i}", "message": "Chào"}
    started = time.monotonic()
    # The request's after-commit publishing runs inside it, as it does outside a test.
    with capture(execute=True) as callbacks:
        response = client.post(reverse("channels:contact"), data)
    assert callbacks, "nothing was published: the broker was not exercised"
    return response, time.monotonic() - started


def test_requests_succeed_while_the_broker_is_down_and_the_sweeps_catch_up(
    broker_down, client, queue, agent, api, django_capture_on_commit_callbacks, caplog
):
    ChannelFactory(kind=ChannelKind.WEB_FORM, default_queue=queue)
    profile = agent.agent_profile
    profile.presence = Presence.ONLINE
    profile.languages = ["vi", "en"]
    profile.save()

    response, elapsed = _post_contact(client, 0, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert elapsed < FIRST
    for i in range(1, 3):  # the breaker: later requests do not wait on the broker at all
        response, elapsed = _post_contact(client, i, django_capture_on_commit_callbacks)
        assert response.status_code == 302
        assert elapsed < AFTER
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        created = api(agent).post(
            "/api/v1/tickets/",
            {"subject": "Qua API", "body": "b", "queue": queue.code, "email": "api@example.vn"},
            format="json",
        )
    assert created.status_code == 201
    assert time.monotonic() - started < AFTER

    assert "Could not enqueue" in caplog.text  # the real publishing path failed...
    assert "left for the sweep" in caplog.text  # ...once, then the breaker skipped it
    tickets = Ticket.objects.filter(subject__startswith="Hỏi")
    assert tickets.count() == 3
    assert OutboundMessage.objects.filter(status=OutboundStatus.QUEUED).count() == 3
    assert mail.outbox == []
    assert not Ticket.objects.filter(assignee__isnull=False).exists()

    # The broker is back; the beat sweeps (run here as the worker would) make up for it.
    assert channel_tasks.deliver_due_outbound() == 3
    assert len(mail.outbox) == 3
    assert routing.sweep() == 4
    assert Ticket.objects.filter(assignee=agent).count() == 4
