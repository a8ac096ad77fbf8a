"""Text normalisation shared by search and the bot: one folding, so that what is indexed and what
is asked meet. Vietnamese readers often type without diacritics ("bao hanh" for "bảo hành"), so
everything is compared lower-cased, without tone marks, with "đ" as "d"."""

import html
import re
import unicodedata

import markdown
import nh3

# Words that carry no meaning for matching. Kept short on purpose: in Vietnamese many "small"
# syllables are parts of real words ("không" in "không nhận được"), so only clear fillers go here.
STOPWORDS = frozenset(
    {
        # English
        "a",
        "an",
        "the",
        "is",
        "are",
        "am",
        "be",
        "to",
        "of",
        "in",
        "on",
        "for",
        "and",
        "or",
        "it",
        "i",
        "me",
        "my",
        "you",
        "your",
        "we",
        "do",
        "does",
        "can",
        "could",
        "please",
        "with",
        "this",
        "that",
        "what",
        "how",
        # Vietnamese, folded. Folding merges words ("bán" and "bạn" are both "ban"), so
        # only syllables whose folded form is almost always a filler.
        "toi",
        "minh",
        "la",
        "cua",
        "va",
        "co",
        "nhung",
        "cac",
        "mot",
        "duoc",
        "voi",
        "nhe",
        "vay",
        "oi",
        "gi",
        "em",
        "thi",
        "ah",
    }
)

_TOKEN_RE = re.compile(r"[a-z0-9]+")
_SPACES_RE = re.compile(r"\s+")
# A token longer than this is not a word anyone searches for (a hash, a pasted blob).
MAX_TOKEN_LENGTH = 40


def fold(text: str) -> str:
    """Lower case, no diacritics, "đ" → "d". Letters of other scripts are kept as they are."""
    text = (text or "").lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


def tokens(text: str) -> list[str]:
    """Folded words, in order (stop words included)."""
    return [tok for tok in _TOKEN_RE.findall(fold(text)) if len(tok) <= MAX_TOKEN_LENGTH]


def content_tokens(text: str) -> list[str]:
    """Folded words without stop words; all words if that would leave none."""
    words = tokens(text)
    kept = [tok for tok in words if tok not in STOPWORDS]
    return kept or words


def markdown_to_text(source: str) -> str:
    """The words a reader sees in an article body: Markdown rendered, every tag removed."""
    rendered = markdown.markdown(source or "", extensions=["extra"], output_format="html")
    text = html.unescape(nh3.clean(rendered, tags=set(), clean_content_tags={"script", "style"}))
    return _SPACES_RE.sub(" ", text).strip()


_MARKUP_RE = re.compile(r"[#*_`>|~]+|!?\[|\]\([^)]*\)")


def quick_plain_text(source: str) -> str:
    """Markdown without its markup, cheaply (for snippets): HTML removed, link targets and
    emphasis characters dropped."""
    text = html.unescape(
        nh3.clean(source or "", tags=set(), clean_content_tags={"script", "style"})
    )
    return _SPACES_RE.sub(" ", _MARKUP_RE.sub(" ", text)).strip()


def normalised(text: str) -> str:
    """The folded words of a text joined by single spaces (what the search columns hold)."""
    return " ".join(tokens(text))
