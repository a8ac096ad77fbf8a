"""Every row with a due time is found by its sweep in every non-final state whose lease expired,
and retaken exactly once (DESIGN §5).

Audit of the other due rows: survey invitations (scheduled → sent), inbound rows (received →
processed/failed) and SLA checks change state inside one transaction under a row lock, so a
dead worker rolls back to the waiting state their sweeps already list; alerts wait on
emailed_at IS NULL. Only the outbox has a claimed state ("sending") outside a transaction."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from channels import services, tasks
from channels.models import OutboundMessage, OutboundStatus
from customers.models import ChannelKind
from tests.concurrency import in_threads, postgres_only

pytestmark = pytest.mark.django_db


def outbound(n=1, *, status=OutboundStatus.QUEUED, claimed_ago=None, **kwargs):
    now = timezone.now()
    rows = [
        OutboundMessage.objects.create(
            kind=ChannelKind.EMAIL,
            to_address=f"khach{i}@example.vn",
            subject=f"Phản hồi {i}",
            body="Xin chào",
            status=status,
            claimed_at=None if claimed_ago is None else now - claimed_ago,
            due_at=now - timedelta(minutes=30),
            **kwargs,
        )
        for i in range(n)
    ]
    return rows if n > 1 else rows[0]


def test_a_claim_whose_worker_died_is_listed_by_the_sweep_after_its_lease(settings):
    settings.CIM_OUTBOUND_LEASE_SECONDS = 600
    abandoned = outbound(status=OutboundStatus.SENDING, claimed_ago=timedelta(minutes=11))
    in_flight = outbound(status=OutboundStatus.SENDING, claimed_ago=timedelta(minutes=1))
    queued = outbound()

    assert set(services.due_outbound_ids()) == {abandoned.pk, queued.pk}
    assert tasks.deliver_due_outbound() == 2
    assert OutboundMessage.objects.get(pk=abandoned.pk).status == OutboundStatus.SENT
    # A live worker's claim is left alone.
    assert OutboundMessage.objects.get(pk=in_flight.pk).status == OutboundStatus.SENDING
    assert sorted(m.to[0] for m in mail.outbox) == sorted([abandoned.to_address, queued.to_address])
    # Nothing left: a second sweep sends nothing more.
    assert tasks.deliver_due_outbound() == 0
    assert len(mail.outbox) == 2


def test_the_lease_follows_the_setting(settings):
    settings.CIM_OUTBOUND_LEASE_SECONDS = 5
    row = outbound(status=OutboundStatus.SENDING, claimed_ago=timedelta(seconds=6))
    assert services.due_outbound_ids() == [row.pk]


def test_an_expired_claim_is_retaken_exactly_once():
    row = outbound(status=OutboundStatus.SENDING, claimed_ago=timedelta(hours=1))
    first = services._claim(row.pk)
    assert first is not None and first.status == OutboundStatus.SENDING
    assert services._claim(row.pk) is None  # the fresh claim holds


def test_a_final_row_is_never_retaken():
    sent = outbound(status=OutboundStatus.SENT, claimed_ago=timedelta(hours=1))
    failed = outbound(status=OutboundStatus.FAILED, claimed_ago=timedelta(hours=1))
    assert services.due_outbound_ids() == []
    assert services.deliver_outbound(outbound_id=sent.pk) == OutboundStatus.SENT
    assert services.deliver_outbound(outbound_id=failed.pk) == OutboundStatus.FAILED
    assert mail.outbox == []


def test_the_lease_sweep_has_an_index():
    names = {index.name for index in OutboundMessage._meta.indexes}
    assert {"outbound_status_due", "outbound_sending_lease"} <= names


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_retake_each_abandoned_claim_once():
    rows = outbound(20, status=OutboundStatus.SENDING, claimed_ago=timedelta(hours=1))
    rows += outbound(10)
    in_threads(4, lambda i: tasks.deliver_due_outbound())
    assert OutboundMessage.objects.filter(status=OutboundStatus.SENT).count() == 30
    addresses = [m.to[0] for m in mail.outbox]
    assert len(addresses) == 30
    assert len(set(addresses)) == 20  # 20 + 10 rows share addresses khach0..khach19
