import pytest
from django.core import mail

from channels import tasks
from channels.models import OutboundMessage, OutboundStatus
from channels.services import submit_web_form
from cim_site.celery import app
from customers.models import ChannelKind
from tests.factories import ChannelFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down():
    """The Celery app pointed at a port where no broker listens, not eager."""
    saved = {
        k: app.conf[k] for k in ("task_always_eager", "broker_url", "broker_transport_options")
    }
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    app.conf.broker_transport_options = {"socket_connect_timeout": 1, "max_retries": 0}
    app.pool.force_close_all()
    yield
    app.conf.update(saved)
    app.pool.force_close_all()


def test_contact_form_succeeds_while_the_broker_is_down_and_the_sweep_sends_later(
    queue, broker_down, django_capture_on_commit_callbacks
):
    ChannelFactory(kind=ChannelKind.WEB_FORM, default_queue=queue)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = submit_web_form(
            name="Hà", email="ha@example.vn", subject="Hỏi", body="Xin chào", language="vi"
        )
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    outbound = OutboundMessage.objects.get(ticket=ticket)
    assert outbound.status == OutboundStatus.QUEUED
    assert mail.outbox == []
    # The beat sweep (run here directly, as the worker would) delivers what was left behind.
    assert tasks.deliver_due_outbound() == 1
    assert OutboundMessage.objects.get(pk=outbound.pk).status == OutboundStatus.SENT
    assert len(mail.outbox) == 1
