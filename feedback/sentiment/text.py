"""Text normalisation shared by every analyser: Unicode NFC, lower case, tokens for words, emoji
and emoticons, Vietnamese teen-code spelled out, and a diacritic-free form for text typed without
accents ("khong tot" = "không tốt")."""

import re
import unicodedata
from functools import lru_cache

# Written-out emoticons (the student-feedback set replaces ":)" with "colonsmile") and the symbol
# forms; both map to one token the lexicons score.
EMOTICONS = {
    ":)": "EMO_SMILE",
    ":-)": "EMO_SMILE",
    ":d": "EMO_LAUGH",
    ":-d": "EMO_LAUGH",
    "=)": "EMO_SMILE",
    ":))": "EMO_LAUGH",
    ":)))": "EMO_LAUGH",
    "^^": "EMO_SMILE",
    "^_^": "EMO_SMILE",
    "<3": "EMO_LOVE",
    ":(": "EMO_SAD",
    ":-(": "EMO_SAD",
    ":((": "EMO_SAD",
    ":'(": "EMO_SAD",
    "-_-": "EMO_ANNOYED",
    ":/": "EMO_ANNOYED",
    ":@": "EMO_ANGRY",
    "colonsmile": "EMO_SMILE",
    "colonsad": "EMO_SAD",
    "colonlove": "EMO_LOVE",
    "colonsurprise": "EMO_NEUTRAL",
}

# Vietnamese chat spelling → the word it stands for. Single tokens only; "k" and "ko" are the
# negation "không" (the commonest teen-code in complaints: "ko dc", "k hài lòng").
TEEN_CODE = {
    "ko": "không",
    "k": "không",
    "kg": "không",
    "kh": "không",
    "khg": "không",
    "khong": "không",
    "hok": "không",
    "hông": "không",
    "hong": "không",
    "hem": "không",
    "kô": "không",
    "dc": "được",
    "đc": "được",
    "dk": "được",
    "đk": "được",
    "duoc": "được",
    "bt": "bình_thường",
    "bth": "bình_thường",
    "j": "gì",
    "gj": "gì",
    "vs": "với",
    "cx": "cũng",
    "cg": "cũng",
    "nv": "nhân_viên",
    "sp": "sản_phẩm",
    "r": "rồi",
    "thik": "thích",
    "thjk": "thích",
    "iu": "yêu",
    "wa": "quá",
    "qá": "quá",
    "mn": "mọi_người",
    "mk": "mình",
    "mh": "mình",
    "mik": "mình",
    "vl": "vãi",
    "vcl": "vãi",
    "vkl": "vãi",
    "vler": "vãi",
    "tks": "thanks",
    "thx": "thanks",
    "ty": "thanks",
    "oke": "ok",
    "okie": "ok",
    "oki": "ok",
    "okela": "ok",
    "okla": "ok",
    "okê": "ok",
    "ôk": "ok",
    "nhìu": "nhiều",
    "lun": "luôn",
    "hàg": "hàng",
    "dth": "dễ_thương",
    "cute": "dễ_thương",
    "đt": "điện_thoại",
    "dt": "điện_thoại",
    "ntn": "như_thế_nào",
    "bùn": "buồn",
    "zui": "vui",
    "hài_lòg": "hài_lòng",
    "sài": "xài",
    "xl": "xin_lỗi",
    "sr": "sorry",
    "dont": "don't",
    "didnt": "didn't",
    "doesnt": "doesn't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "cant": "can't",
    "wont": "won't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "arent": "aren't",
    "werent": "weren't",
    "couldnt": "couldn't",
    "wouldnt": "wouldn't",
    "shouldnt": "shouldn't",
}

# Emoji outside the letters: one token each. Ranges cover the pictographs, symbols and dingbats.
_EMOJI = "\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2b55\u2764\u2763\U0001f1e6-\U0001f1ff"
_TOKEN = re.compile(
    r"(?P<emoticon>:'\(|:-?\)+|:-?\(+|:-?d\b|=\)+|\^_?\^|<3|-_-|:/(?!/)|:@)"
    rf"|(?P<emoji>[{_EMOJI}])"
    r"|(?P<word>[^\W_]+(?:'[^\W_]+)?)"
    r"|(?P<bang>!)"
    r"|(?P<stop>[.;?,\n]|\bbut\b|\bnhưng\b)",
    re.UNICODE,
)
_URL = re.compile(r"https?://\S+|www\.\S+|@\w+|#(?=\w)")
_REPEAT = re.compile(r"(\w)\1{2,}", re.UNICODE)


@lru_cache(maxsize=65536)
def strip_diacritics(word: str) -> str:
    """ "không tốt" → "khong tot"; đ → d."""
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def has_vietnamese_marks(text: str) -> bool:
    return strip_diacritics(text) != text


def tokens(text: str) -> list[tuple[str, bool]]:
    """The scoring tokens of `text`, each with whether it was written in capitals (shouting).
    Clause breaks come out as "|" and "but"/"nhưng" as "BUT"; "!" as "!"."""
    text = unicodedata.normalize("NFC", text or "")
    text = _URL.sub(" ", text)
    out: list[tuple[str, bool]] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        raw = match.group()
        if kind == "emoticon":
            out.append((EMOTICONS.get(raw.lower(), "EMO_SMILE"), False))
        elif kind == "emoji":
            out.append((raw, False))
        elif kind == "bang":
            out.append(("!", False))
        elif kind == "stop":
            low = raw.lower()
            out.append(("BUT" if low in ("but", "nhưng") else "|", False))
        else:
            shouting = len(raw) > 2 and raw.isupper()
            word = _REPEAT.sub(r"\1\1", raw.lower())
            word = EMOTICONS.get(word, word)
            out.append((TEEN_CODE.get(word, word), shouting))
    return out
