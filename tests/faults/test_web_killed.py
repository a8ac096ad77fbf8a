"""Real gunicorn workers SIGKILLed while clients create tickets with an Idempotency-Key: clients
retry what failed with the same key, and each key ends up as exactly one ticket.

Runs only with PostgreSQL and Redis (CI's second leg); bounded to 8 keys x 3 copies."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import AgentFactory, QueueFactory
from tests.feedback.smtp import free_port
from tickets.models import Ticket, TicketIdempotencyKey

pytestmark = [pytest.mark.worker, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
KEYS, COPIES = 8, 3


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)  # noqa: S603, S607
    return [int(p) for p in out.stdout.split()]


@pytest.fixture
def gunicorn(worker_env, tmp_path):
    port = free_port()
    args = [sys.executable, "-m", "gunicorn", "cim_site.wsgi", "-b", f"127.0.0.1:{port}"]
    args += ["-w", "2", "--timeout", "30", "--graceful-timeout", "2"]
    env = {**worker_env, "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=log)  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/", timeout=2)  # noqa: S310
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.2)
    yield proc, port
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_killed_web_workers_with_idempotency_keys_make_one_ticket_per_key(gunicorn):
    proc, port = gunicorn
    agent = AgentFactory(username="api-agent", queues=[QueueFactory(code="support")])
    token = Token.objects.create(user=agent).key
    url = f"http://127.0.0.1:{port}/api/v1/tickets/"
    answers: dict[str, set[int]] = {f"key-{k}": set() for k in range(KEYS)}
    lock = threading.Lock()

    def create(key: str) -> None:
        body = json.dumps(
            {"subject": f"Đơn {key}", "body": "b", "queue": "support", "email": "a@example.vn"}
        ).encode()
        for _ in range(20):  # a client retries what failed, with the same key
            request = urllib.request.Request(  # noqa: S310
                url,
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Token {token}",
                    "Idempotency-Key": key,
                    "Host": "127.0.0.1",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
                    ticket_id = json.loads(response.read())["id"]
                with lock:
                    answers[key].add(ticket_id)
                return
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.2)

    killed: list[int] = []

    def killer() -> None:
        for _ in range(3):
            time.sleep(0.3)
            for pid in _children(proc.pid)[:1]:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    threads = [
        threading.Thread(target=create, args=(f"key-{k}",))
        for k in range(KEYS)
        for _ in range(COPIES)
    ]
    threads.append(threading.Thread(target=killer))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(killed) == 3
    assert all(len(ids) == 1 for ids in answers.values()), answers  # every client got one id
    assert TicketIdempotencyKey.objects.count() == KEYS
    for key, ids in answers.items():
        assert list(Ticket.objects.filter(subject=f"Đơn {key}").values_list("pk", flat=True)) == [
            *ids
        ]
