"""Enqueueing that never fails or blocks a request: the work is already a committed row, and a beat
sweep picks it up if the broker is unreachable.

A broker that refuses costs one connect timeout; one that hangs costs one socket timeout. After
either, publishing is skipped for a few seconds (a breaker), so a request that enqueues several
tasks, and the requests behind it, do not each wait again: the sweep sends what was skipped."""

import logging
import threading
import time
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)

# How long publishing is skipped after the broker failed, in seconds.
BREAKER_SECONDS = 10.0
_down_until = 0.0
_lock = threading.Lock()


def _trip() -> None:
    global _down_until
    with _lock:
        _down_until = time.monotonic() + BREAKER_SECONDS


def reset_breaker() -> None:
    global _down_until
    with _lock:
        _down_until = 0.0


def enqueue(task: Any, *args: Any) -> None:
    eager = bool(getattr(task.app.conf, "task_always_eager", False))
    if not eager and time.monotonic() < _down_until:
        log.info("Broker down; %s%r left for the sweep.", task.name, args)
        return
    try:
        task.apply_async(args=args, retry=False)
    except Exception:  # noqa: BLE001 - any broker failure; the sweep covers it
        log.warning("Could not enqueue %s%r; the sweep will pick it up.", task.name, args)
        if not eager:  # an eager task's own error says nothing about the broker
            _trip()


def enqueue_on_commit(task: Any, *args: Any) -> None:
    transaction.on_commit(lambda: enqueue(task, *args))
