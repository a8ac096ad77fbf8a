"""Nothing assumes one process: two gunicorn nodes, two Celery workers and one beat against one
PostgreSQL database and one Redis database (both of their own), attachments on an S3-compatible
server (moto_server). A client alternating between the nodes logs in, creates tickets (a retry
with the same Idempotency-Key on the other node does not duplicate), uploads an attachment
through one node and downloads it through the other, and is rate limited across both; then the
counts are checked: every ticket exactly once, every task executed exactly once.

Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL); skipped without them. Bounded: every
wait has a deadline and every process is killed at the end, pass or fail."""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.worker]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_DB = 10  # a Redis database of its own
TICKETS = 6
API_RATE = 20  # requests per minute for the rate-limit user, counted across both nodes
PASSWORD = "multi-node-Pw-" + secrets.token_hex(4)
DEADLINE = 150  # seconds for the whole scenario


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, deadline: float, procs: list) -> None:
    import httpx

    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise AssertionError(f"{proc.args[:3]} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer in time")


@pytest.fixture
def cluster(tmp_path):
    base_db = os.environ.get("DATABASE_URL", "")
    base_redis = os.environ.get("REDIS_URL", "")
    if not base_db.startswith("postgres") or not base_redis:
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    if not (BIN / "gunicorn").exists() or not (BIN / "moto_server").exists():
        pytest.skip("needs gunicorn and moto_server in the venv (requirements*.txt)")
    import psycopg
    import redis

    dbname = f"cim_multinode_{os.getpid()}"
    parts = urlsplit(base_db)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    db_url = urlunsplit(parts._replace(path=f"/{dbname}"))
    redis_url = base_redis.rsplit("/", 1)[0] + f"/{REDIS_DB}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
        conn.execute(f'CREATE DATABASE "{dbname}"')
    redis.Redis.from_url(redis_url).flushdb()

    procs: list[subprocess.Popen] = []
    logs: dict[str, Path] = {}

    def start(name: str, args: list[str], env: dict) -> subprocess.Popen:
        logs[name] = tmp_path / f"{name}.log"
        out = open(logs[name], "wb")  # noqa: SIM115
        proc = subprocess.Popen(  # noqa: S603
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        procs.append(proc)
        return proc

    moto_port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cim_site.settings.production",
        "SECRET_KEY": "throwaway-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "CIM_VAR_DIR": str(tmp_path / "var"),
        "CIM_S3_BUCKET": "cim-multinode",
        "CIM_S3_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
        "CIM_S3_REGION": "us-east-1",
        "CIM_S3_ACCESS_KEY_ID": "testing",
        "CIM_S3_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        "CIM_API_USER_RATE": f"{API_RATE}/min",
        "CIM_SWEEP_SECONDS": "2",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    manage = [sys.executable, "manage.py"]
    try:
        deadline = time.monotonic() + 60
        start("moto", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)], env)
        _wait_http(f"http://127.0.0.1:{moto_port}/", deadline, procs)
        import boto3

        boto3.client(
            "s3",
            endpoint_url=env["CIM_S3_ENDPOINT_URL"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        ).create_bucket(Bucket="cim-multinode")
        for step in (
            ["migrate", "--noinput", "-v", "0"],
            ["collectstatic", "--noinput", "-v", "0"],
        ):
            subprocess.run([*manage, *step], cwd=ROOT, env=env, check=True, timeout=120)  # noqa: S603
        setup = f"""
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from tickets.models import Queue
from channels.models import Channel
User = get_user_model()
root = User.objects.create_superuser("root", "root@example.com", {PASSWORD!r})
limited = User.objects.create_superuser("limited", "limited@example.com", {PASSWORD!r})
queue = Queue.objects.create(code="support", name="Support")
Channel.objects.create(code="web", name="Web form", kind="web_form", default_queue=queue)
print(Token.objects.create(user=root).key, Token.objects.create(user=limited).key)
"""
        out = subprocess.run(  # noqa: S603
            [*manage, "shell", "-c", setup],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=60,
            capture_output=True,
            text=True,
        ).stdout.split()
        tokens = {"root": out[-2], "limited": out[-1]}

        ports = [_free_port(), _free_port()]
        for i, port in enumerate(ports):
            gunicorn = [str(BIN / "gunicorn"), "cim_site.wsgi:application"]
            gunicorn += ["-b", f"127.0.0.1:{port}", "-w", "2", "--threads", "2", "-t", "30"]
            gunicorn += ["--control-socket", str(tmp_path / f"gunicorn{i}.ctl")]
            start(f"web{i}", gunicorn, env)
        celery = [sys.executable, "-m", "celery", "-A", "cim_site"]
        common = [
            "--pool",
            "threads",
            "-c",
            "2",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "INFO",
        ]
        # Both consume intake (they compete for it); each also has queues of its own.
        start(
            "worker0",
            [*celery, "worker", "-Q", "intake,default,outbound", "-n", "w0@%h", *common],
            env,
        )
        start(
            "worker1",
            [*celery, "worker", "-Q", "intake,sweeps,analytics,bulk", "-n", "w1@%h", *common],
            env,
        )
        start("beat", [*celery, "beat", "-s", str(tmp_path / "beat-schedule")], env)
        deadline = time.monotonic() + 60
        for port in ports:
            _wait_http(f"http://127.0.0.1:{port}/healthz", deadline, procs)
        yield {
            "nodes": [f"http://127.0.0.1:{p}" for p in ports],
            "tokens": tokens,
            "db_url": db_url,
            "logs": logs,
            "procs": procs,
            "env": env,
        }
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        try:
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        except psycopg.Error:
            pass
        redis.Redis.from_url(redis_url).flushdb()


class Browser:
    """A client that keeps its own cookies (the production cookies are Secure; the nodes sit
    behind a TLS proxy, which X-Forwarded-Proto stands for) and can talk to any node."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, method: str, node: str, path: str, **kwargs):
        import httpx

        headers = {
            "X-Forwarded-Proto": "https",
            "Referer": node.replace("http://", "https://") + path,
            **kwargs.pop("headers", {}),
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = httpx.request(method, node + path, headers=headers, timeout=20, **kwargs)
        for name, value in response.cookies.items():
            self.cookies[name] = value
        return response

    def csrf(self, node: str, path: str) -> str:
        page = self.request("GET", node, path)
        assert page.status_code == 200, (path, page.status_code)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match, path
        return match.group(1)


def _query(db_url: str, sql: str, *args):
    import psycopg

    with psycopg.connect(db_url, connect_timeout=5) as conn:
        return conn.execute(sql, args).fetchall()


def test_two_nodes_two_workers_one_beat(cluster):
    started = time.monotonic()
    a, b = cluster["nodes"]
    db_url = cluster["db_url"]

    # 1. A session made on node A works on node B (and the other way round).
    browser = Browser()
    token = browser.csrf(a, "/admin/login/")
    login = browser.request(
        "POST",
        a,
        "/admin/login/?next=/admin/",
        data={"username": "root", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert login.status_code == 302, login.text[:500]
    assert login.headers["location"].endswith("/admin/")
    assert browser.request("GET", b, "/admin/").status_code == 200
    assert browser.request("GET", a, "/admin/").status_code == 200

    # 2. Tickets through the API, alternating nodes; each retried on the other node.
    root = {"Authorization": f"Token {cluster['tokens']['root']}"}
    created: dict[str, int] = {}
    request_ids: dict[str, str] = {}
    for i in range(TICKETS):
        first, second = (a, b) if i % 2 == 0 else (b, a)
        key = f"multinode-{uuid.uuid4()}"
        rid = f"mn-{i}-{uuid.uuid4().hex[:8]}"
        body = {
            "subject": f"multinode {i}",
            "body": "hello from the cluster test",
            "email": f"customer{i}@example.com",
            "queue": "support",
        }
        headers = {**root, "Idempotency-Key": key, "X-Request-ID": rid}
        one = browser.request("POST", first, "/api/v1/tickets/", json=body, headers=headers)
        assert one.status_code == 201, one.text[:500]
        assert one.headers["X-Request-ID"] == rid
        again = browser.request("POST", second, "/api/v1/tickets/", json=body, headers=headers)
        assert again.status_code == 200, again.text[:500]
        assert again.json()["id"] == one.json()["id"]
        created[key] = one.json()["id"]
        request_ids[rid] = one.json()["id"]

    # 3. An attachment uploaded through node A (the public form) is downloaded through node B.
    visitor = Browser()
    content = b"%PDF-1.4\n" + secrets.token_bytes(4096) + b"\n%%EOF\n"
    token = visitor.csrf(a, "/help/contact/")
    posted = visitor.request(
        "POST",
        a,
        "/help/contact/",
        data={
            "csrfmiddlewaretoken": token,
            "name": "Khách Hàng",
            "email": "upload@example.com",
            "subject": "multinode attachment",
            "message": "see the file",
        },
        files={"attachment": ("proof.pdf", content, "application/pdf")},
    )
    assert posted.status_code == 302, posted.text[:1000]
    rows = _query(db_url, "SELECT id, file FROM tickets_attachment WHERE filename = 'proof.pdf'")
    assert len(rows) == 1, rows
    attachment_id, key_in_bucket = rows[0]
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=cluster["env"]["CIM_S3_ENDPOINT_URL"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    stored = s3.get_object(Bucket="cim-multinode", Key=key_in_bucket)["Body"].read()
    assert stored == content  # in the object store, not on node A's disk
    download = browser.request("GET", b, f"/admin/tickets/ticket/attachments/{attachment_id}/")
    assert download.status_code == 200, download.status_code
    assert download.content == content

    # 4. The API rate limit is counted across both nodes: API_RATE requests alternating nodes
    #    pass, the next one (on either node) is refused. Per-node counting would allow twice.
    limited = {"Authorization": f"Token {cluster['tokens']['limited']}"}
    codes = []
    for i in range(API_RATE + 2):
        node = a if i % 2 == 0 else b
        codes.append(browser.request("GET", node, "/api/v1/queues/", headers=limited).status_code)
    assert codes[:API_RATE] == [200] * API_RATE, codes
    assert codes[API_RATE:] == [429, 429], codes

    # 5. Counts: every ticket exactly once; every routing task executed exactly once, by one of
    #    the two workers, with the request id of the request that enqueued it.
    tickets = _query(db_url, "SELECT id, subject FROM tickets_ticket ORDER BY id")
    api_tickets = [t for t in tickets if t[1].startswith("multinode ") and t[1][10:].isdigit()]
    assert sorted(t[0] for t in api_tickets) == sorted(created.values())
    assert len(api_tickets) == TICKETS
    keys = _query(db_url, "SELECT count(*) FROM tickets_ticketidempotencykey")[0][0]
    assert keys == TICKETS

    deadline = time.monotonic() + 30
    while True:
        runs = _task_runs(cluster["logs"])
        routed = [r for r in runs if r["task"] == "tickets.route_ticket"]
        if len(routed) >= len(tickets) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    per_id = Counter(r["task_id"] for r in runs)
    twice = {task_id: n for task_id, n in per_id.items() if n > 1}
    by_worker = Counter(r["worker"] for r in runs)
    rids_seen = {r["request_id"] for r in routed}
    print(
        f"\nmultinode: tickets={len(tickets)} (api={len(api_tickets)}, idempotency keys={keys}), "
        f"task runs={len(runs)} (route_ticket={len(routed)}), by worker={dict(by_worker)}, "
        f"executed twice={len(twice)}, rate-limit codes={codes}, "
        f"attachment bytes={len(content)}, seconds={time.monotonic() - started:.1f}"
    )
    assert not twice, twice
    assert len(routed) == len(tickets), (len(routed), len(tickets))
    assert set(request_ids) <= rids_seen, set(request_ids) - rids_seen
    assert time.monotonic() - started < DEADLINE


def _task_runs(logs: dict[str, Path]) -> list[dict]:
    """Task executions from the workers' JSON log lines ("Task x[id] succeeded in ...")."""
    runs = []
    pattern = re.compile(r"Task (\S+)\[([0-9a-f-]+)\] succeeded")
    for name, path in logs.items():
        if not name.startswith("worker"):
            continue
        for line in path.read_text(errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            match = pattern.search(str(record.get("message", "")))
            if match:
                runs.append(
                    {
                        "task": match.group(1),
                        "task_id": match.group(2),
                        "worker": name,
                        "request_id": record.get("request_id"),
                    }
                )
    return runs
