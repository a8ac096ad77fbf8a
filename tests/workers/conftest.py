"""A real Celery worker (with embedded beat) on real Redis and PostgreSQL, in a subprocess that
uses the test database. Skipped, with the reason, when REDIS_URL or PostgreSQL is not set."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
# A Redis database of its own so a test run never eats another run's messages.
TEST_REDIS_DB = 13


def _redis_url() -> str:
    base = settings.REDIS_URL.rsplit("/", 1)[0]
    return f"{base}/{TEST_REDIS_DB}"


def _database_url() -> str:
    db = connection.settings_dict
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker_env(transactional_db):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL (the CI run with services sets it)")
    if connection.vendor != "postgresql":
        pytest.skip(
            "a worker process cannot see the in-memory SQLite test database; set DATABASE_URL"
        )
    import redis

    redis.Redis.from_url(_redis_url()).flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cim_site.settings.dev",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": _redis_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CIM_SWEEP_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    return env


@pytest.fixture
def start_worker(worker_env, tmp_path):
    processes = []

    def start(*, beat: bool = True) -> subprocess.Popen:
        args = [sys.executable, "-m", "celery", "-A", "cim_site", "worker", "--pool", "solo"]
        args += ["--loglevel", "INFO", "--without-gossip", "--without-mingle"]
        if beat:
            args += ["--beat", "--schedule", str(tmp_path / f"beat-{len(processes)}")]
        log = open(tmp_path / f"worker-{len(processes)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(args, cwd=ROOT, env=worker_env, stdout=log, stderr=log)  # noqa: S603
        processes.append(proc)
        return proc

    yield start
    for proc in processes:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_for(predicate, *, timeout: float = 60, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not reached within {timeout} s")
