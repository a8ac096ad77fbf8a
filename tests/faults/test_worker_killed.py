"""A real Celery worker SIGKILLed in the middle of a burst of outbound mail: after a restart
every message reaches the SMTP server, none is left "sending", and none is sent twice except the
one the kill caught inside its SMTP conversation (the server got it, the row never heard back);
that one carries the same Message-ID both times, so the customer's mail client shows it once.

Runs only with PostgreSQL and Redis (CI's second leg); bounded to 40 messages."""

import asyncio
import signal
from collections import Counter
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from channels.models import OutboundMessage, OutboundStatus
from customers.models import ChannelKind
from tests.feedback.smtp import Inbox, free_port
from tests.workers.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.postgres]

BURST = 40


class SlowInbox(Inbox):
    """Takes a moment per message, so a kill lands in the middle of the burst."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp():
    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def _burst() -> list[OutboundMessage]:
    # Rows as the web request leaves them when its enqueue was lost: the beat sweep sends them.
    due = timezone.now() - timedelta(seconds=1)
    return [
        OutboundMessage.objects.create(
            kind=ChannelKind.EMAIL,
            to_address=f"khach{i}@example.vn",
            subject=f"Trả lời {i}",
            body="Cảm ơn anh/chị.",
            headers={"Message-ID": f"<burst-{i}@cim.test>"},
            email_message_id=f"<burst-{i}@cim.test>",
            due_at=due,
        )
        for i in range(BURST)
    ]


def test_every_message_is_sent_once_after_the_worker_is_killed_mid_burst(
    start_worker, worker_env, smtp
):
    controller, inbox = smtp
    worker_env.update(
        {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(controller.port),
            # A claim abandoned by the killed worker is retaken quickly in this test.
            "CIM_OUTBOUND_LEASE_SECONDS": "3",
        }
    )
    rows = _burst()

    first = start_worker(beat=True)
    wait_for(lambda: len(inbox.messages) >= BURST // 4, timeout=60, every=0.01)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    received_before = len(inbox.messages)
    assert received_before < BURST, "the kill came too late to test anything"
    # Usually one row is caught in "sending": only its lease brings it back.
    claimed = OutboundMessage.objects.filter(status=OutboundStatus.SENDING).count()
    assert claimed <= 1

    start_worker(beat=True)
    wait_for(
        lambda: OutboundMessage.objects.filter(status=OutboundStatus.SENT).count() == BURST,
        timeout=90,
    )
    assert not OutboundMessage.objects.exclude(status=OutboundStatus.SENT).exists()
    ids = Counter(m["Message-ID"] for m in inbox.messages)
    assert set(ids) == {row.email_message_id for row in rows}  # nothing lost
    doubled = {mid: n for mid, n in ids.items() if n > 1}
    # At most the one message in flight when the kill struck (solo pool: one at a time).
    assert len(doubled) <= 1 and all(n == 2 for n in doubled.values()), doubled
