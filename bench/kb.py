"""`python -m bench.kb`: knowledge-base figures. Bot answer latency (median, p95) with 5,000
articles, and help-centre search latency with 50,000 articles, on SQLite and — when DATABASE_URL
points at PostgreSQL — on a fresh database `cim_bench_kb` there (dropped afterwards).

Each database runs in its own process (`python -m bench.kb --leg …`) with its own environment,
like bench/leg.py. The articles are synthetic Vietnamese and English FAQ text made from a fixed
word list with a fixed seed, so runs are comparable.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.__main__ import (
    PG_BENCH_DB,
    postgres_urls,
    recreate_pg_database,
    run_leg_process,
)

PG_DB = "cim_bench_kb"
VI_WORDS: list[str] = []
EN_WORDS: list[str] = []


def _words(text: str) -> list[str]:
    return text.split()


VI_COMMON = _words(
    "bảo hành đổi trả hoàn tiền giao hàng đơn hàng thanh toán trả góp thẻ tín dụng mật khẩu "
    "tài khoản đăng nhập mã OTP hóa đơn điện tử khuyến mãi phí vận chuyển cửa hàng sản phẩm "
    "điện thoại máy tính bảo mật ứng dụng nạp tiền rút tiền chuyển khoản ngân hàng lãi suất "
    "khiếu nại hỗ trợ tổng đài thời gian xử lý hủy đơn đặt lại kích hoạt gói cước"
)
EN_COMMON = _words(
    "warranty return refund delivery order payment instalment credit card password account "
    "login code invoice promotion shipping fee store product phone laptop security app top up "
    "withdraw transfer bank interest rate complaint support hotline processing time cancel "
    "reset activate plan subscription exchange rate limit verify identity statement"
)
_ONSETS = _words("b c ch d đ g gi h k kh l m n ng nh ph qu r s t th tr v x")
_RHYMES = _words("a à á ả ã ạ an ang anh ao at ay e ê en eo i inh it o ô ơ oi on ong u ư uy ương")


def _vocabulary(common: list[str], rng: random.Random, size: int = 6000) -> list[str]:
    """Common support words first, then many rarer made-up words: real help-centre text has a
    long tail of rare words, and an index with 70 distinct words would measure nothing real."""
    rare = {
        rng.choice(_ONSETS) + rng.choice(_RHYMES) + rng.choice(_ONSETS) + rng.choice(_RHYMES)
        for _ in range(size)
    }
    return common + sorted(rare)


def _sentence(rng: random.Random, words: list[str], n: int) -> str:
    # Frequent words are picked far more often than rare ones (roughly Zipf-like).
    return " ".join(words[int(len(words) * rng.random() ** 3)] for _ in range(n)).capitalize()


# --- one leg (runs inside Django) ---------------------------------------------------------------


def _seed(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """n published articles (half vi, half en) with 3 alternative questions each; returns
    (question, language) pairs to ask."""
    from knowledge_base.models import Article, ArticleQuestion, ArticleStatus, Category

    category, _ = Category.objects.get_or_create(
        slug="bench", defaults={"name_vi": "Bench", "name_en": "Bench"}
    )
    have = Article.objects.filter(category=category).count()
    articles = []
    for i in range(have, n):
        language = "vi" if i % 2 == 0 else "en"
        words = VI_WORDS if language == "vi" else EN_WORDS
        articles.append(
            Article(
                category=category,
                language=language,
                title=_sentence(rng, words, 6),
                slug=f"bench-{i}",
                body="\n\n".join(_sentence(rng, words, 25) for _ in range(4)),
                status=ArticleStatus.PUBLISHED,
            )
        )
    Article.objects.bulk_create(articles, batch_size=1000)
    new_ids = list(
        Article.objects.filter(category=category, slug__in=[a.slug for a in articles])
        .order_by("id")
        .values_list("id", "language")
    )
    ArticleQuestion.objects.bulk_create(
        [
            ArticleQuestion(
                article_id=pk,
                text=_sentence(rng, VI_WORDS if lang == "vi" else EN_WORDS, 7),
                position=q,
            )
            for pk, lang in new_ids
            for q in range(3)
        ],
        batch_size=2000,
    )
    questions = []
    for _ in range(400):
        language = rng.choice(["vi", "en"])
        words = VI_WORDS if language == "vi" else EN_WORDS
        questions.append((_sentence(rng, words, rng.randint(2, 8)).lower(), language))
    return questions


def _analyze() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would soon give a real
    database (without them PostgreSQL plans for the load's state: every row still unindexed)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _timed(fn, items: list[Any]) -> dict[str, float]:
    for item in items[:5]:
        fn(item)
    timings = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "median_ms": statistics.median(timings),
        "p95_ms": timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))],
        "n": len(timings),
    }


def run_leg(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    from knowledge_base import bot, indexing, search

    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(20261122)
    global VI_WORDS, EN_WORDS
    VI_WORDS = _vocabulary(VI_COMMON, rng)
    EN_WORDS = _vocabulary(EN_COMMON, rng)
    result: dict[str, Any] = {}

    started = time.perf_counter()
    questions = _seed(args.bot_articles, rng)
    indexing.refresh_pending(limit=10**7)
    _analyze()
    result["bot_seed_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    bot.current_index()
    result["bot_index_seconds"] = time.perf_counter() - started
    result["bot"] = _timed(
        lambda q: bot.decide(question=q[0], language=q[1]), questions[: args.queries]
    )
    result["bot"]["articles"] = args.bot_articles

    started = time.perf_counter()
    queries = _seed(args.search_articles, rng)
    indexing.refresh_pending(limit=10**7)
    _analyze()
    result["search_seed_seconds"] = time.perf_counter() - started
    search.vocabulary()
    found = []

    def do_search(q: tuple[str, str]) -> None:
        found.append(len(search.search_articles(query=q[0], language=q[1]).hits))

    result["search"] = _timed(do_search, queries[: args.queries])
    result["search"]["articles"] = args.search_articles
    result["search"]["mean_hits"] = sum(found) / len(found)

    def do_suggest(q: tuple[str, str]) -> None:
        search.search_articles(query=q[0][:12], language=q[1], limit=5, prefix=True)

    result["suggest"] = _timed(do_suggest, queries[: args.queries])
    result["suggest"]["articles"] = args.search_articles
    return result


# --- orchestration ------------------------------------------------------------------------------


def run_in_process(name: str, database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    return run_leg_process(
        label=name,
        var_name=f"kb-{name}",
        module_args=[
            "bench.kb",
            "--leg",
            f"--bot-articles={args.bot_articles}",
            f"--search-articles={args.search_articles}",
            f"--queries={args.queries}",
        ],
        database_url=database_url,
    )


def print_table(results: dict[str, dict[str, Any]]) -> None:
    print()
    header = f"{'database':<11}{'what':<44}{'median':>10}{'p95':>10}"
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        if "error" in r:
            print(f"{name:<11}{r['error']}")
            continue
        for key, label in (
            ("bot", "bot decide, {articles:,} articles"),
            ("search", "search page query, {articles:,} articles"),
            ("suggest", "suggest (prefix), {articles:,} articles"),
        ):
            m = r[key]
            print(f"{name:<11}{label.format(**m):<44}{m['median_ms']:>8.2f}ms{m['p95_ms']:>8.2f}ms")
        print(
            f"{name:<11}{'(bot index build)':<44}{r['bot_index_seconds']:>9.2f}s"
            f"   seeding+indexing {r['search_seed_seconds']:.0f}s, "
            f"mean hits {r['search']['mean_hits']:.1f}"
        )
    print()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kb", description=__doc__)
    parser.add_argument("--bot-articles", type=int, default=5_000)
    parser.add_argument("--search-articles", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200, help="timed questions per line")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--leg", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.leg:
        args.out.write_text(json.dumps(run_leg(args)), encoding="utf-8")
        return 0

    results: dict[str, dict[str, Any]] = {}
    if args.only in (None, "sqlite"):
        results["sqlite"] = run_in_process("sqlite", "sqlite:///{var}/bench.sqlite3", args)
    database_url = os.environ.get("DATABASE_URL", "")
    if args.only in (None, "postgresql"):
        if database_url.split(":", 1)[0] not in {"postgres", "postgresql", "pgsql"}:
            print("== postgresql: skipped (set DATABASE_URL=postgres://… to include it)")
        else:
            maintenance, bench_url = postgres_urls(database_url)
            bench_url = bench_url.replace(f"/{PG_BENCH_DB}", f"/{PG_DB}")
            try:
                recreate_pg_database(maintenance, name=PG_DB)
                results["postgresql"] = run_in_process("postgresql", bench_url, args)
            finally:
                recreate_pg_database(maintenance, drop_only=True, name=PG_DB)
    print_table(results)
    return 0 if all("error" not in r for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
