"""The SLA sweep and routing at scale, on PostgreSQL (run by `make bench` in its own database).

Sweep: N open tickets with SLA clocks, of which some are due now. Two questions:
- same work, more open tickets: 1,000 due among 100,000 vs among 1,000,000 open — the times
  should be about equal, because the sweep reads the due rows through a partial index;
- 1 % due in each (1,000 vs 10,000): the time per due ticket should be about equal.
Routing: tickets assigned per second with 50 online agents.

Rows are made with INSERT … SELECT generate_series, which loads a million tickets in seconds;
the sweep and routing then run through the real services.
"""

import argparse
import json
import statistics
import sys
import time
from typing import Any

import django


def log(message: str) -> None:
    print(f"    {message}", flush=True)


def load_tickets(*, total: int, due: int, policy_id: int, calendar_id: int, queue_id: int) -> None:
    """`total` open tickets; the first `due` have first response overdue, the rest are due in a
    day. Everything else a ticket row needs is a plain constant."""
    from django.db import connection

    targets = json.dumps({"calendar": calendar_id, "first_response": 60, "resolution": 6000})
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM customers_customer LIMIT 1")
        customer_id = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO tickets_ticket (
                reference, subject, customer_id, queue_id, status, priority, channel, language,
                created_at, updated_at, sla_policy_id, sla_targets, first_response_due_at,
                first_response_warn_at, resolution_due_at, resolution_warn_at, sla_breached,
                sla_next_check_at
            )
            SELECT
                'B' || lpad(i::text, 8, '0'), 'bench', %(customer)s, %(queue)s, 'open', 2,
                'email', 'vi', now() - interval '2 hours', now(), %(policy)s, %(targets)s::jsonb,
                CASE WHEN i <= %(due)s THEN now() - interval '1 minute'
                     ELSE now() + interval '1 day' END,
                CASE WHEN i <= %(due)s THEN now() - interval '5 minutes'
                     ELSE now() + interval '20 hours' END,
                now() + interval '3 days', now() + interval '2 days', false,
                CASE WHEN i <= %(due)s THEN now() - interval '5 minutes'
                     ELSE now() + interval '20 hours' END
            FROM generate_series(1, %(total)s) AS i
            """,
            {
                "customer": customer_id,
                "queue": queue_id,
                "policy": policy_id,
                "targets": targets,
                "due": due,
                "total": total,
            },
        )
        cursor.execute("ANALYZE tickets_ticket")


def reset(*, due: int) -> None:
    """Puts the due tickets back to due, as before the sweep."""
    from django.db import connection

    from tickets.models import SLAEvent

    SLAEvent.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE tickets_ticket SET sla_breached = false, priority = 2,
                sla_next_check_at = now() - interval '5 minutes'
                WHERE reference <= 'B' || lpad(%s::text, 8, '0')""",
            [due],
        )


def time_sweep(*, due: int, runs: int) -> dict[str, Any]:
    from django.db import connection

    from tickets import sla

    timings = []
    for _ in range(runs):
        reset(due=due)
        started = time.perf_counter()
        result = sla.sweep(limit=due + 1)
        timings.append(time.perf_counter() - started)
        assert result.breaches == due, result  # noqa: S101 - a bench that measured nothing lies
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM tickets_ticket WHERE sla_next_check_at <= now() "
            "ORDER BY sla_next_check_at LIMIT 200"
        )
        plan = " / ".join(row[0].strip() for row in cursor.fetchall()[:2])
    median = statistics.median(timings)
    return {"seconds": median, "per_ticket_ms": median / due * 1000, "plan": plan}


def world() -> tuple[int, int, int]:
    from customers.models import Customer
    from tickets.models import BusinessCalendar, Queue, SLAPolicy, SLATarget

    Customer.objects.get_or_create(email="bench@example.vn", defaults={"name": "Bench"})
    queue, _ = Queue.objects.get_or_create(code="bench", defaults={"name": "Bench"})
    calendar, _ = BusinessCalendar.objects.get_or_create(
        name="bench 24/7", defaults={"always_open": True, "holiday_country": ""}
    )
    policy, _ = SLAPolicy.objects.get_or_create(
        name="bench", defaults={"calendar": calendar, "escalate_notify": False}
    )
    SLATarget.objects.get_or_create(
        policy=policy,
        priority=2,
        defaults={"first_response_minutes": 60, "resolution_minutes": 6000},
    )
    return policy.pk, calendar.pk, queue.pk


def truncate_tickets() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE tickets_slaevent, tickets_ticket_tags, tickets_ticket CASCADE")


def bench_routing(*, agents: int, tickets: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from customers.models import Customer
    from tickets import routing
    from tickets.models import AgentProfile, Presence, Queue, Ticket

    queue, _ = Queue.objects.get_or_create(code="route-bench", defaults={"name": "Routing"})
    user_model = get_user_model()
    for i in range(agents):
        user, _ = user_model.objects.get_or_create(
            username=f"bench-agent-{i}", defaults={"is_staff": True}
        )
        profile, _ = AgentProfile.objects.get_or_create(user=user)
        profile.presence = Presence.ONLINE
        profile.capacity = 10_000
        profile.languages = ["vi", "en"]
        profile.save()
        profile.queues.add(queue)
    customer_id = Customer.objects.values_list("id", flat=True).first()
    Ticket.objects.bulk_create(
        Ticket(reference=f"R{i:08d}", subject="route", customer_id=customer_id, queue=queue)
        for i in range(tickets)
    )
    ids = list(Ticket.objects.filter(queue=queue).values_list("id", flat=True))
    started = time.perf_counter()
    assigned = sum(routing.route_ticket(ticket_id=i) is not None for i in ids)
    seconds = time.perf_counter() - started
    return {"agents": agents, "tickets": assigned, "per_second": assigned / seconds}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sla")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        print("    the SLA bench needs PostgreSQL", flush=True)
        return 1
    call_command("migrate", verbosity=0)
    policy_id, calendar_id, queue_id = world()
    results: dict[str, Any] = {"sweep": [], "routing": None}
    for total in [int(s) for s in args.sizes.split(",")]:
        for label, due in (("1,000 due", 1000), ("1 % due", total // 100)):
            truncate_tickets()
            started = time.perf_counter()
            load_tickets(
                total=total,
                due=due,
                policy_id=policy_id,
                calendar_id=calendar_id,
                queue_id=queue_id,
            )
            log(f"{total:,} open tickets loaded in {time.perf_counter() - started:.1f}s")
            figures = time_sweep(due=due, runs=args.runs)
            figures.update(open=total, due=due, label=label)
            log(
                f"sweep, {due:,} due of {total:,} open: {figures['seconds']:.3f}s "
                f"({figures['per_ticket_ms']:.2f} ms per due ticket)"
            )
            results["sweep"].append(figures)
    truncate_tickets()
    results["routing"] = bench_routing(agents=50, tickets=2000)
    log(f"routing: {results['routing']['per_second']:.0f} tickets/s with 50 agents")
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(results, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
