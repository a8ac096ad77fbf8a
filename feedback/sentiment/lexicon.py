"""The offline default: a lexicon and rules for Vietnamese and English in one pass.

Why a lexicon and not a trained model: the labelled sets at hand may be used to measure but not to
train what we ship, and a lexicon is transparent (a supervisor can see why a message was flagged),
needs no download and is fast. Rules: multi-syllable Vietnamese words matched longest first,
negation flips the next sentiment words in its clause ("không hài lòng", "k chê", "not good"),
boosters before or after a word ("rất tốt", "tốt lắm"), a clause after "but"/"nhưng" counts more,
capitals and "!" amplify, emoji and emoticons score, and text typed without accents is matched
against the accent-free form of the Vietnamese list."""

import math
import re

from .base import NEGATIVE, NEUTRAL, POSITIVE, SentimentResult
from .lexicon_en import EMOJI, EN_BOOSTERS, EN_NEGATORS, en_lexicon
from .lexicon_vi import (
    VI_BOOSTERS,
    VI_LEXICON,
    VI_NEGATORS,
    VI_POST_BOOSTERS,
    VI_STRIP_AMBIGUOUS,
    VI_STRIP_FORCE,
)
from .text import has_vietnamese_marks, strip_diacritics, tokens

VERSION = "lexicon-vi-en-1"
MAX_NGRAM = 4
NEGATION_WINDOW = 3
DANGLING_NEGATION = -0.8
_SINGLE = re.compile(r"(\w)\1+", re.UNICODE)


# Function words of Vietnamese typed without accents: enough of them and an unaccented text is
# read as Vietnamese (the accent-free list applies), otherwise as English.
VI_PLAIN_MARKERS = frozenset(
    [
        "khong",
        "không",
        "duoc",
        "được",
        "la",
        "cua",
        "va",
        "nhung",
        "rat",
        "cho",
        "toi",
        "minh",
        "em",
        "anh",
        "thi",
        "nay",
        "roi",
        "cung",
        "qua",
        "lam",
        "nhe",
        "nha",
        "ma",
        "cai",
        "nao",
        "gi",
        "sao",
        "voi",
        "den",
        "di",
        "dang",
        "da",
        "se",
        "bi",
        "chi",
        "ban",
        "hang",
        "may",
    ]
)
EN_MARKERS = frozenset(
    [
        "the",
        "a",
        "an",
        "is",
        "are",
        "was",
        "were",
        "i",
        "you",
        "it",
        "to",
        "of",
        "and",
        "for",
        "on",
        "in",
        "my",
        "your",
        "me",
        "with",
        "this",
        "that",
        "at",
        "be",
        "have",
        "has",
        "do",
        "did",
        "not",
        "no",
    ]
)


def _build() -> tuple[dict[str, float], dict[str, float], dict[str, float], frozenset[str], dict]:
    en_words: dict[str, float] = dict(en_lexicon())
    en_words.update(EMOJI)
    # Vietnamese text reads only the Vietnamese list: English look-alike syllables ("ban", "me",
    # "hay") must not score; the English words people mix in are in the Vietnamese list.
    vi_words: dict[str, float] = dict(EMOJI)
    vi_words.update(VI_LEXICON)
    stripped: dict[str, float] = dict(EMOJI)
    for key, value in VI_LEXICON.items():
        plain = strip_diacritics(key)
        if plain in VI_STRIP_AMBIGUOUS:
            continue
        stripped[plain] = value
    stripped.update(VI_STRIP_FORCE)
    # Accent-free negators, curated: "chớ" → "cho" and "đừng" → "dung" are common other words.
    negators = frozenset(VI_NEGATORS | EN_NEGATORS | {"khong", "chang", "chua", "khong_he"})
    boosters = {**EN_BOOSTERS, **VI_BOOSTERS}
    boosters.update({strip_diacritics(k): v for k, v in VI_BOOSTERS.items() if "_" in k})
    boosters.update({"rat": 1.5, "cuc": 1.7, "sieu": 1.5, "hoi": 0.6})
    return en_words, vi_words, stripped, negators, boosters


class LexiconAnalyser:
    version = VERSION

    def __init__(self, *, positive_at: float = 0.2, negative_at: float = -0.05) -> None:
        self.en_words, self.vi_words, self.stripped, self.negators, self.boosters = _build()
        self.phrase_lengths = range(MAX_NGRAM, 1, -1)
        # Only words that start some multi-word entry are worth trying phrases on.
        keys = [*self.en_words, *self.vi_words, *self.stripped, *self.boosters, *self.negators]
        self.phrase_starts = frozenset(k.split("_", 1)[0] for k in keys if "_" in k)
        self.positive_at = positive_at
        self.negative_at = negative_at

    @staticmethod
    def _value(words: dict[str, float], word: str) -> float | None:
        value = words.get(word)
        if value is None:
            single = _SINGLE.sub(r"\1", word)
            if single != word:
                value = words.get(single)
        return value

    def _lexicon_for(self, text: str, words: list[str]) -> dict[str, float]:
        if has_vietnamese_marks(text):
            return self.vi_words
        vi = sum(1 for w in words if w in VI_PLAIN_MARKERS)
        en = sum(1 for w in words if w in EN_MARKERS)
        return self.stripped if vi and vi >= en else self.en_words

    def score(self, text: str) -> float:
        toks = tokens(text)
        words = [w for w, _shout in toks]
        lexicon = self._lexicon_for(text, words)
        total = 0.0
        clause: list[float] = []
        negate_left = 0
        boost = 1.0
        last_index: int | None = None
        bangs = 0
        i = 0
        n = len(words)

        def close_clause(weight: float) -> None:
            nonlocal total, clause
            total += weight * sum(clause)
            clause = []

        while i < n:
            word = words[i]
            if word == "|":
                close_clause(1.0)
                negate_left, boost = 0, 1.0
                i += 1
                continue
            if word == "BUT":
                # What comes after "but" is what the writer means: halve what came before.
                total *= 0.5
                close_clause(0.5)
                negate_left, boost = 0, 1.0
                i += 1
                continue
            if word == "!":
                bangs += 1
                i += 1
                continue
            # Longest phrase first: "hài lòng", "không hề", "cực kỳ".
            matched, length = word, 1
            for size in self.phrase_lengths if word in self.phrase_starts else ():
                if i + size <= n:
                    key = "_".join(words[i : i + size])
                    if key in lexicon or key in self.boosters or key in self.negators:
                        matched, length = key, size
                        break
            if matched in self.negators:
                negate_left = NEGATION_WINDOW
                i += length
                continue
            if matched in self.boosters:
                factor = self.boosters[matched]
                if matched in VI_POST_BOOSTERS and last_index is not None and clause:
                    clause[-1] *= factor
                else:
                    boost *= factor
                i += length
                continue
            value = self._value(lexicon, matched)
            if value is not None and value != 0:
                if toks[i][1]:
                    value *= 1.3
                value *= boost
                if negate_left > 0:
                    # "not bad" is mildly positive, "not good" clearly negative.
                    value *= -0.75 if value > 0 else -0.4
                clause.append(value)
                last_index = i
                boost = 1.0
                negate_left = 0
            elif negate_left:
                negate_left -= 1
                if negate_left == 0:
                    # "không có quạt", "chưa nhận được hàng", "didn't arrive": a negation with
                    # nothing to flip is itself a small complaint.
                    clause.append(DANGLING_NEGATION)
            i += length
        close_clause(1.0)
        if total and bangs:
            total += math.copysign(min(bangs, 4) * 0.3, total)
        # VADER's normalisation: bounded, and long messages do not run away.
        return total / math.sqrt(total * total + 15)

    def analyse(self, text: str) -> SentimentResult:
        value = self.score(text)
        if value >= self.positive_at:
            label = POSITIVE
        elif value <= self.negative_at:
            label = NEGATIVE
        else:
            label = NEUTRAL
        return SentimentResult(label=label, score=round(value, 4), version=self.version)
