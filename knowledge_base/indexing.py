"""Keeps the search columns and the database's own text index in step with the articles.

Every save of an article sets `needs_index`; so do the services that change its alternative
questions or tags. `refresh_pending()` indexes those rows; search and the bot call it before
they read, and services call it after commit, so an edit is searchable at once whichever path
wrote it (admin, API, bulk load, demo data).

What is indexed: the folded words (see knowledge_base.text) of the title, the alternative
questions and the tags ("title" part, weighted high) and of the body as a reader sees it.
- SQLite: an FTS5 table, rowid = article id (migration 0003).
- PostgreSQL: Article.search_vector, built with unaccent + to_tsvector('simple'), GIN indexed.
- Both: SearchTerm, the vocabulary that misspelt query words are corrected against.
"""

from collections.abc import Iterable
from functools import cache

from django.db import connection, transaction

from .models import Article, SearchTerm
from .text import markdown_to_text, normalised

FTS_TABLE = "knowledge_base_article_fts"
BATCH = 500


@cache
def _sqlite_fts_exists(alias_db_name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS_TABLE]
        )
        return cursor.fetchone() is not None


def fts_available() -> bool:
    """True when this database has the SQLite FTS5 table (the name of the database file is
    part of the key: tests and benches open several)."""
    if connection.vendor != "sqlite":
        return False
    return _sqlite_fts_exists(str(connection.settings_dict["NAME"]))


def title_text(article: Article, questions: Iterable[str], tags: Iterable[str]) -> str:
    return "\n".join([article.title, *questions, *tags])


def _documents(articles: list[Article]) -> list[tuple[Article, str, str, str, str]]:
    """(article, raw title part, raw body text, folded title part, folded body)."""
    docs = []
    for article in articles:
        raw_title = title_text(
            article,
            [q.text for q in article.questions.all()],
            [t.name for t in article.tags.all()],
        )
        raw_body = markdown_to_text(article.body)
        docs.append((article, raw_title, raw_body, normalised(raw_title), normalised(raw_body)))
    return docs


def index_articles(ids: Iterable[int]) -> int:
    """Index these articles now. Returns how many rows were written."""
    ids = list(ids)
    written = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        articles = list(
            Article.objects.filter(pk__in=chunk)
            .only("id", "title", "body", "updated_at")
            .prefetch_related("questions", "tags")
        )
        docs = _documents(articles)
        with transaction.atomic():
            _write_columns(docs)
            if connection.vendor == "postgresql":
                _write_postgres_vectors(docs)
            elif fts_available():
                _write_fts(docs, deleted=set(chunk) - {a.pk for a in articles})
            _add_terms(docs)
        written += len(docs)
    return written


def _write_columns(docs: list[tuple[Article, str, str, str, str]]) -> None:
    # Guarded by updated_at: an article saved again while we read it keeps needs_index set and
    # is picked up by the next pass instead of being marked clean with stale words.
    table = Article._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET search_title = %s, search_body = %s, needs_index = %s "  # noqa: S608
            "WHERE id = %s AND updated_at = %s",
            [
                (title, body, False, a.pk, connection.ops.adapt_datetimefield_value(a.updated_at))
                for a, _, _, title, body in docs
            ],
        )


def _write_postgres_vectors(docs: list[tuple[Article, str, str, str, str]]) -> None:
    table = Article._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET search_vector = "  # noqa: S608
            "setweight(to_tsvector('simple', unaccent(%s)), 'A') || "
            "setweight(to_tsvector('simple', unaccent(%s)), 'C') WHERE id = %s",
            [(raw_title, raw_body, a.pk) for a, raw_title, raw_body, _, _ in docs],
        )


def _write_fts(docs: list[tuple[Article, str, str, str, str]], *, deleted: set[int]) -> None:
    ids = [a.pk for a, *_ in docs] + list(deleted)
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(i,) for i in ids])  # noqa: S608
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, search_title, search_body) VALUES (%s, %s, %s)",  # noqa: S608
            [(a.pk, title, body) for a, _, _, title, body in docs],
        )


def _add_terms(docs: list[tuple[Article, str, str, str, str]]) -> None:
    words: set[str] = set()
    for _, _, _, title, body in docs:
        words.update(title.split())
        words.update(body.split())
    SearchTerm.objects.bulk_create(
        [SearchTerm(term=word) for word in words if len(word) <= 40],
        ignore_conflicts=True,
        batch_size=1000,
    )


def forget_article(article_id: int) -> None:
    """Remove a deleted article from the SQLite text index (PostgreSQL's goes with the row)."""
    if fts_available():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [article_id])  # noqa: S608


def refresh_pending(*, limit: int = 2000) -> int:
    """Index the articles changed since they were last indexed (usually none: one indexed
    query)."""
    ids = list(
        Article.objects.filter(needs_index=True).order_by().values_list("pk", flat=True)[:limit]
    )
    return index_articles(ids) if ids else 0


def reindex_all() -> int:
    """Rebuild the whole index (after a restore, or to pick up a change of the folding)."""
    if fts_available():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    return index_articles(ids)
