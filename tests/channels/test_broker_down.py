import pytest
from django.core import mail
from kombu.exceptions import OperationalError

from channels import tasks
from channels.models import OutboundMessage, OutboundStatus
from channels.services import submit_web_form
from customers.models import ChannelKind
from tests.factories import ChannelFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    """Publishing fails the way kombu fails when Redis is unreachable. (The real client gives up
    within the 1 s connect timeout set in settings; the global app is left untouched here so
    later tests keep their broker.)"""

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_outbound_task, "apply_async", refuse)


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
