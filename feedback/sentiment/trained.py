"""A model a business trains on its own labelled messages (`manage.py train_sentiment`):
multinomial naive Bayes over words and word pairs of the normalised text. Plain Python and a JSON
file, so training needs no extra package and loading a model never unpickles code."""

import json
import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from .base import LABELS, NEUTRAL, SentimentResult
from .text import strip_diacritics, tokens

FORMAT = "cim-naive-bayes-1"


def features(text: str) -> list[str]:
    # Accents stripped so a customer who types without them meets the same features.
    words = [strip_diacritics(w) for w, _shout in tokens(text) if w not in ("|", "!")]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


class NaiveBayesAnalyser:
    def __init__(self, data: dict) -> None:
        if data.get("format") != FORMAT:
            raise ValueError("not a sentiment model written by train_sentiment")
        self.version = str(data["version"])
        self.priors: dict[str, float] = data["priors"]
        self.likelihoods: dict[str, dict[str, float]] = data["likelihoods"]
        self.unseen: dict[str, float] = data["unseen"]

    @classmethod
    def load(cls, path: Path) -> "NaiveBayesAnalyser":
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def analyse(self, text: str) -> SentimentResult:
        feats = features(text)
        logs = {}
        for label, prior in self.priors.items():
            table = self.likelihoods[label]
            fallback = self.unseen[label]
            logs[label] = prior + sum(table.get(f, fallback) for f in feats)
        best = max(logs, key=lambda label: logs[label])
        top = max(logs.values())
        total = sum(math.exp(v - top) for v in logs.values())
        probs = {label: math.exp(v - top) / total for label, v in logs.items()}
        score = probs.get("positive", 0.0) - probs.get("negative", 0.0)
        return SentimentResult(label=best, score=round(score, 4), version=self.version)


def train(rows: Iterable[tuple[str, str]], *, version: str, alpha: float = 1.0) -> dict:
    """The model as a JSON-ready dict. Features seen once in the whole set are dropped to keep the
    file small and the model from memorising typos."""
    docs: Counter[str] = Counter()
    counts: dict[str, Counter[str]] = {label: Counter() for label in LABELS}
    for text, label in rows:
        docs[label] += 1
        counts[label].update(features(text))
    seen = [label for label in LABELS if docs[label]]
    if len(seen) < 2:
        raise ValueError("training needs examples of at least two labels")
    overall: Counter[str] = Counter()
    for label in seen:
        overall.update(counts[label])
    vocab = {f for f, n in overall.items() if n > 1}
    n_docs = sum(docs.values())
    model: dict = {
        "format": FORMAT,
        "version": version,
        "priors": {},
        "likelihoods": {},
        "unseen": {},
        "examples": dict(docs),
    }
    for label in seen:
        total = sum(n for f, n in counts[label].items() if f in vocab) + alpha * (len(vocab) + 1)
        model["priors"][label] = math.log(docs[label] / n_docs)
        model["likelihoods"][label] = {
            f: round(math.log((counts[label][f] + alpha) / total), 5)
            for f in vocab
            if counts[label][f]
        }
        model["unseen"][label] = math.log(alpha / total)
    return model


__all__ = ["NEUTRAL", "NaiveBayesAnalyser", "features", "train"]
