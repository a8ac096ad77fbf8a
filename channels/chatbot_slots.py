"""What the chatbot asks before it hands a chat to a person, and how it checks the answers.

A queue needs some facts to start work without a round trip: what the problem is, the order
number for an order matter, and a way to reach a customer who is anonymous. Which slots a queue
needs can be set per queue code in the web chat channel's settings:

    {"bot_slots": {"orders": ["order_number", "problem", "contact"]}}

Otherwise: the problem, the order number when the conversation is about an order, and a contact
for anonymous customers. A slot that is already known (the problem the customer described, an
order number they wrote, the email they started the chat with) is not asked again.

Only the problem is needed; an order number and a contact are asked for but optional. A customer
is never trapped at a question: "skip" / "bỏ qua" / "không" (or the Skip button) moves on, a
contact written inside a sentence is found, and anything else written in words is kept as a note
for the ticket and the bot moves on. Only a short answer that looks like a mistyped number or
address is asked again, at most MAX_SLOT_ATTEMPTS times (channels.chatbot).

Also here: the short answers ("có", "không", "ok") the bot understands when it asks a question.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from customers.errors import CustomerError
from customers.models import Customer
from customers.services import normalize_email, normalize_phone
from knowledge_base.text import tokens

from .models import Channel

PROBLEM, ORDER_NUMBER, CONTACT = "problem", "order_number", "contact"
SLOTS = (PROBLEM, ORDER_NUMBER, CONTACT)
# Not a question the bot asks: what the customer wrote at a question instead of its answer.
NOTES = "notes"
# Folded words that make a conversation an order matter.
ORDER_WORDS = frozenset(
    {"order", "orders", "shipment", "shipping", "delivery", "delivered", "parcel", "refund"}
)
ORDER_PHRASES = ("don hang", "ma don", "van don", "giao hang", "hoan tien", "tra hang", "kien hang")
# Letters, digits and dashes with at least one digit: "DH-123456", "12345", "SO2024-77".
_ORDER_NUMBER_RE = re.compile(r"(?<![\w-])([A-Za-z0-9][A-Za-z0-9-]{1,38}[A-Za-z0-9])(?![\w-])")
_EMAIL_RE = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[^\s@<>()\[\],;:\"']+")
_PHONE_RE = re.compile(r"\+?\(?\d[\d .()-]{7,18}\d")
SKIP_CHOICE = "skip"
# Folded answers that mean "I'd rather not / I don't have it" at an optional question.
SKIP_WORDS = frozenset(
    {
        "skip",
        "skip it",
        "pass",
        "later",
        "none",
        "no",
        "nope",
        "no thanks",
        "no thank you",
        "dont know",
        "don t know",
        "i don t know",
        "i dont know",
        "not now",
        "n a",
        "na",
        "bo qua",
        "bo qua nhe",
        "bo qua di",
        "khong",
        "khong a",
        "ko",
        "k",
        "khong co",
        "khong co a",
        "ko co",
        "khong can",
        "khong nho",
        "khong biet",
        "khong muon",
        "thoi",
        "de sau",
    }
)
# A customer who writes at least this many words that are not the answer is saying something
# else (a question, a detail): it is kept as a note and the bot goes on.
NOTE_MIN_WORDS = 3
OPTIONAL = frozenset({ORDER_NUMBER, CONTACT})


@dataclass(frozen=True)
class SlotAnswer:
    value: str
    error: str = ""  # set: the answer was not usable; say this and ask again
    note: str = ""  # set: the customer wrote something else; keep it for the ticket, go on
    skipped: bool = False


def looks_like_order(texts: Iterable[str]) -> bool:
    for text in texts:
        words = tokens(text)
        joined = " ".join(words)
        if any(p in joined for p in ORDER_PHRASES) or ORDER_WORDS.intersection(words):
            return True
    return False


def find_order_number(text: str) -> str:
    for match in _ORDER_NUMBER_RE.finditer(text or ""):
        candidate = match.group(1)
        if any(ch.isdigit() for ch in candidate):
            return candidate.upper()
    return ""


def slots_for(
    *, channel: Channel, queue_code: str, customer: Customer, texts: list[str]
) -> list[str]:
    configured = (channel.config.get("bot_slots") or {}) if isinstance(channel.config, dict) else {}
    names = configured.get(queue_code) if isinstance(configured, dict) else None
    if isinstance(names, list):
        wanted = [n for n in names if n in SLOTS]
    else:
        wanted = [PROBLEM]
        if looks_like_order(texts):
            wanted.append(ORDER_NUMBER)
        wanted.append(CONTACT)
    if customer.email or customer.phone:
        wanted = [n for n in wanted if n != CONTACT]
    return list(dict.fromkeys(wanted))


def prompt(slot: str) -> str:
    if slot == ORDER_NUMBER:
        return _("What is your order number? If you do not have it, write “skip”.")
    if slot == CONTACT:
        return _(
            "What email address or phone number can our team reach you at, in case you leave "
            "the chat? This is optional: write “skip” to go on without it."
        )
    return _("In a few words, what is the problem about?")


def prompt_choices(slot: str) -> list[dict[str, str]]:
    """An optional question comes with a Skip button (typing "skip" works as well)."""
    return [{"value": SKIP_CHOICE, "label": _("Skip")}] if slot in OPTIONAL else []


def find_contact(text: str) -> str:
    """An email address or a valid phone number anywhere in the text, normalised; else ""."""
    for match in _EMAIL_RE.finditer(text):
        try:
            return normalize_email(match.group(0).rstrip(".")[:254])
        except CustomerError:
            continue
    for match in _PHONE_RE.finditer(text):
        try:
            return normalize_phone(match.group(0)[:40])
        except CustomerError:
            continue
    return ""


def _words(text: str) -> list[str]:
    return [w for w in tokens(text) if any(ch.isalpha() for ch in w)]


def check(slot: str, text: str, *, choice: str = "") -> SlotAnswer:
    text = (text or "").strip()
    folded = " ".join(tokens(text))
    if choice == SKIP_CHOICE or folded in SKIP_WORDS:
        return SlotAnswer("", skipped=True)
    if slot == ORDER_NUMBER:
        number = find_order_number(text)
        if number:
            return SlotAnswer(number)
        if len(_words(text)) >= NOTE_MIN_WORDS:
            return SlotAnswer("", note=text[:500])
        return SlotAnswer(
            "",
            _(
                "That does not look like an order number. It is in your order confirmation, "
                "for example DH-123456."
            ),
        )
    if slot == CONTACT:
        contact = find_contact(text)
        if contact:
            return SlotAnswer(contact)
        if "@" not in text and len(_words(text)) >= NOTE_MIN_WORDS:
            return SlotAnswer("", note=text[:500])
        try:
            if "@" in text:
                normalize_email(text[:254])
            else:
                normalize_phone(text[:40])
        except CustomerError as exc:
            return SlotAnswer("", exc.message)
        return SlotAnswer("", skipped=True)  # empty: nothing to keep
    if len(folded.replace(" ", "")) < 3:
        return SlotAnswer("", _("Please describe the problem in a few words."))
    return SlotAnswer(text[:500])


def label(slot: str) -> str:
    if slot == NOTES:
        return _("Also written by the customer")
    if slot == ORDER_NUMBER:
        return _("Order number")
    if slot == CONTACT:
        return _("Contact")
    return _("Problem")


# --- short answers the bot understands (folded: lower case, no diacritics)

YES_WORDS = frozenset(
    [
        "yes",
        "y",
        "yeah",
        "yep",
        "yes thanks",
        "yes thank you",
        "ok",
        "okay",
        "thanks",
        "thank you",
        "it did",
        "co",
        "co a",
        "dung",
        "dung roi",
        "vang",
        "da",
        "da co",
        "duoc",
        "duoc roi",
        "roi",
        "cam on",
        "co cam on",
        "ok cam on",
        "huu ich",
    ]
)
NO_WORDS = frozenset(
    [
        "no",
        "n",
        "nope",
        "not really",
        "it did not",
        "didnt",
        "no it didnt",
        "khong",
        "ko",
        "k",
        "chua",
        "khong a",
        "chua a",
        "khong giup duoc",
        "khong dung",
        "van chua",
        "khong huu ich",
    ]
)
# Words around a request for a person that say nothing about the problem.
FILLER = frozenset({"cho", "gap", "voi", "xin", "muon", "duoc", "want", "need", "let", "me", "can"})
