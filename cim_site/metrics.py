"""Prometheus metrics at ``/metrics``.

Per process (from ``MetricsMiddleware``): request counts by view, method and status, and request
latency by view. With several gunicorn workers, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
folder (wiped at each start) so every worker's counts are added up (prometheus_client's
multiprocess mode).

At scrape time (``BacklogCollector``, read from the database and the broker, so the same on every
node): Celery queue depth per queue, outbox lag, SLA sweep lag, failed outbound messages, failed
inbound input (webhooks / mail the intake could not process) and the inbound backlog.

Access: with ``CIM_METRICS_TOKEN`` set, a scraper sends ``Authorization: Bearer <token>``;
staff users who are logged in may always read it. Anyone else gets 401/403.
"""

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

REQUESTS = Counter("cim_http_requests_total", "HTTP requests served.", ["method", "view", "status"])
LATENCY = Histogram(
    "cim_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def _view_label(request: HttpRequest) -> str:
    # Route names, never raw paths: the label set stays small whatever URLs clients try.
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unresolved>"
    return match.view_name or match._func_path or "<unnamed>"


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        try:
            view = _view_label(request)
            method = request.method if request.method in _METHODS else "OTHER"
            REQUESTS.labels(method, view, str(response.status_code)).inc()
            LATENCY.labels(view).observe(time.perf_counter() - started)
        except Exception:  # noqa: BLE001 - metrics never break a request
            log.exception("metrics: could not record the request")
        return response


def queue_depths() -> dict[str, int | None]:
    """Messages waiting per Celery queue: LLEN on Redis; None when the broker is not Redis or
    cannot be reached."""
    from cim_site.celery import QUEUES

    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return dict.fromkeys(QUEUES)
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        pipe = client.pipeline()
        for name in QUEUES:
            pipe.llen(name)
        return dict(zip(QUEUES, pipe.execute(), strict=True))
    except Exception:  # noqa: BLE001 - the broker being down is itself reported by readyz
        return dict.fromkeys(QUEUES)


def _age_seconds(moment: Any, now: Any) -> float:
    return max(0.0, (now - moment).total_seconds()) if moment else 0.0


class BacklogCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.db.models import Min

        from channels.models import InboundMessage, InboundStatus, OutboundMessage, OutboundStatus
        from tickets.models import Ticket

        now = timezone.now()
        depth = GaugeMetricFamily(
            "cim_celery_queue_depth", "Tasks waiting in each Celery queue.", labels=["queue"]
        )
        for name, value in queue_depths().items():
            if value is not None:
                depth.add_metric([name], value)
        yield depth

        try:
            oldest_out = OutboundMessage.objects.filter(
                status=OutboundStatus.QUEUED, due_at__lte=now
            ).aggregate(m=Min("due_at"))["m"]
            failed_out = {
                row["kind"]: row["n"]
                for row in OutboundMessage.objects.filter(status=OutboundStatus.FAILED)
                .values("kind")
                .annotate(n=models_count())
            }
            inbound = InboundMessage.objects.filter(status=InboundStatus.RECEIVED)
            backlog = inbound.count()
            oldest_in = inbound.aggregate(m=Min("received_at"))["m"]
            failed_in = {
                row["source"] or "-": row["n"]
                for row in InboundMessage.objects.filter(status=InboundStatus.FAILED)
                .values("source")
                .annotate(n=models_count())
            }
            oldest_sla = Ticket.objects.filter(sla_next_check_at__lte=now).aggregate(
                m=Min("sla_next_check_at")
            )["m"]
        except Exception:  # noqa: BLE001 - a scrape during a database outage still answers
            log.exception("metrics: could not read the backlog")
            return

        yield GaugeMetricFamily(
            "cim_outbox_lag_seconds",
            "Age of the oldest outbound message that is due and still queued (0 when none).",
            value=_age_seconds(oldest_out, now),
        )
        yield GaugeMetricFamily(
            "cim_sla_sweep_lag_seconds",
            "How long the most overdue SLA check has been waiting (0 when the sweep keeps up).",
            value=_age_seconds(oldest_sla, now),
        )
        failed = GaugeMetricFamily(
            "cim_outbound_failed", "Outbound messages that gave up, by channel.", labels=["kind"]
        )
        for kind, n in sorted(failed_out.items()):
            failed.add_metric([kind], n)
        yield failed
        failed_hooks = GaugeMetricFamily(
            "cim_inbound_failed",
            "Inbound input (webhooks, mail, PBX events) that could not be processed, by source.",
            labels=["source"],
        )
        for source, n in sorted(failed_in.items()):
            failed_hooks.add_metric([source], n)
        yield failed_hooks
        yield GaugeMetricFamily(
            "cim_inbound_backlog", "Inbound input received and not processed yet.", value=backlog
        )
        yield GaugeMetricFamily(
            "cim_inbound_backlog_age_seconds",
            "Age of the oldest unprocessed inbound input (0 when none).",
            value=_age_seconds(oldest_in, now),
        )


def models_count() -> Any:
    from django.db.models import Count

    return Count("id")


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(BacklogCollector())
    return registry


def _authorised(request: HttpRequest) -> tuple[bool, int]:
    token = getattr(settings, "CIM_METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        given = header.removeprefix("Bearer ").strip()
        if hmac.compare_digest(given.encode(), token.encode()):
            return True, 200
        return False, 403
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True, 200
    return False, 401 if not (user and user.is_authenticated) else 403


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    allowed, code = _authorised(request)
    if not allowed:
        response = HttpResponse(status=code, content_type="text/plain; charset=utf-8")
        if code == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
