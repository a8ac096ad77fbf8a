"""Health endpoints for load balancers and orchestrators.

- ``/healthz``: the process is alive and serving (no dependency is touched). Always 200.
- ``/readyz``: this node can do real work: the database answers, the cache answers, the broker
  accepts a connection and no migration is left unapplied. 200 when all pass, else 503; the JSON
  body says which check failed and why. Every check has a short timeout so a dead dependency
  makes the probe fail fast instead of hanging.

Neither needs a login and neither reveals anything beyond up/down and the failing component.
"""

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

CHECK_TIMEOUT = 2.0
log = logging.getLogger(__name__)


def _no_store(response: JsonResponse) -> JsonResponse:
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return _no_store(JsonResponse({"status": "ok"}))


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_migrations() -> None:
    connection = connections["default"]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:5])
        raise RuntimeError(f"{len(plan)} unapplied migration(s): {names}")


def check_cache() -> None:
    key = f"cim:readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    try:
        if cache.get(key) != "1":
            raise RuntimeError("the cache did not return what was just written")
    finally:
        cache.delete(key)


def check_broker() -> None:
    from cim_site.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=CHECK_TIMEOUT)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "migrations": check_migrations,
    "cache": check_cache,
    "broker": check_broker,
}


def run_checks() -> tuple[bool, dict[str, Any]]:
    results: dict[str, Any] = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            healthy = False
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    return healthy, results


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    healthy, results = run_checks()
    body = {"status": "ok" if healthy else "unavailable", "checks": results}
    if not healthy:
        log.warning("readyz: not ready: %s", results)
    return _no_store(JsonResponse(body, status=200 if healthy else 503))
