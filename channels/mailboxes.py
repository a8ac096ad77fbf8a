"""Reading mailboxes: IMAP (imaplib) and local maildir folders. Each message is stored raw on its
own (deduplicated on Message-ID) and only then marked read / moved, so a crash in between means a
second delivery of the same message, which the intake drops."""

import contextlib
import imaplib
import logging
import mailbox
from pathlib import Path
from typing import Any

from django.conf import settings

from customers.models import ChannelKind

from .email_intake import receive_email
from .models import Channel

log = logging.getLogger(__name__)


def _too_large(raw: bytes) -> bool:
    return len(raw) > settings.CIM_EMAIL_MAX_BYTES


def import_maildir(*, channel: Channel, path: str | Path, limit: int = 500) -> int:
    """Stores the messages in the maildir's new/ folder and moves each to cur/ once stored.
    Returns how many were stored for the first time."""
    box = mailbox.Maildir(str(path), factory=None, create=False)
    stored = 0
    for key in list(box.iterkeys())[:limit]:
        message = box.get_message(key)
        if message.get_subdir() != "new":
            continue
        raw = box.get_bytes(key)
        if _too_large(raw):
            log.warning("Maildir %s: message %s too large, left in new/", path, key)
            continue
        _inbound, created = receive_email(channel=channel, raw=raw, source="maildir")
        stored += int(created)
        message.set_subdir("cur")
        message.add_flag("S")
        box[key] = message
    return stored


def _imap_connect(config: dict[str, Any]) -> imaplib.IMAP4:
    host = str(config["imap_host"])
    port = int(config.get("imap_port") or (993 if config.get("imap_ssl", True) else 143))
    timeout = float(config.get("imap_timeout") or 30)
    if config.get("imap_ssl", True):
        return imaplib.IMAP4_SSL(host, port, timeout=timeout)
    conn = imaplib.IMAP4(host, port, timeout=timeout)
    if config.get("imap_starttls"):
        conn.starttls()
    return conn


def poll_imap(*, channel: Channel, limit: int = 200) -> int:
    """Fetches unseen messages by UID, stores each, then flags it \\Seen. One bad message is
    stored as failed by the worker later; it does not stop the rest."""
    config = channel.config
    conn = _imap_connect(config)
    stored = 0
    try:
        conn.login(str(config["imap_user"]), str(config["imap_password"]))
        status, _data = conn.select(str(config.get("imap_folder") or "INBOX"))
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot select folder: {_data!r}")
        status, data = conn.uid("SEARCH", None, "UNSEEN")  # type: ignore[arg-type]
        uids = (data[0] or b"").split()[:limit] if status == "OK" else []
        for uid in uids:
            status, parts = conn.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
            raw = next(
                (p[1] for p in parts if isinstance(p, tuple) and isinstance(p[1], bytes)), None
            )
            if status != "OK" or raw is None:
                log.warning("IMAP %s: could not fetch UID %s", channel.code, uid)
                continue
            if not _too_large(raw):
                _inbound, created = receive_email(channel=channel, raw=raw, source="imap")
                stored += int(created)
            conn.uid("STORE", uid.decode(), "+FLAGS", "(\\Seen)")
    finally:
        # The connection is going away anyway; a failed LOGOUT changes nothing.
        with contextlib.suppress(Exception):
            conn.logout()
    return stored


def poll_all() -> dict[str, Any]:
    """Every active email channel with an IMAP server or a maildir in its settings."""
    results: dict[str, Any] = {}
    for channel in Channel.objects.filter(kind=ChannelKind.EMAIL, is_active=True):
        try:
            if channel.config.get("imap_host"):
                results[channel.code] = poll_imap(channel=channel)
            elif channel.config.get("maildir"):
                results[channel.code] = import_maildir(
                    channel=channel, path=channel.config["maildir"]
                )
        except Exception as exc:  # noqa: BLE001 - one broken mailbox must not stop the others
            log.warning("Polling mailbox %s failed: %s", channel.code, exc)
            results[channel.code] = f"error: {exc}"
    return results
