"""Applying a macro at scale (run by `make bench` on PostgreSQL, in its own database): the time
and SQL statements of one apply_macro call (priority, tag, assign; reply rendered, not sent), of
the same with the reply sent, and of the API endpoint, on a database seeded with
`seed_demo --tickets N`. Figures, not assertions."""

import argparse
import json
import statistics
import sys
import time
from typing import Any

import django


def log(message: str) -> None:
    print(f"    {message}", flush=True)


def timed(calls: list[Any]) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, statements = [], set()
    for call in calls:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            call()
            timings.append((time.perf_counter() - started) * 1000)
        statements.add(len(queries))
    timings.sort()
    return {
        "median_ms": statistics.median(timings),
        "p95_ms": timings[max(0, round(0.95 * len(timings)) - 1)],
        "statements": sorted(statements),
        "calls": len(calls),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.test import APIClient

    from tickets import macros
    from tickets.models import OPEN_STATUSES, Macro, MacroAssign, MacroVisibility, Priority, Ticket

    log("migrating a fresh database")
    call_command("migrate", verbosity=0, interactive=False)
    log(f"seed_demo --tickets {args.tickets}")
    call_command("seed_demo", tickets=args.tickets, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    agent = get_user_model().objects.get(username="agent")
    queue_ids = list(agent.agent_profile.queues.values_list("id", flat=True))
    tickets = list(
        Ticket.objects.filter(queue_id__in=queue_ids, status__in=OPEN_STATUSES)
        .exclude(status="pending")
        .order_by("-id")[: 3 * args.calls]
    )
    if len(tickets) < 3 * args.calls:
        raise SystemExit(f"only {len(tickets)} open tickets in the agent's queues")
    quiet = Macro.objects.create(
        name_vi="Bench: ưu tiên",
        visibility=MacroVisibility.EVERYONE,
        reply_vi="Chào {{ customer.name }}, mã {{ ticket.reference }}: {{ ticket.status_url }}",
        set_priority=Priority.HIGH,
        add_tags="bench",
        assign=MacroAssign.ME,
    )
    sending = Macro.objects.create(
        name_vi="Bench: trả lời",
        visibility=MacroVisibility.EVERYONE,
        reply_vi="Chào {{ customer.name }}, chúng tôi đã nhận yêu cầu {{ ticket.reference }}.",
        set_status="pending",
        send_at_once=True,
    )
    first, second, third = (
        tickets[: args.calls],
        tickets[args.calls : 2 * args.calls],
        tickets[2 * args.calls :],
    )
    result: dict[str, Any] = {"tickets": Ticket.objects.count(), "measurements": []}
    log("apply_macro: actions, reply rendered")
    result["measurements"].append(
        {
            "what": "apply_macro (actions, reply not sent)",
            **timed(
                [lambda t=t: macros.apply_macro(ticket=t, macro=quiet, by=agent) for t in first]
            ),
        }
    )
    log("apply_macro: reply sent, status pending")
    result["measurements"].append(
        {
            "what": "apply_macro (reply sent, pending)",
            **timed(
                [lambda t=t: macros.apply_macro(ticket=t, macro=sending, by=agent) for t in second]
            ),
        }
    )
    client = APIClient()
    client.force_authenticate(agent)

    def api_call(ticket: Ticket) -> None:
        response = client.post(
            f"/api/v1/tickets/{ticket.pk}/apply-macro/", {"macro": quiet.pk}, format="json"
        )
        assert response.status_code == 200, response.content

    log("POST /api/v1/tickets/{id}/apply-macro/")
    result["measurements"].append(
        {
            "what": "API apply-macro (actions)",
            **timed([lambda t=t: api_call(t) for t in third]),
        }
    )
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(result, out)


if __name__ == "__main__":
    sys.exit(main())
