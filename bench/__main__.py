"""`make bench`: how long seeding 100,000 tickets takes, and how fast the ticket lists are at
that size (API and admin, as a supervisor who sees everything and as an agent who sees two
queues), with the SQL query count per request. Figures, not assertions.

Each database runs in its own process (bench/leg.py) with its own environment: SQLite in a fresh
file under var/bench/, and, when DATABASE_URL points at PostgreSQL, a fresh database `cim_bench`
on that server, dropped afterwards.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
PG_BENCH_DB = "cim_bench"


def leg_env(var_dir: Path, database_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # The bench must not publish demo tasks to a shared Redis, nor share its cache.
        if key not in {"REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "CIM_VAR_DIR"}
    }
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="cim_site.settings.dev",
        CIM_VAR_DIR=str(var_dir),
        # Throttling would turn the later requests into 429s and measure the cache instead.
        CIM_API_USER_RATE="1000000/min",
        # Saved-view counts are measured as counted, not as read back from the cache.
        CIM_VIEW_COUNT_CACHE_SECONDS="0",
        LOG_LEVEL="WARNING",
    )
    return env


def run_leg_process(
    *, label: str, var_name: str, module_args: list[str], database_url: str
) -> dict[str, Any]:
    """Runs `python -m <module_args…> --out=…` in its own process, environment and var dir, and
    returns the JSON it wrote (or {"error": …}). Every bench part runs its legs through here."""
    var_dir = BENCH_DIR / var_name
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    out = var_dir / "result.json"
    print(f"== {label}", flush=True)
    started = time.perf_counter()
    completed = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", *module_args, f"--out={out}"],
        cwd=ROOT,
        env=leg_env(var_dir, database_url.replace("{var}", str(var_dir))),
        check=False,
    )
    if completed.returncode != 0 or not out.exists():
        return {"error": f"leg failed with exit code {completed.returncode}"}
    result = json.loads(out.read_text(encoding="utf-8"))
    result["leg_seconds"] = time.perf_counter() - started
    # The figures are in result.json; the data set itself is only worth its disk space while
    # the leg runs.
    for path in var_dir.glob("bench.sqlite3*"):
        path.unlink()
    return result


def run_leg(name: str, database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    return run_leg_process(
        label=name,
        var_name=name,
        module_args=["bench.leg", f"--tickets={args.tickets}", f"--requests={args.requests}"],
        database_url=database_url,
    )


def postgres_urls(database_url: str) -> tuple[str, str]:
    """(URL of the server's maintenance database, URL of the bench database)."""
    parts = urlsplit(database_url)
    scheme = "postgresql" if parts.scheme in {"postgres", "postgresql", "pgsql"} else parts.scheme
    maintenance = urlunsplit((scheme, parts.netloc, "/postgres", "", ""))
    bench = urlunsplit((parts.scheme, parts.netloc, f"/{PG_BENCH_DB}", parts.query, ""))
    return maintenance, bench


def recreate_pg_database(
    maintenance_url: str, *, drop_only: bool = False, name: str = PG_BENCH_DB
) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        name = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def print_table(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    print()
    print(f"CIM bench: {args.tickets:,} tickets, {args.requests} timed requests per line")
    header = f"{'database':<11}{'what':<38}{'as':<12}{'median':>10}{'p95':>10}{'queries':>9}"
    print(header)
    print("-" * len(header))
    for name, result in results.items():
        if "error" in result:
            print(f"{name:<11}{result['error']}")
            continue
        print(
            f"{name:<11}{'seed_demo --tickets ' + format(args.tickets, ','):<38}{'':<12}"
            f"{result['seed_seconds']:>9.1f}s"
            f"   ({result['ticket_count']:,} tickets in the database)"
        )
        for m in result["measurements"]:
            label = f"{name:<11}{m['what'][:37]:<38}{m['role']:<12}"
            if "skipped" in m:
                print(f"{label}skipped: {m['skipped']}")
                continue
            queries = "/".join(str(q) for q in m["queries"])
            rows = f"  {m['rows']} rows" if m.get("rows") is not None else ""
            print(f"{label}{m['median_ms']:>8.1f}ms{m['p95_ms']:>8.1f}ms{queries:>9}{rows}")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per line")
    parser.add_argument(
        "--only",
        choices=("sqlite", "postgresql", "sla", "email", "sentiment", "kb", "macros", "analytics"),
        help="run one part only",
    )
    parser.add_argument("--sla-sizes", default="100000,1000000", help="open tickets per sweep run")
    parser.add_argument("--skip-sla", action="store_true", help="leave out the SLA/routing part")
    parser.add_argument("--emails", type=int, default=10_000, help="emails for the intake bench")
    parser.add_argument("--skip-email", action="store_true", help="leave out the email intake part")
    parser.add_argument(
        "--analytics-tickets", type=int, default=100_000, help="tickets for the analytics part"
    )
    args = parser.parse_args()

    results: dict[str, dict[str, Any]] = {}
    if args.only in (None, "sqlite"):
        results["sqlite"] = run_leg("sqlite", "sqlite:///{var}/bench.sqlite3", args)
    database_url = os.environ.get("DATABASE_URL", "")
    is_pg = database_url.split(":", 1)[0] in {"postgres", "postgresql", "pgsql"}
    if args.only in (None, "postgresql"):
        if not is_pg:
            print("== postgresql: skipped (set DATABASE_URL=postgres://… to include it)")
        else:
            maintenance, bench_url = postgres_urls(database_url)
            try:
                recreate_pg_database(maintenance)
            except Exception as exc:  # noqa: BLE001 - report and go on with the other figures
                results["postgresql"] = {"error": f"cannot create {PG_BENCH_DB}: {exc}"}
            else:
                try:
                    results["postgresql"] = run_leg("postgresql", bench_url, args)
                finally:
                    recreate_pg_database(maintenance, drop_only=True)
    print_table(results, args)
    ok = all("error" not in r for r in results.values())
    if args.only in (None, "email") and not args.skip_email:
        from bench.email import run_email_bench

        ok = run_email_bench(messages=args.emails) and ok
    if args.only in (None, "sentiment"):
        ok = run_module("bench.sentiment") and ok
    if args.only in (None, "kb") and (ROOT / "bench" / "kb.py").exists():
        ok = run_module("bench.kb") and ok
    if args.only in (None, "postgresql", "sla") and is_pg and not args.skip_sla:
        ok = run_sla_leg(database_url, args) and ok
    elif not is_pg and args.only in (None, "sla"):
        print("SLA sweep and routing: skipped (PostgreSQL only; set DATABASE_URL=postgres://…)")
    if args.only in (None, "postgresql", "macros") and is_pg:
        ok = run_macros_leg(database_url, args) and ok
    if args.only in (None, "analytics") and is_pg:
        ok = run_analytics_leg(database_url, args) and ok
    elif args.only == "analytics":
        print("analytics: skipped (PostgreSQL only; set DATABASE_URL=postgres://…)")
    return 0 if ok else 1


def run_analytics_leg(database_url: str, args: argparse.Namespace) -> bool:
    """bench/analytics.py in a database of its own: rebuild and refresh times, metrics API."""
    maintenance, _ = postgres_urls(database_url)
    name = f"{PG_BENCH_DB}_analytics"
    bench_url = postgres_urls(database_url)[1].replace(f"/{PG_BENCH_DB}", f"/{name}")
    recreate_pg_database(maintenance, name=name)
    try:
        result = run_leg_process(
            label="postgresql: analytics",
            var_name="analytics",
            module_args=[
                "bench.analytics",
                f"--tickets={args.analytics_tickets}",
                f"--requests={min(args.requests, 15)}",
            ],
            database_url=bench_url,
        )
    finally:
        recreate_pg_database(maintenance, drop_only=True, name=name)
    if "error" in result:
        print(f"analytics bench failed: {result['error']}")
        return False
    days = max(result["rebuild"]["days"], 1)
    print()
    print(f"analytics (PostgreSQL), {result['tickets']:,} tickets over a year")
    print(
        f"rebuild_analytics: {result['rebuild_seconds']:.1f}s "
        f"({result['rebuild']['tickets']:,} facts, {days} days, "
        f"{result['rebuild']['rollup_rows']:,} rollup rows)"
    )
    print(
        f"refresh of one day: rollups {result['rollup_day_seconds'] * 1000:.0f} ms, facts of its "
        f"{result['facts_day_tickets']} tickets {result['facts_day_seconds'] * 1000:.0f} ms; "
        f"2,000 facts built in {result['facts_per_2000_seconds'] * 1000:.0f} ms"
    )
    header = f"{'30-day period':<30}{'as':<12}{'median':>10}{'p95':>10}{'queries':>9}"
    print(header)
    print("-" * len(header))
    for m in result["api"]:
        if "skipped" in m:
            print(f"{m['what']:<30}{m['role']:<12}skipped: {m['skipped']}")
            continue
        queries = "/".join(str(q) for q in m["queries"])
        print(
            f"{m['what']:<30}{m['role']:<12}{m['median_ms']:>8.1f}ms{m['p95_ms']:>8.1f}ms"
            f"{queries:>9}"
        )
    return True


def run_module(module: str) -> bool:
    """A bench part that prints its own figures, in its own process."""
    print(f"== {module}", flush=True)
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    completed = subprocess.run([sys.executable, "-m", module], cwd=ROOT, env=env, check=False)  # noqa: S603
    return completed.returncode == 0


def run_sla_leg(database_url: str, args: argparse.Namespace) -> bool:
    """bench/sla.py in a database of its own: sweep time against open-ticket count, routing."""
    maintenance, _ = postgres_urls(database_url)
    bench_url = postgres_urls(database_url)[1].replace(f"/{PG_BENCH_DB}", f"/{PG_BENCH_DB}_sla")
    recreate_pg_database(maintenance, name=f"{PG_BENCH_DB}_sla")
    try:
        result = run_leg_process(
            label="postgresql: SLA sweep and routing",
            var_name="sla",
            module_args=["bench.sla", f"--sizes={args.sla_sizes}"],
            database_url=bench_url,
        )
    finally:
        recreate_pg_database(maintenance, drop_only=True, name=f"{PG_BENCH_DB}_sla")
    if "error" in result:
        print(f"SLA bench failed: {result['error']}")
        return False
    print()
    print(f"{'sla_sweep (PostgreSQL)':<34}{'open':>11}{'due':>8}{'seconds':>10}{'ms/due':>9}")
    for row in result["sweep"]:
        print(
            f"{row['label']:<34}{row['open']:>11,}{row['due']:>8,}"
            f"{row['seconds']:>10.3f}{row['per_ticket_ms']:>9.2f}"
        )
    sweeps = {(r["label"], r["open"]): r for r in result["sweep"]}
    sizes = sorted({r["open"] for r in result["sweep"]})
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        same = sweeps[("1,000 due", large)]["seconds"] / sweeps[("1,000 due", small)]["seconds"]
        per = (
            sweeps[("1 % due", large)]["per_ticket_ms"]
            / sweeps[("1 % due", small)]["per_ticket_ms"]
        )
        print(f"ratio {large:,} / {small:,} open, same 1,000 due: {same:.2f}")
        print(f"ratio {large:,} / {small:,} open, 1 % due, time per due ticket: {per:.2f}")
    print(f"plan of the due query: {result['sweep'][-1]['plan']}")
    routing = result["routing"]
    print(
        f"routing: {routing['tickets']:,} tickets assigned at {routing['per_second']:.0f}/s "
        f"with {routing['agents']} online agents (one worker)"
    )
    return True


def run_macros_leg(database_url: str, args: argparse.Namespace) -> bool:
    """bench/macros.py in a database of its own: applying a macro at args.tickets tickets."""
    name = f"{PG_BENCH_DB}_macros"
    maintenance, bench_url = postgres_urls(database_url)
    recreate_pg_database(maintenance, name=name)
    try:
        result = run_leg_process(
            label="postgresql: applying a macro",
            var_name="macros",
            module_args=["bench.macros", f"--tickets={args.tickets}"],
            database_url=bench_url.replace(f"/{PG_BENCH_DB}", f"/{name}"),
        )
    finally:
        recreate_pg_database(maintenance, drop_only=True, name=name)
    if "error" in result:
        print(f"macro bench failed: {result['error']}")
        return False
    print()
    print(f"apply a macro (PostgreSQL, {result['tickets']:,} tickets)")
    print(f"{'what':<42}{'median':>10}{'p95':>10}  statements")
    for m in result["measurements"]:
        statements = "/".join(str(q) for q in m["statements"])
        print(f"{m['what']:<42}{m['median_ms']:>8.1f}ms{m['p95_ms']:>8.1f}ms  {statements}")
    return True


if __name__ == "__main__":
    sys.exit(main())
