"""Ticket search that forgives missing Vietnamese diacritics and half-typed references.

Each ticket carries `search_text`: its reference, subject and its customer's name, email and
phone, lower-cased with the diacritics removed ("Hoàn tiền" → "hoan tien", "đ" → "d"). The same
folding is applied to what staff type, so a plain `LIKE '%…%'` finds "hoàn tiền" from "hoan tien"
on SQLite and PostgreSQL alike, in one query on the ticket table (no join, no per-row function);
on PostgreSQL a trigram index (migration 0005) serves that LIKE. A reference is also matched by
its prefix, which the unique index on `reference` serves.

The column is filled when a ticket is created (Ticket.save) and refreshed for a customer's
tickets whenever that customer is saved: customers change in many places (update_customer, a
merge, a CRM sync, the admin, the chat widget), and the customers app may not import tickets.
"""

import re
import unicodedata
from typing import Any

from django.db.models import Q, QuerySet

from .models import REFERENCE_ALPHABET, Ticket

_SPACES = re.compile(r"\s+")
_REFERENCE_PREFIX = re.compile(rf"^[{REFERENCE_ALPHABET}]{{1,4}}(-[{REFERENCE_ALPHABET}]{{0,4}})?$")
_REFERENCE_NO_DASH = re.compile(rf"^[{REFERENCE_ALPHABET}]{{5,8}}$")
# Words beyond this many do not narrow a ticket search further; they only lengthen the query.
MAX_WORDS = 8


def fold(text: str) -> str:
    """Lower case, no diacritics, "đ" → "d", runs of white space as one space."""
    text = (text or "").lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", unicodedata.normalize("NFC", bare)).strip()


def customer_search_text(customer: Any) -> str:
    phone = customer.phone or ""
    # Stored in E.164; staff type the national form ("0912…") as often as "+84912…".
    local = "0" + phone[3:] if phone.startswith("+84") else ""
    return fold(" ".join(filter(None, [customer.name, customer.email, phone, local])))


def ticket_search_text(*, reference: str, subject: str, customer: Any) -> str:
    own = fold(f"{reference} {subject}")
    # The customer's part comes last so a customer's edit can find stale rows by their ending.
    return f"{own} | {customer_search_text(customer)}"


def refresh_customer_tickets(customer: Any) -> int:
    """Rewrites the search text of the customer's tickets that no longer match them; one query
    when nothing changed (the usual case)."""
    tail = f" | {customer_search_text(customer)}"
    stale = list(
        Ticket.objects.filter(customer_id=customer.pk)
        .exclude(search_text__endswith=tail)
        .only("id", "reference", "subject")
    )
    for ticket in stale:
        ticket.search_text = ticket_search_text(
            reference=ticket.reference, subject=ticket.subject, customer=customer
        )
    Ticket.objects.bulk_update(stale, ["search_text"], batch_size=500)
    return len(stale)


def on_customer_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **_: Any):
    if raw or created:
        return
    refresh_customer_tickets(instance)


def search_q(text: str) -> Q:
    """Tickets whose reference starts with `text`, or whose search text holds every word of it
    (accents optional). An empty text matches everything."""
    text = (text or "").strip()
    words = [word for word in fold(text).split(" ") if word][:MAX_WORDS]
    match = Q()
    for word in words:
        match &= Q(search_text__contains=word)
    reference = text.upper()
    if _REFERENCE_NO_DASH.match(reference):
        reference = f"{reference[:4]}-{reference[4:]}"
    if _REFERENCE_PREFIX.match(reference):
        match |= Q(reference__startswith=reference)
    return match


def search_tickets(queryset: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    return queryset.filter(search_q(text)) if (text or "").strip() else queryset
