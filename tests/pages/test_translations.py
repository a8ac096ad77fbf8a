"""The Vietnamese catalogue covers every customer-facing string, and the compiled .mo that
ships in the tree matches the .po (fresh machines have no gettext to compile it)."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from customers.errors import CustomerError
from customers.services import normalize_email
from tickets.errors import TicketError
from tickets.services import _clean_text

LOCALE_DIR = Path(settings.LOCALE_PATHS[0]) / "vi" / "LC_MESSAGES"
CUSTOMER_FACING_SOURCES = (
    "templates/",
    "channels/forms.py",
    "channels/views.py",
    "tickets/forms.py",
    "tickets/views.py",
    "knowledge_base/views.py",
    "channels/services.py",
    "customers/services.py",
)


def _unescape(text: str) -> str:
    return re.sub(
        r"\\(.)", lambda m: {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}[m.group(1)], text
    )


def _entries():
    source = (LOCALE_DIR / "django.po").read_text(encoding="utf-8")
    for block in source.split("\n\n")[1:]:
        match = re.search(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', block + "\n", re.M)
        if not match:
            continue
        refs = " ".join(line[3:] for line in block.splitlines() if line.startswith("#: "))
        msgid = _unescape("".join(re.findall(r'"(.*)"', match.group(1))))
        msgstr = _unescape("".join(re.findall(r'"(.*)"', match.group(2))))
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in block.splitlines())
        yield refs, msgid, msgstr, fuzzy


def test_every_customer_facing_string_has_a_vietnamese_translation():
    untranslated = [
        (msgid, refs)
        for refs, msgid, msgstr, fuzzy in _entries()
        if any(src in refs for src in CUSTOMER_FACING_SOURCES) and (not msgstr or fuzzy)
    ]
    assert untranslated == []


def test_compiled_catalogue_matches_the_po_file():
    with (LOCALE_DIR / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [
        msgid
        for _refs, msgid, msgstr, fuzzy in _entries()
        if msgstr and not fuzzy and compiled.gettext(msgid) != msgstr
    ]
    assert stale == []


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: normalize_email("không-phải-email"), "không phải là địa chỉ email hợp lệ"),
        (lambda: _clean_text("   "), "Tin nhắn đang trống."),
    ],
)
def test_service_errors_reach_the_customer_in_vietnamese(call, expected):
    with translation.override("vi"), pytest.raises((CustomerError, TicketError)) as info:
        call()
    assert expected in info.value.message
