"""One database leg of the bench, run in its own process by bench/__main__.py: the environment
(DATABASE_URL, CIM_VAR_DIR, DJANGO_SETTINGS_MODULE) picks the database. Migrates, seeds, measures
and writes the figures as JSON to --out."""

import argparse
import json
import statistics
import sys
import time
from typing import Any

import django


def log(message: str) -> None:
    print(f"    {message}", flush=True)


def measure(client: Any, url: str, *, requests: int) -> dict[str, Any]:
    """Median and p95 latency of `requests` GETs (after two warm-ups) and the SQL queries one
    request makes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        response = client.get(url)
    if response.status_code != 200:
        return {"skipped": f"HTTP {response.status_code}"}
    timings = []
    query_counts = set()
    for _ in range(requests):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        query_counts.add(len(queries))
        if response.status_code != 200:
            return {"skipped": f"HTTP {response.status_code}"}
    timings.sort()
    return {
        "median_ms": statistics.median(timings),
        "p95_ms": timings[max(0, round(0.95 * len(timings)) - 1)],
        "queries": sorted(query_counts),
        "rows": _rows(response),
    }


def _rows(response: Any) -> int | None:
    """How many tickets the page showed, to make sure the figure is about a full page."""
    if response.get("Content-Type", "").startswith("application/json"):
        data = response.json()
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            return len(data["results"])
        return len(data) if isinstance(data, list) else None
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, required=True)
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from tickets.models import Queue, Ticket

    result: dict[str, Any] = {"vendor": connection.vendor}
    log("migrating a fresh database")
    call_command("migrate", verbosity=0, interactive=False)
    log(f"seed_demo --tickets {args.tickets}")
    started = time.perf_counter()
    call_command("seed_demo", tickets=args.tickets, verbosity=0)
    result["seed_seconds"] = time.perf_counter() - started
    result["ticket_count"] = Ticket.objects.count()
    # Fresh statistics, as a database in service has them (autovacuum, or SQLite's optimize);
    # without them the planners guess and the figures say little about production.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    users = get_user_model().objects.in_bulk(["lead", "agent"], field_name="username")
    agent_queue = Queue.objects.filter(agents__user=users["agent"]).order_by("code").first()
    queue = agent_queue or Queue.objects.order_by("code").first()
    assert queue is not None
    api = "/api/v1/tickets/"
    try:
        admin = reverse("admin:tickets_ticket_changelist")
    except NoReverseMatch:
        admin = None
    urls = {
        "API list": f"{api}?page_size=50",
        f"API ?status=open&queue={queue.code}": (
            f"{api}?page_size=50&status=open&queue={queue.code}"
        ),
    }
    if admin:
        urls["admin changelist"] = admin
        urls["admin status=open, queue"] = f"{admin}?status__exact=open&queue__id__exact={queue.pk}"
    # Saved views (issue 11): every view with its capped count, and one view's list. Counts are
    # not cached here (CIM_VIEW_COUNT_CACHE_SECONDS=0 in bench/__main__.py): each request counts.
    from tickets.models import SavedView

    unassigned = SavedView.objects.filter(key="unassigned-mine").first()
    urls["API views with counts"] = "/api/v1/views/"
    if admin and unassigned:
        urls["admin ?view=unassigned in my queues"] = f"{admin}?view={unassigned.pk}"
    result["measurements"] = []
    for role, username in (("supervisor", "lead"), ("agent", "agent")):
        client = Client()
        client.force_login(users[username])
        for label, url in urls.items():
            log(f"{label} as {role}")
            figures = measure(client, url, requests=args.requests)
            result["measurements"].append({"what": label, "role": role, **figures})
    if not admin:
        result["measurements"].append(
            {"what": "admin changelist", "role": "-", "skipped": "no ticket admin registered"}
        )
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(result, out)


if __name__ == "__main__":
    sys.exit(main())
