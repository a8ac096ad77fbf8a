"""The analyser interface: any analyser turns a text into a label, a score in [-1, 1] and the
version that produced it, so stored labels can be traced to the analyser and re-run later."""

from dataclasses import dataclass
from typing import Protocol

NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"
LABELS = (NEGATIVE, NEUTRAL, POSITIVE)


@dataclass(frozen=True)
class SentimentResult:
    label: str
    score: float  # -1 very negative … +1 very positive
    version: str


class Analyser(Protocol):
    version: str

    def analyse(self, text: str) -> SentimentResult: ...
