"""Sentiment of customer text: `get_analyser().analyse(text)` → SentimentResult(label, score,
version).

Which analyser: settings.CIM_SENTIMENT_ANALYSER — "lexicon" (the offline Vietnamese + English
default), "trained" (the model `manage.py train_sentiment` wrote to CIM_SENTIMENT_MODEL_PATH), or
"auto" (the trained model when its file exists, else the lexicon)."""

import logging
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import LABELS, NEGATIVE, NEUTRAL, POSITIVE, Analyser, SentimentResult
from .lexicon import LexiconAnalyser

log = logging.getLogger(__name__)


def model_path() -> Path:
    return Path(settings.CIM_SENTIMENT_MODEL_PATH)


@lru_cache(maxsize=1)
def _cached(choice: str, path: str, mtime: float) -> Analyser:
    if choice == "lexicon":
        return LexiconAnalyser()
    from .trained import NaiveBayesAnalyser

    file = Path(path)
    if choice == "trained" or file.exists():
        try:
            return NaiveBayesAnalyser.load(file)
        except (OSError, ValueError, KeyError) as exc:
            if choice == "trained":
                raise ImproperlyConfigured(
                    f"CIM_SENTIMENT_ANALYSER=trained but {file} is not a usable model ({exc}); "
                    "run manage.py train_sentiment FILE.csv"
                ) from exc
            log.warning("Ignoring the sentiment model at %s: %s", file, exc)
    return LexiconAnalyser()


def get_analyser() -> Analyser:
    choice = getattr(settings, "CIM_SENTIMENT_ANALYSER", "auto")
    if choice not in ("auto", "lexicon", "trained"):
        raise ImproperlyConfigured("CIM_SENTIMENT_ANALYSER must be auto, lexicon or trained")
    path = model_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = 0.0
    # The file's time is part of the key: a newly trained model is picked up without a restart.
    return _cached(choice, str(path), mtime)


def analyse(text: str) -> SentimentResult:
    return get_analyser().analyse(text)


__all__ = [
    "LABELS",
    "NEGATIVE",
    "NEUTRAL",
    "POSITIVE",
    "Analyser",
    "LexiconAnalyser",
    "SentimentResult",
    "analyse",
    "get_analyser",
]
