"""E-mail intake throughput: N raw messages stored (what IMAP, a maildir or the relay endpoint
does), then each processed exactly as the Celery task does it (intake.process_inbound: parse,
resolve the customer, thread, write the ticket message, attachments and journey records).
Figures, not assertions.

The mail is a realistic mix: a third are replies that thread by In-Reply-To onto an earlier
ticket, a sixth are HTML-only, a tenth carry a small PDF, 1 in 50 is an auto-reply (ignored).

Two ways to run it:
- `python -m bench.email --messages 10000 --out result.json` in one process whose environment
  (DATABASE_URL, CIM_VAR_DIR, DJANGO_SETTINGS_MODULE) picks the database;
- `bench.email.run_email_bench(messages=10000)` from bench/__main__.py: runs a SQLite leg and,
  when DATABASE_URL points at PostgreSQL, a leg in a fresh database `cim_bench_email`, and prints
  the table.
"""

import argparse
import base64
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import django

PDF = base64.encodebytes(b"%PDF-1.4\n" + b"0" * 2048 + b"\n%%EOF\n").decode()


def log(message: str) -> None:
    print(f"    {message}", flush=True)


def make_message(n: int) -> bytes:
    """The n-th message of the mix (deterministic, so both databases get the same mail)."""
    reply = n % 3 == 1 and n > 3
    # A reply comes from the sender of the message it answers, so it threads onto that ticket.
    who = (n - 1 if reply else n) % 2000
    sender = f"khach{who}@example.vn"
    headers = (
        f"From: Khách {who} <{sender}>\r\nTo: support@cim.example\r\n"
        f"Subject: =?utf-8?B?{base64.b64encode(f'Đơn hàng {n}'.encode()).decode()}?=\r\n"
        f"Date: Mon, 02 Nov 2026 09:00:00 +0700\r\nMessage-ID: <bench-{n}@example.vn>\r\n"
        "MIME-Version: 1.0\r\n"
    )
    if reply:
        headers += f"In-Reply-To: <bench-{n - 1}@example.vn>\r\n"
    if n % 50 == 7:
        headers += "Auto-Submitted: auto-replied\r\n"
    text = (
        f"Xin chào, đơn hàng số {n} của tôi chưa được giao. Nhờ kiểm tra giúp.\r\n\r\n"
        "On Mon, Support wrote:\r\n> Cảm ơn bạn đã liên hệ.\r\n"
    )
    if n % 6 == 2:
        html = f"<p>Xin chào,</p><p>Đơn hàng <b>{n}</b> chưa tới.</p>"
        return (headers + "Content-Type: text/html; charset=utf-8\r\n\r\n" + html).encode()
    if n % 10 == 5:
        return (
            headers + 'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "--B\r\n"
            "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
            'Content-Disposition: attachment; filename="hoa-don.pdf"\r\n\r\n' + PDF + "--B--\r\n"
        ).encode()
    return (headers + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text).encode()


def run_leg(messages: int) -> dict[str, Any]:
    from django.db import connection

    from channels import intake
    from channels.email_intake import receive_email
    from channels.models import Channel, InboundMessage, InboundStatus
    from customers.models import ChannelKind
    from tickets.models import Queue, Ticket

    queue, _ = Queue.objects.get_or_create(code="bench-mail", defaults={"name": "Bench mail"})
    channel, _ = Channel.objects.get_or_create(
        code="bench-mail",
        defaults={
            "name": "Bench mail",
            "kind": ChannelKind.EMAIL,
            "default_queue": queue,
            "address": "support@cim.example",
        },
    )
    raw = [make_message(n) for n in range(messages)]
    log(f"storing {messages:,} raw messages ({connection.vendor})")
    started = time.perf_counter()
    for body in raw:
        receive_email(channel=channel, raw=body, source="bench")
    store_seconds = time.perf_counter() - started
    ids = list(InboundMessage.objects.order_by("pk").values_list("pk", flat=True))
    log("processing them through the worker path")
    started = time.perf_counter()
    for inbound_id in ids:
        intake.process_inbound(inbound_id=inbound_id)
    process_seconds = time.perf_counter() - started
    statuses = {
        status: InboundMessage.objects.filter(status=status).count()
        for status in InboundStatus.values
    }
    return {
        "database": connection.vendor,
        "messages": messages,
        "store_seconds": store_seconds,
        "process_seconds": process_seconds,
        "stored_per_second": messages / store_seconds,
        "processed_per_second": messages / process_seconds,
        "end_to_end_per_second": messages / (store_seconds + process_seconds),
        "statuses": statuses,
        "tickets": Ticket.objects.count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.email")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    django.setup()
    from django.core.management import call_command

    # The bench drives the worker step itself, so nothing is published to a broker: the
    # per-row task, routing, the receipt's delivery and sentiment are not part of this figure.
    import tickets.queueing

    tickets.queueing.enqueue = lambda task, *args: None  # type: ignore[assignment]
    call_command("migrate", verbosity=0, interactive=False)
    result = run_leg(args.messages)
    Path(args.out).write_text(json.dumps(result), encoding="utf-8")
    return 0


# --- orchestration (called by bench/__main__.py) ------------------------------------------------


def _leg(name: str, database_url: str, messages: int) -> dict[str, Any]:
    from bench.__main__ import run_leg_process

    return run_leg_process(
        label=f"e-mail intake: {name}",
        var_name=f"email-{name}",
        module_args=["bench.email", f"--messages={messages}"],
        database_url=database_url,
    )


def run_email_bench(*, messages: int = 10_000, database_url: str | None = None) -> bool:
    """Runs the SQLite leg and, with a PostgreSQL DATABASE_URL, the PostgreSQL leg; prints the
    table. Returns False if a leg failed."""
    from bench.__main__ import postgres_urls, recreate_pg_database

    results = {"sqlite": _leg("sqlite", "sqlite:///{var}/bench.sqlite3", messages)}
    database_url = database_url if database_url is not None else os.environ.get("DATABASE_URL", "")
    if database_url.split(":", 1)[0] in {"postgres", "postgresql", "pgsql"}:
        maintenance, bench_url = postgres_urls(database_url)
        name = "cim_bench_email"
        bench_url = bench_url.replace("/cim_bench", f"/{name}")
        recreate_pg_database(maintenance, name=name)
        try:
            results["postgresql"] = _leg("postgresql", bench_url, messages)
        finally:
            recreate_pg_database(maintenance, drop_only=True, name=name)
    else:
        print("== e-mail intake: postgresql skipped (set DATABASE_URL=postgres://…)")
    print()
    print(f"E-mail intake, {messages:,} messages (parse + thread + store, worker path)")
    header = f"{'database':<12}{'stored/s':>10}{'processed/s':>13}{'end-to-end/s':>14}  statuses"
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        if "error" in r:
            print(f"{name:<12}{r['error']}")
            continue
        print(
            f"{name:<12}{r['stored_per_second']:>10.0f}{r['processed_per_second']:>13.0f}"
            f"{r['end_to_end_per_second']:>14.0f}  {r['statuses']} → {r['tickets']:,} tickets"
        )
    print()
    return all("error" not in r for r in results.values())


if __name__ == "__main__":
    sys.exit(main())
