"""The one search of the knowledge base, used by the help-centre pages, the API and the bot.

    result = search_articles(query="bao hanh", language="vi")
    result.hits  # [SearchHit(article, score, snippet), ...], best first

- Diacritics-insensitive: query and index are folded the same way (knowledge_base.text).
- Typo-tolerant: a query word that is not in the index vocabulary is widened to the indexed words
  within one or two edits ("hoan tein" → "hoan tien").
- Ranked: the database's text ranking (SQLite FTS5 bm25, PostgreSQL ts_rank with unaccent) picks
  candidates; they are ordered by how many query words they contain (in the title and alternative
  questions first) and then by that rank.
- Both languages: the reader's language first; when nothing matches there, the other one.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from . import indexing
from .models import Article, ArticleStatus, SearchTerm
from .selectors import public_language
from .text import content_tokens, fold, quick_plain_text, tokens

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12
CANDIDATES = 100
MATCH_CAP = 5000
SNIPPET_CHARS = 180
# Typo correction only for words long enough that one edit still says which word was meant.
MIN_CORRECTABLE = 4


@dataclass(frozen=True)
class SearchHit:
    article: Article
    score: float
    snippet: str


@dataclass
class SearchResult:
    query: str
    language: str
    hits: list[SearchHit] = field(default_factory=list)
    # query word → indexed words it was widened to
    corrections: dict[str, list[str]] = field(default_factory=dict)
    # True when the hits are in the other language because none matched in the reader's
    other_language: bool = False

    @property
    def found(self) -> bool:
        return bool(self.hits)


# --- vocabulary and typo correction ------------------------------------------------------------


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def damerau_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal string alignment distance (insert, delete, substitute, swap neighbours)."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


class Vocabulary:
    """Indexed words, with a map from each one-letter deletion to the words it came from (the
    symmetric-delete method: two words within one edit share a deletion or contain each other)."""

    def __init__(self, words: list[str]) -> None:
        self.words = set(words)
        self._by_delete: dict[str, str] = {}
        for word in self.words:
            if len(word) < MIN_CORRECTABLE or word.isdigit():
                continue
            for deleted in _deletes(word):
                # Space-joined strings, not sets: a tenth of the memory for a large vocabulary.
                known = self._by_delete.get(deleted)
                self._by_delete[deleted] = f"{known} {word}" if known else word

    def corrections(self, word: str, *, limit: int = 3) -> list[str]:
        if word in self.words or len(word) < MIN_CORRECTABLE or word.isdigit():
            return []
        candidates: set[str] = set()
        for key in (word, *_deletes(word)):
            if key in self.words:
                candidates.add(key)
            found = self._by_delete.get(key)
            if found:
                candidates.update(found.split(" "))
        max_distance = 1 if len(word) <= 5 else 2
        scored = sorted((damerau_distance(word, c), abs(len(c) - len(word)), c) for c in candidates)
        return [c for d, _, c in scored if d <= max_distance][:limit]


_vocab_lock = threading.Lock()
_vocab_cache: dict[str, tuple[int, Vocabulary]] = {}


def vocabulary() -> Vocabulary:
    # Words are only ever added, so their count says whether the cached copy is current.
    key = str(connection.settings_dict["NAME"])
    count = SearchTerm.objects.count()
    cached = _vocab_cache.get(key)
    if cached and cached[0] == count:
        return cached[1]
    with _vocab_lock:
        vocab = Vocabulary(list(SearchTerm.objects.values_list("term", flat=True)))
        _vocab_cache[key] = (count, vocab)
    return vocab


def clear_caches() -> None:
    _vocab_cache.clear()
    indexing._sqlite_fts_exists.cache_clear()


# --- query → groups of alternative words --------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One query word and what it may match: itself, its corrections, or (as you type) any
    indexed word it starts."""

    word: str
    alternatives: tuple[str, ...]
    prefix: bool = False

    def matches(self, words: set[str]) -> bool:
        if self.prefix:
            return any(w.startswith(self.word) for w in words) or bool(
                words.intersection(self.alternatives)
            )
        return bool(words.intersection(self.alternatives))


def build_groups(query: str, *, prefix: bool) -> tuple[list[Group], dict[str, list[str]]]:
    words = content_tokens(query[:MAX_QUERY_CHARS])[:MAX_QUERY_WORDS]
    vocab = vocabulary()
    groups: list[Group] = []
    corrections: dict[str, list[str]] = {}
    for position, word in enumerate(words):
        as_prefix = prefix and position == len(words) - 1
        fixed = [] if as_prefix else vocab.corrections(word)
        if fixed:
            corrections[word] = fixed
        groups.append(Group(word=word, alternatives=(word, *fixed), prefix=as_prefix))
    return groups, corrections


# --- candidates from the database ----------------------------------------------------------------


def _fts5_expression(groups: list[Group], *, every: bool) -> str:
    # Words are [a-z0-9]+ (text.tokens), so quoting them is all the escaping FTS5 needs.
    parts = []
    for group in groups:
        terms = [f'"{w}"' for w in group.alternatives]
        if group.prefix:
            terms.append(f'"{group.word}"*')
        parts.append("(" + " OR ".join(terms) + ")")
    return (" AND " if every else " OR ").join(parts)


def _tsquery_expression(groups: list[Group], *, every: bool) -> str:
    parts = []
    for group in groups:
        terms = list(group.alternatives)
        if group.prefix:
            terms.append(f"{group.word}:*")
        parts.append("(" + " | ".join(terms) + ")")
    return (" & " if every else " | ").join(parts)


_PUBLIC_SQL = (
    "a.status = %s AND c.is_active = %s AND a.language IN ({langs})"  # placeholders filled below
)


def _candidates_sqlite(
    groups: list[Group], languages: list[str], every: bool
) -> list[tuple[int, float]]:
    sql = (
        f"SELECT f.rowid, bm25({indexing.FTS_TABLE}, 4.0, 1.0) AS rank "  # noqa: S608
        f"FROM {indexing.FTS_TABLE} f "
        "JOIN knowledge_base_article a ON a.id = f.rowid "
        "JOIN knowledge_base_category c ON c.id = a.category_id "
        f"WHERE {indexing.FTS_TABLE} MATCH %s AND "
        + _PUBLIC_SQL.format(langs=", ".join(["%s"] * len(languages)))
        + " ORDER BY rank LIMIT %s"
    )
    params = [
        _fts5_expression(groups, every=every),
        ArticleStatus.PUBLISHED,
        True,
        *languages,
        CANDIDATES,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # bm25() is lower for better matches.
        return [(row[0], -float(row[1])) for row in cursor.fetchall()]


def _candidates_postgres(
    groups: list[Group], languages: list[str], every: bool
) -> list[tuple[int, float]]:
    # Matched through the GIN index first (a materialised CTE): left to itself the planner may
    # walk the status/language index and test the vector of every public row. ts_rank reads
    # each match's vector, so when common words match much of the table only the first
    # MATCH_CAP matches are ranked.
    expression = _tsquery_expression(groups, every=every)
    sql = (
        "WITH matched AS MATERIALIZED ("  # noqa: S608 - placeholders only
        "SELECT a.id, a.search_vector, a.status, a.language, a.category_id "
        "FROM knowledge_base_article a "
        "WHERE a.search_vector @@ to_tsquery('simple', unaccent(%s)) LIMIT %s) "
        "SELECT a.id, ts_rank(a.search_vector, to_tsquery('simple', unaccent(%s))) AS rank "
        "FROM matched a JOIN knowledge_base_category c ON c.id = a.category_id "
        "WHERE "
        + _PUBLIC_SQL.format(langs=", ".join(["%s"] * len(languages)))
        + " ORDER BY rank DESC LIMIT %s"
    )
    params = [
        expression,
        MATCH_CAP,
        expression,
        ArticleStatus.PUBLISHED,
        True,
        *languages,
        CANDIDATES,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], float(row[1])) for row in cursor.fetchall()]


def _candidates_scan(groups: list[Group], languages: list[str]) -> list[tuple[int, float]]:
    """SQLite built without FTS5: a substring filter on the folded columns."""
    condition = Q()
    for group in groups:
        for word in group.alternatives:
            condition |= Q(search_title__contains=word) | Q(search_body__contains=word)
    rows = (
        Article.objects.filter(
            condition,
            status=ArticleStatus.PUBLISHED,
            category__is_active=True,
            language__in=languages,
        )
        .order_by("-view_count")
        .values_list("pk", flat=True)[:CANDIDATES]
    )
    return [(pk, 0.0) for pk in rows]


def _candidates(
    groups: list[Group], languages: list[str], *, every: bool
) -> list[tuple[int, float]]:
    if connection.vendor == "postgresql":
        return _candidates_postgres(groups, languages, every)
    if indexing.fts_available():
        return _candidates_sqlite(groups, languages, every)
    return _candidates_scan(groups, languages)


def _find(groups: list[Group], languages: list[str], limit: int) -> list[SearchHit]:
    """Articles with every query word first (a cheap, selective query); only when there are
    none, articles with some of them."""
    hits = _rank(groups, _candidates(groups, languages, every=True), limit)
    if not hits and len(groups) > 1:
        hits = _rank(groups, _candidates(groups, languages, every=False), limit)
    return hits


# --- ranking ------------------------------------------------------------------------------------


def _coverage(groups: list[Group], title_words: set[str], body_words: set[str]) -> float:
    score = 0.0
    for group in groups:
        if group.matches(title_words):
            score += 2.0
        elif group.matches(body_words):
            score += 1.0
    return score


def _snippet(body: str, groups: list[Group]) -> str:
    # The light conversion: rendering Markdown for each of 20 hits would cost more than the
    # search itself.
    plain = quick_plain_text(body[:20_000])
    # fold() maps each precomposed Vietnamese letter to one letter, so positions line up.
    folded = "".join((fold(ch) or " ")[:1] for ch in plain)
    start = 0
    for group in groups:
        for word in group.alternatives:
            at = folded.find(word)
            if at >= 0:
                start = max(0, at - 40)
                break
        else:
            continue
        break
    text = plain[start : start + SNIPPET_CHARS]
    if start > 0:
        text = "…" + text.split(" ", 1)[-1]
    if start + SNIPPET_CHARS < len(plain):
        text = text.rsplit(" ", 1)[0] + "…"
    return text


def _rank(groups: list[Group], candidates: list[tuple[int, float]], limit: int) -> list[SearchHit]:
    if not candidates:
        return []
    db_rank = dict(candidates)
    articles = (
        Article.objects.filter(pk__in=db_rank)
        .select_related("category")
        .defer("body", "search_vector")
    )
    # A hit must contain at least half of the query words: one shared common word is noise.
    needed = max(1, math.ceil(len(groups) / 2))
    scored = []
    for article in articles:
        title_words = set(article.search_title.split())
        body_words = set(article.search_body.split())
        matched = sum(1 for g in groups if g.matches(title_words) or g.matches(body_words))
        if matched < needed:
            continue
        coverage = _coverage(groups, title_words, body_words)
        scored.append((coverage, db_rank[article.pk], -article.view_count, article))
    scored.sort(key=lambda row: (-row[0], -row[1], row[2], row[3].pk))
    return [
        SearchHit(article=article, score=round(coverage + rank / 100, 4), snippet="")
        for coverage, rank, _, article in scored[:limit]
    ]


def search_articles(
    *, query: str, language: str | None, limit: int = 20, prefix: bool = False
) -> SearchResult:
    """Published articles of active categories matching the query, best first. `prefix` treats
    the last word as unfinished (suggestions while typing)."""
    lang = public_language(language)
    result = SearchResult(query=(query or "")[:MAX_QUERY_CHARS].strip(), language=lang)
    if not tokens(result.query):
        return result
    indexing.refresh_pending()
    groups, result.corrections = build_groups(result.query, prefix=prefix)
    limit = max(1, min(limit, 50))
    hits = _find(groups, [lang], limit)
    if not hits:
        other = "en" if lang == "vi" else "vi"
        hits = _find(groups, [other], limit)
        result.other_language = bool(hits)
    bodies = dict(
        Article.objects.filter(pk__in=[h.article.pk for h in hits]).values_list("pk", "body")
    )
    result.hits = [
        SearchHit(article=h.article, score=h.score, snippet=_snippet(bodies[h.article.pk], groups))
        for h in hits
    ]
    return result
