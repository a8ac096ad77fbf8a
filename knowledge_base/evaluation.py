"""Loading public labelled sets into a throw-away knowledge base, and scoring the bot on them.

The data sets (../shared/data, see its README for licences) are read at run time only: nothing from
them is stored in this repository. Each set gives a KB built from its training split (one article
per intent, some training questions as alternative phrasings) and a question file from its
development split: question,expected (expected = article slug, or "handoff" when the question is
out of scope and a person should take it).
"""

from __future__ import annotations

import csv
import json
import random
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from . import bot, indexing
from .models import Article, ArticleQuestion, ArticleStatus, Category

DATASETS = ("banking77", "bitext", "clinc150", "vicov19qa")
HANDOFF = "handoff"


def default_data_dir() -> Path:
    return Path(settings.BASE_DIR).parent / "shared" / "data"


@dataclass
class EvalSet:
    language: str
    # slug → (title, body, phrasings)
    articles: dict[str, tuple[str, str, list[str]]]
    questions: list[tuple[str, str]]  # (question, expected slug or "handoff")


def _intent_article(prefix: str, intent: str) -> tuple[str, str]:
    slug = slugify(f"{prefix}-{intent}")[:120]
    title = intent.replace("_", " ").strip().capitalize()
    return slug, title


def _from_intents(
    prefix: str,
    train: Iterable[tuple[str, str]],
    dev: Iterable[tuple[str, str]],
    phrasings: int,
    seed: int,
) -> EvalSet:
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in train:
        by_intent[intent].append(text)
    rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    articles = {}
    for intent, texts in sorted(by_intent.items()):
        slug, title = _intent_article(prefix, intent)
        chosen = texts if phrasings <= 0 else rng.sample(texts, min(phrasings, len(texts)))
        body = f"{title}.\n\n" + "\n".join(f"- {t}" for t in chosen[:3])
        articles[slug] = (title, body, chosen)
    questions = [
        (text, HANDOFF if intent == "oos" else _intent_article(prefix, intent)[0])
        for text, intent in dev
    ]
    return EvalSet(language="en", articles=articles, questions=questions)


def load_banking77(data: Path, phrasings: int, seed: int) -> EvalSet:
    # No development split is published with it: every fifth question of each intent is held
    # out for measuring, the rest build the KB.
    with open(data / "intents/banking77/train.csv", encoding="utf-8", newline="") as f:
        rows = [(r["text"], r["category"]) for r in csv.DictReader(f)]
    seen: dict[str, int] = defaultdict(int)
    train, dev = [], []
    for text, intent in rows:
        seen[intent] += 1
        (dev if seen[intent] % 5 == 0 else train).append((text, intent))
    return _from_intents("b77", train, dev, phrasings, seed)


def load_bitext(data: Path, phrasings: int, seed: int) -> EvalSet:
    def read(name: str) -> list[tuple[str, str]]:
        with open(data / "intents/bitext" / name, encoding="utf-8", newline="") as f:
            return [(r["utterance"], r["intent"]) for r in csv.DictReader(f)]

    return _from_intents("bitext", read("train.csv"), read("dev.csv"), phrasings, seed)


def load_clinc150(data: Path, phrasings: int, seed: int) -> EvalSet:
    raw = json.loads((data / "intents/clinc150/train_val.json").read_text(encoding="utf-8"))
    dev = [(t, i) for t, i in raw["val"]] + [(t, "oos") for t, _ in raw["oos_val"]]
    return _from_intents("clinc", [(t, i) for t, i in raw["train"]], dev, phrasings, seed)


def load_vicov19qa(data: Path, phrasings: int, seed: int) -> EvalSet:
    """Question → answer pairs, not intents. Every training pair is an article (title: the
    question; body: the answer). Each development pair's answer is an article too, with no
    question attached (title: its first words): the development question must find it among
    all the others by the answer's text alone."""

    def read(name: str) -> list[dict[str, str]]:
        with open(data / "faq_vi/vicov19qa" / name, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f, delimiter="|"))

    articles = {}
    for row in read("train.csv"):
        title = " ".join(row["Question"].split())[:250]
        articles[f"vc-{row['id']}"] = (title, row["Answer_1"].strip(), [])
    questions = []
    for row in read("val.csv"):
        slug = f"vc-val-{row['id']}"
        answer = row["Answer_1"].strip()
        words = answer.split()
        articles[slug] = (" ".join(words[:12]), answer, [])
        questions.append((" ".join(row["Question"].split()), slug))
    return EvalSet(language="vi", articles=articles, questions=questions)


LOADERS = {
    "banking77": load_banking77,
    "bitext": load_bitext,
    "clinc150": load_clinc150,
    "vicov19qa": load_vicov19qa,
}


@transaction.atomic
def write_kb(dataset: str, evalset: EvalSet) -> Category:
    """Replace the KB of this data set (category eval-<dataset>) in the current database."""
    slug = f"eval-{dataset}"
    old = Article.objects.filter(category__slug=slug)
    for article_id in old.values_list("pk", flat=True):
        indexing.forget_article(article_id)
    old.delete()
    category, _ = Category.objects.update_or_create(
        slug=slug,
        defaults={
            "name_vi": f"Đánh giá: {dataset}",
            "name_en": f"Evaluation: {dataset}",
            "is_active": True,
            "position": 1000,
        },
    )
    # Bulk: thousands of rows; the indexer and the bot read them like any other.
    Article.objects.bulk_create(
        [
            Article(
                category=category,
                language=evalset.language,
                title=title[:255],
                slug=article_slug,
                body=body,
                status=ArticleStatus.PUBLISHED,
            )
            for article_slug, (title, body, _) in evalset.articles.items()
        ],
        batch_size=500,
    )
    ids = dict(Article.objects.filter(category=category).values_list("slug", "pk"))
    ArticleQuestion.objects.bulk_create(
        [
            ArticleQuestion(article_id=ids[article_slug], text=text[:300], position=i)
            for article_slug, (_, _, phrasings) in evalset.articles.items()
            for i, text in enumerate(phrasings)
        ],
        batch_size=1000,
    )
    return category


def write_questions(evalset: EvalSet, out: Path) -> None:
    with open(out, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["question", "expected"])
        writer.writerows(evalset.questions)


# --- scoring ------------------------------------------------------------------------------------


@dataclass
class Report:
    questions: int
    in_scope: int
    out_of_scope: int
    top1: float
    top3: float
    answered: float
    answered_correct: float
    answered_wrong: float
    clarified: float
    handoff_rate: float
    oos_precision: float | None
    oos_recall: float | None
    median_ms: float
    p95_ms: float
    index_seconds: float

    def lines(self) -> list[str]:
        def pct(x: float | None) -> str:
            return "n/a" if x is None else f"{100 * x:.1f}%"

        return [
            f"questions               {self.questions} "
            f"(in scope {self.in_scope}, out of scope {self.out_of_scope})",
            f"top-1 accuracy          {pct(self.top1)}  (in-scope questions)",
            f"top-3 accuracy          {pct(self.top3)}",
            f"answered                {pct(self.answered)}  "
            f"(right article {pct(self.answered_correct)}, wrong {pct(self.answered_wrong)})",
            f"clarifying question     {pct(self.clarified)}",
            f"hand-off rate           {pct(self.handoff_rate)}",
            f"out-of-scope hand-off   precision {pct(self.oos_precision)}, "
            f"recall {pct(self.oos_recall)}",
            f"latency                 median {self.median_ms:.2f} ms, p95 {self.p95_ms:.2f} ms",
            f"index build             {self.index_seconds:.2f} s",
        ]


def read_questions(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or not {"question", "expected"} <= set(reader.fieldnames):
            raise ValueError("The file needs the columns question,expected.")
        return [
            ((row["question"] or "").strip(), (row["expected"] or "").strip())
            for row in reader
            if (row["question"] or "").strip()
        ]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def evaluate(
    questions: list[tuple[str, str]],
    *,
    index: bot.MatchIndex,
    index_seconds: float = 0.0,
    language: str | None = None,
) -> Report:
    in_scope = [(q, e) for q, e in questions if e and e.lower() != HANDOFF]
    out_scope = [(q, e) for q, e in questions if not e or e.lower() == HANDOFF]
    top1 = top3 = answered = correct = wrong = clarified = handoffs = oos_handoffs = 0
    latencies = []
    for question, expected in questions:
        decision = bot.decide(question=question, language=language, index=index)
        latencies.append(decision.seconds * 1000)
        slugs = [c.slug for c in decision.candidates]
        scoped = bool(expected) and expected.lower() != HANDOFF
        if scoped:
            top1 += slugs[:1] == [expected]
            top3 += expected in slugs[:3]
        if decision.kind == "answer":
            answered += 1
            if scoped and slugs[0] == expected:
                correct += 1
            else:
                wrong += 1
        elif decision.kind == "clarify":
            clarified += 1
        else:
            handoffs += 1
            oos_handoffs += not scoped
    n = len(questions) or 1
    return Report(
        questions=len(questions),
        in_scope=len(in_scope),
        out_of_scope=len(out_scope),
        top1=top1 / (len(in_scope) or 1),
        top3=top3 / (len(in_scope) or 1),
        answered=answered / n,
        answered_correct=correct / n,
        answered_wrong=wrong / n,
        clarified=clarified / n,
        handoff_rate=handoffs / n,
        oos_precision=(oos_handoffs / handoffs if handoffs else 0.0) if out_scope else None,
        oos_recall=oos_handoffs / len(out_scope) if out_scope else None,
        median_ms=statistics.median(latencies) if latencies else 0.0,
        p95_ms=percentile(latencies, 0.95),
        index_seconds=index_seconds,
    )
