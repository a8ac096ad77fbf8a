"""IMAP polling against a local stub server: unseen mail is stored once and flagged seen; a bad
message is stored (and fails later in the worker) without stopping the rest."""

import pytest

from channels.mailboxes import poll_all, poll_imap
from channels.models import InboundMessage, InboundStatus
from tests.channels.conftest import eml, process_waiting
from tests.channels.imap_stub import ImapStub, Mailbox
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _configure(channel, port, password="pw"):  # noqa: S107 - a test mailbox
    channel.config.update(
        imap_host="127.0.0.1",
        imap_port=port,
        imap_ssl=False,
        imap_user="support",
        imap_password=password,
        imap_folder="INBOX",
    )
    channel.save()


def test_unseen_mail_is_stored_once_and_flagged_seen(email_channel):
    box = Mailbox(
        "support",
        "pw",
        [eml("plain_utf8_qp.eml"), eml("unknown_charset.eml"), eml("multipart_alternative.eml")],
    )
    with ImapStub(box) as server:
        _configure(email_channel, server.port)
        assert poll_imap(channel=email_channel) == 3
        assert box.seen == {1, 2, 3}
        assert poll_imap(channel=email_channel) == 0  # nothing unseen any more
    assert InboundMessage.objects.count() == 3
    assert sorted(process_waiting()) == ["failed", "processed", "processed"]
    assert Ticket.objects.count() == 2


def test_a_mailbox_that_refuses_the_login_does_not_stop_the_others(email_channel):
    box = Mailbox("support", "right", [eml("plain_utf8_qp.eml")])
    with ImapStub(box) as server:
        _configure(email_channel, server.port, password="wrong")
        results = poll_all()
    assert results[email_channel.code].startswith("error")
    assert not InboundMessage.objects.filter(status=InboundStatus.RECEIVED).exists()
