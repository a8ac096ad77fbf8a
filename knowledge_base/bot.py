"""The answer-matching engine of the chatbot: a customer's question → ranked articles → a decision.

    decision = decide(question="làm sao đổi mật khẩu", language="vi")
    decision.kind        # "answer" | "clarify" | "handoff"
    decision.candidates  # best first, with scores in [0, 1]

Offline and light: TF-IDF vectors over folded words, word pairs and letter trigrams (so typos and
missing diacritics still match), compared with every phrasing of an article (its title and its
alternative questions) and with the article's centroid. No model, no GPU; a knowledge base of
5,000 articles answers in milliseconds (see docs/bot.md for measured figures).

The decision:
- hand-off when the customer asks for a person, when the caller says the sentiment is very
  negative, or when the best score is below the answer threshold;
- clarify when the two best articles are close (within the margin) — the bot asks which one;
- answer otherwise.
The thresholds were chosen on development splits of public intent sets (docs/bot.md) and can be
changed in settings (CIM_BOT_ANSWER_THRESHOLD, CIM_BOT_CLARIFY_MARGIN).
"""

from __future__ import annotations

import math
import re
import threading
import time
from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max
from django.utils import translation
from django.utils.translation import gettext as _

from . import indexing
from .errors import KnowledgeBaseError, KnowledgeBaseErrorCode
from .models import Article, ArticleQuestion, ArticleStatus, Category
from .selectors import public_language
from .text import STOPWORDS, fold, tokens

# Longer questions are cut: the start says what the customer wants, and the cost stays bounded.
MAX_QUESTION_CHARS = 1000
TOP_K = 5
ANSWER_THRESHOLD = 0.3
CLARIFY_MARGIN = 0.04
NEGATIVE_SENTIMENT = -0.6
# Feature weights and the share of the best single phrasing (vs the article's centroid) in a
# score; chosen on the development splits (docs/bot.md).
CHAR_WEIGHT = 0.6
PAIR_WEIGHT = 0.8
BEST_WEIGHT = 0.3
# The body alone rarely says what question it answers as well as a phrasing does; it decides
# only for articles with no matching phrasing (an FAQ answer without alternative questions).
BODY_WEIGHT = 0.8
BODY_WORDS = 200
# Share of a score kept when an article contains none of the question's words.
COVERAGE_FLOOR = 0.5
# A feature shared by more rows than this is not scored (see _Postings).
MIN_POSTINGS_CAP = 500
POSTINGS_CAP_SHARE = 0.03

# Folded phrases that ask for a person. Matched on word boundaries.
PERSON_REQUEST_PHRASES = (
    # Vietnamese
    "gap nhan vien",
    "noi chuyen voi nhan vien",
    "noi chuyen voi nguoi",
    "chuyen nhan vien",
    "chuyen cho nhan vien",
    "nhan vien tu van",
    "nhan vien ho tro",
    "tu van vien",
    "tong dai vien",
    "gap nguoi that",
    "nguoi that",
    "gap tu van",
    "goi nhan vien",
    "can nguoi ho tro",
    # English
    "talk to a human",
    "speak to a human",
    "talk to human",
    "a real person",
    "real human",
    "human agent",
    "live agent",
    "live person",
    "talk to an agent",
    "speak to an agent",
    "talk to someone",
    "speak to someone",
    "talk to a person",
    "speak to a person",
    "customer service representative",
    "a representative",
    "an operator",
)
_PERSON_RE = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in PERSON_REQUEST_PHRASES) + r")\b")


@dataclass(frozen=True)
class Candidate:
    article_id: int
    slug: str
    title: str
    language: str
    score: float


@dataclass
class Decision:
    kind: str  # "answer" | "clarify" | "handoff"
    reason: (
        str  # confident | close_candidates | asked_for_person | negative_sentiment | not_confident
    )
    candidates: list[Candidate] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0

    @property
    def article(self) -> Candidate | None:
        return self.candidates[0] if self.kind == "answer" and self.candidates else None


# --- vectors ------------------------------------------------------------------------------------

Vector = dict[str, float]


def features(text: str) -> dict[str, float]:
    """Raw feature counts: words, neighbouring word pairs, letter trigrams of each word."""
    words = tokens(text)
    counts: dict[str, float] = defaultdict(float)
    for word in words:
        if word not in STOPWORDS:
            counts["w" + word] += 1.0
        padded = f"#{word}#"
        for i in range(len(padded) - 2):
            counts["c" + padded[i : i + 3]] += CHAR_WEIGHT
    for first, second in zip(words, words[1:], strict=False):
        counts["b" + first + " " + second] += PAIR_WEIGHT
    return counts


def _word_features(text: str) -> dict[str, float]:
    """Words of a body (its start: an FAQ answer says what it is about first)."""
    counts: dict[str, float] = defaultdict(float)
    for word in tokens(text)[:BODY_WORDS]:
        if word not in STOPWORDS:
            counts["w" + word] += 1.0
    return counts


def _weigh(counts: dict[str, float], idf: dict[str, float]) -> Vector:
    vector = {
        f: (1.0 + math.log(c) if c >= 1 else c) * idf[f] for f, c in counts.items() if f in idf
    }
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {f: v / norm for f, v in vector.items()} if norm else {}


class _Postings:
    """Feature → rows and weights (two compact arrays): dot products with a query touch only the
    rows that share a feature with it. Features found in very many rows are skipped when
    scoring: they cost the most and tell the rows apart the least."""

    def __init__(self, vectors: list[Vector]) -> None:
        lists: dict[str, tuple[array, array]] = {}
        for row, vector in enumerate(vectors):
            for feature, weight in vector.items():
                entry = lists.get(feature)
                if entry is None:
                    entry = lists[feature] = (array("i"), array("f"))
                entry[0].append(row)
                entry[1].append(weight)
        self.index = lists
        self.cap = max(MIN_POSTINGS_CAP, int(POSTINGS_CAP_SHARE * len(vectors)))

    def dot(self, query: Vector) -> dict[int, float]:
        scores: dict[int, float] = defaultdict(float)
        for feature, q_weight in query.items():
            entry = self.index.get(feature)
            if entry is None or len(entry[0]) > self.cap:
                continue
            for row, weight in zip(entry[0], entry[1], strict=True):
                scores[row] += q_weight * weight
        return scores


@dataclass(frozen=True)
class KBEntry:
    article_id: int
    slug: str
    title: str
    language: str
    phrasings: tuple[str, ...]
    body: str = ""  # folded words of the body (Article.search_body)


class MatchIndex:
    """Vectors of every phrasing of every article and of each article's centroid."""

    def __init__(self, entries: Iterable[KBEntry]) -> None:
        self.entries = list(entries)
        phrasing_counts: list[dict[str, float]] = []
        self.phrasing_owner: list[int] = []
        for position, entry in enumerate(self.entries):
            for text in entry.phrasings:
                phrasing_counts.append(features(text))
                self.phrasing_owner.append(position)
        total = len(phrasing_counts) or 1
        df: dict[str, int] = defaultdict(int)
        for counts in phrasing_counts:
            for feature in counts:
                df[feature] += 1
        self.idf = {f: math.log((1 + total) / (1 + n)) + 1.0 for f, n in df.items()}
        # Features in most phrasings say little and cost the most to score: left out of queries.
        self.common = {f for f, n in df.items() if n > 0.2 * total and total > 50}
        vectors = [_weigh(c, self.idf) for c in phrasing_counts]
        self.phrasings = _Postings(vectors)
        centroids: list[Vector] = [dict() for _ in self.entries]
        for owner, vector in zip(self.phrasing_owner, vectors, strict=True):
            target = centroids[owner]
            for f, v in vector.items():
                target[f] = target.get(f, 0.0) + v
        normed = []
        for centroid in centroids:
            norm = math.sqrt(sum(v * v for v in centroid.values()))
            normed.append({f: v / norm for f, v in centroid.items()} if norm else {})
        self.centroids = _Postings(normed)
        body_counts = [_word_features(entry.body) for entry in self.entries]
        body_df: dict[str, int] = defaultdict(int)
        for counts in body_counts:
            for feature in counts:
                body_df[feature] += 1
        n_bodies = len(body_counts) or 1
        self.body_idf = {f: math.log((1 + n_bodies) / (1 + n)) + 1.0 for f, n in body_df.items()}
        self.bodies = _Postings([_weigh(c, self.body_idf) for c in body_counts])
        # The words of each article, to see how much of a question it covers.
        self.words = [
            frozenset(w for text in entry.phrasings for w in tokens(text) if w not in STOPWORDS)
            | frozenset(tokens(entry.body)[:BODY_WORDS])
            for entry in self.entries
        ]

    def rank(
        self, question: str, *, language: str | None = None, top: int = TOP_K
    ) -> list[Candidate]:
        counts = features(question[:MAX_QUESTION_CHARS])
        query = _weigh({f: c for f, c in counts.items() if f not in self.common}, self.idf)
        if not query:
            return []
        best: dict[int, float] = defaultdict(float)
        for row, score in self.phrasings.dot(query).items():
            owner = self.phrasing_owner[row]
            best[owner] = max(best[owner], score)
        centroid = self.centroids.dot(query)
        body_query = _weigh(_word_features(question[:MAX_QUESTION_CHARS]), self.body_idf)
        body = self.bodies.dot(body_query) if body_query else {}
        asked = {w for w in tokens(question[:MAX_QUESTION_CHARS]) if w not in STOPWORDS}
        combined = []
        for owner in set(best) | set(body):
            entry = self.entries[owner]
            if language and entry.language != language:
                continue
            phrased = BEST_WEIGHT * best.get(owner, 0.0) + (1 - BEST_WEIGHT) * centroid.get(
                owner, 0.0
            )
            score = max(phrased, BODY_WEIGHT * body.get(owner, 0.0))
            # Letter trigrams make near-misses score too ("giá" ~ "giao"): an article that shares
            # few of the question's words is trusted less.
            covered = len(asked & self.words[owner]) / len(asked) if asked else 1.0
            combined.append((score * (COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * covered), owner))
        combined.sort(reverse=True)
        return [
            Candidate(
                article_id=self.entries[o].article_id,
                slug=self.entries[o].slug,
                title=self.entries[o].title,
                language=self.entries[o].language,
                score=round(min(1.0, s), 4),
            )
            for s, o in combined[:top]
        ]


# --- the index of the current knowledge base, rebuilt when it changes ----------------------------


def knowledge_base_stamp() -> tuple:
    """Changes whenever what the bot may answer with changes (three small aggregate queries)."""
    articles = Article.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    questions = ArticleQuestion.objects.aggregate(n=Count("id"), last=Max("id"))
    categories = Category.objects.filter(is_active=True).aggregate(n=Count("id"), s=Max("id"))
    return (
        str(connection.settings_dict["NAME"]),
        articles["n"],
        articles["last"],
        questions["n"],
        questions["last"],
        categories["n"],
        categories["s"],
    )


def load_entries(*, category_slug: str | None = None) -> list[KBEntry]:
    """Every published article of an active category (or of one category) with its phrasings."""
    articles = Article.objects.filter(status=ArticleStatus.PUBLISHED, category__is_active=True)
    if category_slug:
        articles = articles.filter(category__slug=category_slug)
    rows = list(
        articles.order_by("id").values_list("id", "slug", "title", "language", "search_body")
    )
    phrasings: dict[int, list[str]] = defaultdict(list)
    for article_id, text in ArticleQuestion.objects.filter(
        article_id__in=[r[0] for r in rows]
    ).values_list("article_id", "text"):
        phrasings[article_id].append(text)
    return [
        KBEntry(
            article_id=pk,
            slug=slug,
            title=title,
            language=lang,
            phrasings=(title, *phrasings[pk]),
            body=body,
        )
        for pk, slug, title, lang, body in rows
    ]


_lock = threading.Lock()
_cached: tuple[tuple, MatchIndex] | None = None


def current_index() -> MatchIndex:
    global _cached
    # Bodies come from the search columns: bring them up to date first (one indexed query when
    # nothing changed).
    indexing.refresh_pending()
    stamp = knowledge_base_stamp()
    cached = _cached
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        cached = _cached
        if cached is not None and cached[0] == stamp:
            return cached[1]
        index = MatchIndex(load_entries())
        _cached = (stamp, index)
        return index


def clear_cache() -> None:
    global _cached
    _cached = None


# --- the decision -------------------------------------------------------------------------------


def asks_for_person(question: str) -> bool:
    return bool(_PERSON_RE.search(" ".join(tokens(fold(question)))))


def decide(
    *,
    question: str,
    language: str | None = None,
    sentiment: float | None = None,
    index: MatchIndex | None = None,
) -> Decision:
    """What the bot should do with this question. `language` limits the answers to articles in
    that language (None: both). `sentiment` in [-1, 1], when the caller has one."""
    started = time.perf_counter()
    text = (question or "").strip()[:MAX_QUESTION_CHARS]
    if not tokens(text):
        raise KnowledgeBaseError(
            KnowledgeBaseErrorCode.EMPTY_QUESTION,
            _("Please type your question."),
            field="question",
        )
    lang = public_language(language) if language else None
    index = index or current_index()
    candidates = index.rank(text, language=lang)
    threshold = getattr(settings, "CIM_BOT_ANSWER_THRESHOLD", ANSWER_THRESHOLD)
    margin = getattr(settings, "CIM_BOT_CLARIFY_MARGIN", CLARIFY_MARGIN)
    with translation.override(lang or translation.get_language()):
        decision = _decision(text, candidates, sentiment, threshold, margin)
    decision.seconds = time.perf_counter() - started
    return decision


def _decision(
    text: str,
    candidates: list[Candidate],
    sentiment: float | None,
    threshold: float,
    margin: float,
) -> Decision:
    if asks_for_person(text):
        return Decision(
            "handoff",
            "asked_for_person",
            candidates,
            _("Of course. Let me put you through to one of our team."),
        )
    if sentiment is not None and sentiment <= NEGATIVE_SENTIMENT:
        return Decision(
            "handoff",
            "negative_sentiment",
            candidates,
            _("I am sorry about this. Let me put you through to one of our team."),
        )
    if not candidates or candidates[0].score < threshold:
        return Decision(
            "handoff",
            "not_confident",
            candidates,
            _("I am not sure I can answer that. Let me put you through to one of our team."),
        )
    if len(candidates) > 1 and candidates[0].score - candidates[1].score < margin:
        first, second = candidates[0], candidates[1]
        return Decision(
            "clarify",
            "close_candidates",
            candidates,
            _("Do you mean “%(first)s” or “%(second)s”?")
            % {"first": first.title, "second": second.title},
        )
    return Decision(
        "answer",
        "confident",
        candidates,
        _("This article may help: “%(title)s”.") % {"title": candidates[0].title},
    )
