"""Enqueueing that never fails or blocks a request: the work is already a committed row, and a beat
sweep picks it up if the broker is unreachable."""

import logging
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)


def enqueue(task: Any, *args: Any) -> None:
    try:
        task.apply_async(args=args, retry=False)
    except Exception:  # noqa: BLE001 - any broker failure; the sweep covers it
        log.warning("Could not enqueue %s%r; the sweep will pick it up.", task.name, args)


def enqueue_on_commit(task: Any, *args: Any) -> None:
    transaction.on_commit(lambda: enqueue(task, *args))
