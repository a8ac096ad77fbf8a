"""Scoring an analyser on labelled text: accuracy, macro-F1 and the confusion matrix, and readers
for a plain text,label CSV and for the native formats of the three development sets."""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .base import LABELS, NEGATIVE, NEUTRAL, POSITIVE, Analyser

LABEL_ALIASES = {
    "negative": NEGATIVE,
    "neg": NEGATIVE,
    "-1": NEGATIVE,
    "neutral": NEUTRAL,
    "neu": NEUTRAL,
    "0": NEUTRAL,
    "positive": POSITIVE,
    "pos": POSITIVE,
    "1": POSITIVE,
}


def normalise_label(raw: str) -> str | None:
    return LABEL_ALIASES.get((raw or "").strip().lower())


def _open_csv(path: Path) -> Iterator[dict[str, str]]:
    csv.field_size_limit(10_000_000)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def read_text_label_csv(path: Path) -> Iterator[tuple[str, str]]:
    """Rows of a CSV with columns text,label (negative/neutral/positive, or neg/neu/pos, or
    -1/0/1). Rows with another label are skipped."""
    for row in _open_csv(path):
        label = normalise_label(row.get("label", ""))
        if label is not None:
            yield row.get("text", "") or "", label


def read_visfd(path: Path) -> Iterator[tuple[str, str]]:
    """UIT-ViSFD: comment + n_star; stars 1–2 negative, 3 neutral, 4–5 positive."""
    for row in _open_csv(path):
        try:
            stars = int(row["n_star"])
        except (KeyError, TypeError, ValueError):
            continue
        label = NEGATIVE if stars <= 2 else NEUTRAL if stars == 3 else POSITIVE
        yield row.get("comment", "") or "", label


def read_vsfc(folder: Path) -> Iterator[tuple[str, str]]:
    """UIT-VSFC: sents.txt and sentiments.txt, one per line; 0 neg, 1 neu, 2 pos."""
    names = {"0": NEGATIVE, "1": NEUTRAL, "2": POSITIVE}
    sents = (folder / "sents.txt").read_text(encoding="utf-8").splitlines()
    labels = (folder / "sentiments.txt").read_text(encoding="utf-8").splitlines()
    for text, raw in zip(sents, labels, strict=False):
        if raw.strip() in names:
            yield text, names[raw.strip()]


def read_airline(path: Path) -> Iterator[tuple[str, str]]:
    """Figure Eight airline tweets: text + airline_sentiment."""
    for row in _open_csv(path):
        label = normalise_label(row.get("airline_sentiment", ""))
        if label is not None:
            yield row.get("text", "") or "", label


FORMATS = {
    "csv": read_text_label_csv,
    "visfd": read_visfd,
    "vsfc": read_vsfc,
    "airline": read_airline,
}


def guess_format(path: Path) -> str:
    if path.is_dir():
        return "vsfc"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = handle.readline().lower()
    if "n_star" in header:
        return "visfd"
    if "airline_sentiment" in header:
        return "airline"
    return "csv"


@dataclass
class Report:
    total: int = 0
    correct: int = 0
    matrix: dict[str, dict[str, int]] = field(
        default_factory=lambda: {gold: dict.fromkeys(LABELS, 0) for gold in LABELS}
    )

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def f1(self, label: str) -> float:
        tp = self.matrix[label][label]
        predicted = sum(self.matrix[gold][label] for gold in LABELS)
        actual = sum(self.matrix[label].values())
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    @property
    def macro_f1(self) -> float:
        present = [label for label in LABELS if sum(self.matrix[label].values())]
        return sum(self.f1(label) for label in present) / len(present) if present else 0.0

    def render(self) -> str:
        lines = [
            f"rows: {self.total}",
            f"accuracy: {self.accuracy:.4f}",
            f"macro-F1: {self.macro_f1:.4f}",
            "confusion matrix (rows = true label, columns = predicted):",
            f"{'':>10} " + " ".join(f"{label:>9}" for label in LABELS),
        ]
        for gold in LABELS:
            counts = " ".join(f"{self.matrix[gold][pred]:>9}" for pred in LABELS)
            lines.append(f"{gold:>10} {counts}")
        return "\n".join(lines)


def evaluate(analyser: Analyser, rows: Iterable[tuple[str, str]]) -> Report:
    report = Report()
    for text, gold in rows:
        predicted = analyser.analyse(text).label
        report.total += 1
        report.correct += predicted == gold
        report.matrix[gold][predicted] += 1
    return report
