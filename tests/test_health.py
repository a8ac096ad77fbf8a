"""Health probes, Prometheus metrics, request ids, the replica router and the Celery queues."""

import json
import logging
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from cim_site import db_router, health, request_id
from cim_site.celery import QUEUES, app
from tests.factories import UserFactory

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


# --- /healthz and /readyz ------------------------------------------------------------------------


def test_healthz_is_alive_without_touching_dependencies(client, monkeypatch):
    monkeypatch.setattr(health, "CHECKS", {"database": _boom})
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store" or "no-store" in response["Cache-Control"]


def _boom() -> None:
    raise RuntimeError("should not be called")


@pytest.mark.django_db
def test_readyz_ready_when_everything_answers(client):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "cache", "broker"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_readyz_503_when_the_cache_is_down(client):
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=caches):
        response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_readyz_503_when_the_broker_is_down(client):
    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    app.conf.broker_url = DEAD_REDIS
    app.conf.broker_transport_options = {"socket_connect_timeout": 1, "max_retries": 0}
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = saved
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["ms"] < 10_000


@pytest.mark.django_db
def test_readyz_503_when_a_migration_is_unapplied(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    class FakeMigration:
        app_label = "tickets"
        name = "9999_not_yet"

    monkeypatch.setattr(
        MigrationExecutor, "migration_plan", lambda self, targets: [(FakeMigration(), False)]
    )
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert "tickets.9999_not_yet" in body["checks"]["migrations"]["error"]


@pytest.mark.django_db
def test_readyz_503_when_the_database_is_down(client, monkeypatch):
    def down() -> None:
        raise OSError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False


def test_probes_refuse_writes(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


# --- /metrics -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_metrics_needs_staff_or_the_token(client):
    response = client.get("/metrics")
    assert response.status_code == 401
    assert "Bearer" in response["WWW-Authenticate"]
    client.force_login(UserFactory(username="not-staff", is_staff=False))
    assert client.get("/metrics").status_code == 403


@pytest.mark.django_db
@override_settings(CIM_METRICS_TOKEN="s3cret-token")
def test_metrics_with_the_bearer_token(client):
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_metrics_report_requests_and_backlogs(client):
    from channels.models import InboundMessage, OutboundMessage, OutboundStatus
    from tests.factories import ChannelFactory, TicketFactory

    staff = UserFactory(username="ops", is_staff=True)
    client.force_login(staff)
    client.get("/healthz")
    now = timezone.now()
    OutboundMessage.objects.create(
        kind="email",
        to_address="a@example.com",
        body="x",
        status=OutboundStatus.QUEUED,
        due_at=now - timedelta(minutes=10),
    )
    OutboundMessage.objects.create(
        kind="email", to_address="b@example.com", body="x", status=OutboundStatus.FAILED
    )
    channel = ChannelFactory()
    InboundMessage.objects.create(
        channel=channel,
        external_id="e1",
        content_type="application/json",
        raw=b"{}",
        received_at=now - timedelta(minutes=5),
    )
    InboundMessage.objects.create(
        channel=channel,
        external_id="e2",
        content_type="application/json",
        raw=b"{}",
        source="zalo",
        status="failed",
    )
    ticket = TicketFactory()
    type(ticket).objects.filter(pk=ticket.pk).update(sla_next_check_at=now - timedelta(minutes=3))

    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    values = _samples(text)
    assert values['cim_http_requests_total{method="GET",status="200",view="healthz"}'] >= 1
    assert 'cim_http_request_duration_seconds_count{view="healthz"}' in values
    assert values["cim_outbox_lag_seconds"] >= 590
    assert values["cim_sla_sweep_lag_seconds"] >= 170
    assert values['cim_outbound_failed{kind="email"}'] == 1
    assert values['cim_inbound_failed{source="zalo"}'] == 1
    assert values["cim_inbound_backlog"] == 1
    assert values["cim_inbound_backlog_age_seconds"] >= 290


def _samples(text: str) -> dict[str, float]:
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


@pytest.mark.django_db
def test_metrics_queue_depth_on_redis(settings):
    from django.conf import settings as conf

    if not conf.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL")
    import redis

    from cim_site.metrics import queue_depths

    url = conf.REDIS_URL.rsplit("/", 1)[0] + "/12"
    settings.CELERY_BROKER_URL = url
    client = redis.Redis.from_url(url)
    client.delete(*QUEUES)
    client.rpush("outbound", "a", "b")
    try:
        depths = queue_depths()
    finally:
        client.delete(*QUEUES)
    assert depths["outbound"] == 2
    assert depths["intake"] == 0


# --- request ids ---------------------------------------------------------------------------------


def test_request_id_is_echoed_or_made(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32
    # Anything that is not a plain token (log injection, huge values) is replaced.
    for bad in ("a b", "x" * 200, "a\nb", "<script>"):
        assert client.get("/healthz", HTTP_X_REQUEST_ID=bad)["X-Request-ID"] != bad


def test_request_id_reaches_log_records_and_task_headers():
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "hello", None, None)
    token = request_id.set_request_id("req-42")
    try:
        request_id.RequestIdFilter().filter(record)
        headers: dict = {}
        request_id._add_request_id_header(headers=headers)
    finally:
        request_id._current.reset(token)
    assert record.request_id == "req-42"
    assert headers == {request_id.TASK_HEADER: "req-42"}
    outside = logging.LogRecord("t", logging.INFO, __file__, 1, "hello", None, None)
    request_id.RequestIdFilter().filter(outside)
    assert outside.request_id == "-"


def test_worker_takes_the_request_id_from_the_task():
    class Req:
        cim_request_id = "from-web-7"

    class Task:
        request = Req()

    request_id._enter_task(task_id="t1", task=Task())
    try:
        assert request_id.get_request_id() == "from-web-7"
    finally:
        request_id._leave_task(task_id="t1")
    assert request_id.get_request_id() == ""


def test_json_log_lines_carry_the_request_id():
    from pythonjsonlogger.json import JsonFormatter

    from cim_site.settings.base import LOGGING

    spec = dict(LOGGING["formatters"]["json"])
    spec.pop("()")
    formatter = JsonFormatter(spec.pop("format"), **spec)
    record = logging.LogRecord("cim", logging.WARNING, __file__, 1, "sent %s", ("x",), None)
    token = request_id.set_request_id("req-json")
    try:
        request_id.RequestIdFilter().filter(record)
    finally:
        request_id._current.reset(token)
    line = json.loads(formatter.format(record))
    assert line["request_id"] == "req-json"
    assert line["message"] == "sent x"
    assert line["level"] == "WARNING"


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_enqueued_task_carries_the_request_id_in_its_headers(client, monkeypatch):
    """The real publish path: a task sent during a request has the id in its message headers."""
    from celery.signals import before_task_publish

    seen: list[dict] = []

    def spy(headers=None, **kwargs):
        seen.append(dict(headers or {}))

    before_task_publish.connect(spy, weak=False)
    try:
        token = request_id.set_request_id("req-pub")
        try:
            with app.producer_or_acquire() as producer:
                monkeypatch.setattr(producer, "publish", lambda *a, **k: None)
                app.send_task("tickets.sla_sweep", producer=producer)
        finally:
            request_id._current.reset(token)
    finally:
        before_task_publish.disconnect(spy)
    assert seen and seen[-1].get(request_id.TASK_HEADER) == "req-pub"


# --- replica router and queues -------------------------------------------------------------------


def test_replica_router_reads_reports_from_the_replica_only_when_asked(monkeypatch):
    router = db_router.ReplicaRouter()
    with db_router.use_replica() as alias:
        assert alias == "default"  # no replica configured: nothing changes
        assert router.db_for_read(None) == "default"
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    assert router.db_for_read(None) == "default"
    with db_router.use_replica() as alias:
        assert alias == "replica"
        assert router.db_for_read(None) == "replica"
        assert router.db_for_write(None) == "default"
    assert router.db_for_read(None) == "default"
    assert router.allow_migrate("replica", "tickets") is False
    assert router.allow_migrate("default", "tickets") is True


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("channels.process_inbound", "intake"),
        ("tickets.route_ticket", "intake"),
        ("channels.deliver_outbound", "outbound"),
        ("tickets.send_notification_email", "outbound"),
        ("tickets.sla_sweep", "sweeps"),
        ("feedback.analyse_message", "analytics"),
        ("tickets.bulk_update", "bulk"),
        ("analytics.rollup", "analytics"),
        ("something.else", "default"),
    ],
)
def test_tasks_are_routed_to_their_queue(task, queue):
    assert app.amqp.router.route({}, task)["queue"].name == queue


def test_every_registered_task_has_a_known_queue():
    app.loader.import_default_modules()
    for name in app.tasks:
        if name.startswith("celery."):
            continue
        assert app.amqp.router.route({}, name)["queue"].name in QUEUES


def test_a_worker_without_q_consumes_every_queue():
    assert {q.name for q in app.conf.task_queues} == set(QUEUES)


def test_report_selectors_read_from_the_replica(monkeypatch):
    from feedback import selectors

    seen = []
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)

    def probe(*args, **kwargs):
        seen.append(db_router.ReplicaRouter().db_for_read(None))
        return []

    for name in ("survey_metrics", "qa_report"):
        wrapped = getattr(selectors, name)
        assert wrapped.__wrapped__  # decorated with reads_replica
        db_router.reads_replica(probe)()
    assert seen == ["replica", "replica"]
    assert db_router.ReplicaRouter().db_for_read(None) == "default"


def test_worker_log_handlers_get_the_request_id_and_json(settings):
    settings.LOG_FORMAT = "json"
    logger = logging.getLogger("cim-test-worker")
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    try:
        request_id._worker_log_format(logger=logger)
        assert any(isinstance(f, request_id.RequestIdFilter) for f in handler.filters)
        record = logging.LogRecord(
            "celery", logging.INFO, __file__, 1, "Task x succeeded", None, None
        )
        handler.filter(record)
        assert json.loads(handler.format(record))["request_id"] == "-"
    finally:
        logger.removeHandler(handler)
