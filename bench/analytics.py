"""Analytics at scale, on PostgreSQL (`python -m bench --only analytics`, its own database).

Loads N tickets spread over a year (INSERT … SELECT generate_series: customers, tickets with
replies, solves and SLA clocks, a history row each, one interaction, action and two events per
ticket), then measures:
- the full rebuild (rebuild_all): ticket facts per second and rollup time per day of data;
- the incremental refresh of one day's rollups and of one day's tickets (what the beat task does);
- GET /api/v1/metrics/ for a 30-day period (group_by day and queue) and /metrics/journey/, as a
  supervisor and as an agent of two queues: median and p95 latency and SQL statements per request.
"""

import argparse
import json
import statistics
import sys
import time
from datetime import timedelta
from typing import Any

import django


def log(message: str) -> None:
    print(f"    {message}", flush=True)


def load(*, tickets: int) -> dict[str, Any]:
    from django.contrib.auth.models import Group
    from django.db import connection

    from channels.models import Channel
    from tests.factories import AgentFactory, ReasonFactory, SegmentFactory, UserFactory
    from tickets.models import BusinessCalendar, Queue, Ticket

    queues = [Queue.objects.create(code=f"bq{i}", name=f"Bench queue {i}") for i in range(5)]
    reasons = [ReasonFactory(code=f"br{i}") for i in range(8)]
    segments = [SegmentFactory(code=f"bs{i}", name=f"Segment {i}") for i in range(3)]
    agents = [AgentFactory(username=f"bench-agent-{i}", queues=queues[:2]) for i in range(10)]
    lead = UserFactory(username="bench-lead")
    lead.groups.add(Group.objects.get_or_create(name="Supervisor")[0])
    calendar = BusinessCalendar.objects.create(
        name="bench 24/7", always_open=True, holiday_country=""
    )
    channels = {
        kind: Channel.objects.create(
            code=f"b-{kind}", name=kind, kind=kind, default_queue=queues[0]
        )
        for kind in ("email", "phone", "web_chat")
    }
    customers = max(tickets // 4, 10)
    targets = json.dumps({"calendar": calendar.pk, "first_response": 60, "resolution": 480})
    params = {
        "n": tickets,
        "customers": customers,
        "targets": targets,
        "q": [q.pk for q in queues],
        "r": [r.pk for r in reasons],
        "s": [s.pk for s in segments],
        "a": [a.pk for a in agents],
        "email": channels["email"].pk,
        "phone": channels["phone"].pk,
        "chat": channels["web_chat"].pk,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO customers_customer (name, email, phone, language, segment_id, attributes,
                                            updated_at, created_at)
            SELECT 'Bench ' || i, 'b' || i || '@example.vn', '', 'vi',
                   (%(s)s::int[])[1 + i %% 4], '{}'::jsonb, now(), now() - interval '400 days'
            FROM generate_series(1, %(customers)s) AS i
            """,
            params,
        )
        cursor.execute("SELECT min(id) FROM customers_customer WHERE email LIKE 'b%%@example.vn'")
        params["c0"] = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO tickets_ticket (
                reference, subject, customer_id, queue_id, assignee_id, status, priority,
                reason_id, channel, language, created_at, updated_at, first_responded_at,
                solved_at, sla_targets, first_response_due_at, resolution_due_at, sla_breached,
                search_text)
            SELECT 'B' || lpad(i::text, 8, '0'), 'bench', %(c0)s + (i * 7) %% %(customers)s,
                (%(q)s::int[])[1 + i %% 5], (%(a)s::int[])[1 + i %% 10],
                CASE WHEN i %% 10 < 7 THEN 'solved' ELSE 'open' END, 1 + i %% 4,
                (%(r)s::int[])[1 + i %% 9],
                (ARRAY['email', 'phone', 'web_chat'])[1 + i %% 3], 'vi', t.created, now(),
                CASE WHEN i %% 10 < 9 THEN t.created + ((i * 31) %% 240 + 1) * interval '1 minute'
                END,
                CASE WHEN i %% 10 < 7
                     THEN t.created + ((i * 97) %% 2880 + 241) * interval '1 minute' END,
                %(targets)s::jsonb, t.created + interval '60 minutes',
                t.created + interval '480 minutes', false, 'bench'
            FROM generate_series(1, %(n)s) AS i,
                LATERAL (SELECT now() - interval '2 days'
                         - ((i::bigint * 7919) %% (365 * 1440)) * interval '1 minute' AS created) t
            """,
            params,
        )
        history_columns = {f.column for f in Ticket.history.model._meta.concrete_fields}
        columns = [f.column for f in Ticket._meta.concrete_fields if f.column in history_columns]
        cols = ", ".join(columns)
        cursor.execute(
            f"""INSERT INTO tickets_historicalticket ({cols}, history_date, history_type,
                    history_change_reason)
                SELECT {cols}, created_at, '+', 'created' FROM tickets_ticket"""  # noqa: S608
        )
        cursor.execute(
            """INSERT INTO tickets_ticketmessage (ticket_id, kind, author_type, body, channel,
                    created_at, author_user_id)
               SELECT id, 'public', 'agent', 'r', channel, first_responded_at, assignee_id
               FROM tickets_ticket WHERE first_responded_at IS NOT NULL"""
        )
        cursor.execute(
            """INSERT INTO channels_interaction (customer_id, ticket_id, channel_id, direction,
                    outcome, external_id, started_at, note)
               SELECT customer_id, id,
                    CASE channel WHEN 'email' THEN %(email)s WHEN 'phone' THEN %(phone)s
                         ELSE %(chat)s END,
                    'inbound', CASE WHEN id %% 17 = 0 AND channel = 'phone' THEN 'abandoned'
                                    ELSE '' END,
                    '', created_at, ''
               FROM tickets_ticket""",
            params,
        )
        cursor.execute(
            """INSERT INTO channels_action (interaction_id, kind, outcome, started_at, ended_at)
               SELECT i.id, CASE c.kind WHEN 'phone' THEN 'ivr' WHEN 'web_chat' THEN 'bot'
                                        ELSE 'message' END,
                      CASE WHEN i.id % 3 = 0 THEN 'transferred' ELSE '' END,
                      i.started_at, i.started_at + interval '4 minutes'
               FROM channels_interaction i JOIN channels_channel c ON c.id = i.channel_id"""
        )
        cursor.execute(
            """INSERT INTO channels_action (interaction_id, kind, outcome, started_at, ended_at,
                    agent_id)
               SELECT i.id, 'agent', '', i.started_at + interval '4 minutes',
                      i.started_at + interval '11 minutes', t.assignee_id
               FROM channels_interaction i JOIN tickets_ticket t ON t.id = i.ticket_id
               WHERE i.outcome = ''"""
        )
        cursor.execute(
            """INSERT INTO channels_event (action_id, interaction_id, kind, data, occurred_at)
               SELECT a.id, a.interaction_id, 'e', '{}'::jsonb, a.started_at
               FROM channels_action a, generate_series(1, 2)"""
        )
        for table in (
            "customers_customer",
            "tickets_ticket",
            "tickets_historicalticket",
            "tickets_ticketmessage",
            "channels_interaction",
            "channels_action",
            "channels_event",
        ):
            cursor.execute(f"ANALYZE {table}")  # noqa: S608 - our own table names
    return {"lead": lead, "agent": agents[0]}


def measure_api(user: Any, url: str, *, requests: int) -> dict[str, Any]:
    from django.test import Client

    from bench.leg import measure

    client = Client()
    client.force_login(user)
    return measure(client, url, requests=requests)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--out", required=True)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the data set an earlier run left in this database instead of loading one",
    )
    args = parser.parse_args()

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from cim_site.analytics.models import InteractionDayRollup, TicketFact
    from cim_site.analytics.refresh import (
        build_ticket_facts,
        rebuild_all,
        refresh_days,
        refresh_ticket_facts,
    )
    from tickets.models import Ticket

    call_command("migrate", verbosity=0)
    result: dict[str, Any] = {"vendor": connection.vendor, "tickets": args.tickets}
    existing = Ticket.objects.filter(reference__startswith="B").count()
    if args.reuse and existing:
        # A data set loaded and rebuilt by an earlier run (1M tickets take a quarter of an
        # hour): measure it as it is.
        from django.contrib.auth import get_user_model

        users_model = get_user_model()
        users = {
            "lead": users_model.objects.get(username="bench-lead"),
            "agent": users_model.objects.get(username="bench-agent-0"),
        }
        result["tickets"] = existing
        result.update(load_seconds=0.0, rebuild_seconds=0.0, reused=True)
        rebuilt = {
            "tickets": TicketFact.objects.count(),
            "days": InteractionDayRollup.objects.values("date").distinct().count(),
            "rollup_rows": InteractionDayRollup.objects.count(),
        }
        log(f"reusing the {existing:,} tickets already loaded")
    else:
        log(f"loading {args.tickets:,} tickets")
        started = time.perf_counter()
        users = load(tickets=args.tickets)
        result["load_seconds"] = time.perf_counter() - started
        log(f"loaded in {result['load_seconds']:.1f}s; rebuilding facts and rollups")
        started = time.perf_counter()
        rebuilt = rebuild_all(progress=False)
        result["rebuild_seconds"] = time.perf_counter() - started
    result["rebuild"] = rebuilt
    with connection.cursor() as cursor:
        # As autovacuum leaves a table that settled: the visibility map set, so the facts'
        # covering indexes answer with index-only scans.
        cursor.execute("VACUUM ANALYZE cim_site_ticketfact")
        cursor.execute("VACUUM ANALYZE cim_site_interactiondayrollup")
    log(f"rebuild: {rebuilt} in {result['rebuild_seconds']:.1f}s")

    day = timezone.localdate() - timedelta(days=30)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        refresh_days([day])
        timings.append(time.perf_counter() - started)
    result["rollup_day_seconds"] = statistics.median(timings)
    ids = list(Ticket.objects.filter(created_at__date=day).values_list("id", flat=True))
    started = time.perf_counter()
    refresh_ticket_facts(ids)
    result["facts_day_seconds"] = time.perf_counter() - started
    result["facts_day_tickets"] = len(ids)
    started = time.perf_counter()
    build_ticket_facts(list(Ticket.objects.order_by("id").values_list("id", flat=True)[:2000]))
    result["facts_per_2000_seconds"] = time.perf_counter() - started
    log(
        f"one day: rollups {result['rollup_day_seconds'] * 1000:.0f} ms, "
        f"facts of its {len(ids)} tickets {result['facts_day_seconds'] * 1000:.0f} ms"
    )

    end = timezone.localdate() - timedelta(days=3)
    period = f"from={(end - timedelta(days=29)).isoformat()}&to={end.isoformat()}"
    result["api"] = []
    for what, path in (
        ("metrics group_by=day", f"/api/v1/metrics/?{period}&group_by=day"),
        ("metrics group_by=queue", f"/api/v1/metrics/?{period}&group_by=queue"),
        ("metrics group_by=agent", f"/api/v1/metrics/?{period}&group_by=agent"),
        ("journey group_by=channel", f"/api/v1/metrics/journey/?{period}&group_by=channel"),
    ):
        for role, user in (("supervisor", users["lead"]), ("agent", users["agent"])):
            figures = measure_api(user, path, requests=args.requests)
            figures.update(what=what, role=role)
            result["api"].append(figures)
            log(f"{what:<28}{role:<12}{figures.get('median_ms', 0):>8.1f} ms  {figures}")
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(result, out, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
