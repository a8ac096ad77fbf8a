"""Raw MIME bytes → what the helpdesk keeps of an email, with the standard library's modern API
(policy.default). Nothing here touches the database; a message that cannot be read raises
MalformedEmail with the reason, which the intake stores on the inbound row."""

import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from email import errors as email_errors
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from hashlib import sha256

import html2text
import nh3
from django.conf import settings
from django.utils import timezone

# Defects that mean the structure itself cannot be trusted (a missing or never-seen boundary):
# what we would show as "the message" could be anything.
FATAL_STRUCTURE_DEFECTS = (
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
)
BROKEN_PAYLOAD_DEFECTS = (
    email_errors.InvalidBase64PaddingDefect,
    email_errors.InvalidBase64CharactersDefect,
    email_errors.InvalidBase64LengthDefect,
)
AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}


class MalformedEmail(Exception):
    pass


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes
    inline: bool = False
    content_id: str = ""


@dataclass
class ParsedEmail:
    message_id: str
    subject: str
    from_name: str
    from_address: str
    recipients: list[str]
    date: datetime | None
    in_reply_to: str
    references: list[str]
    text: str
    new_text: str
    html: str
    attachments: list[ParsedAttachment] = field(default_factory=list)
    # Why this message must not open a ticket nor get an answer ("" for a person's mail).
    auto_reason: str = ""


def _msg_ids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def external_id_for(raw: bytes) -> str:
    """The channel's id of a raw message: its Message-ID, or a digest of the bytes when it has
    none (the same bytes delivered twice still dedupe)."""
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw[:65536])
        ids = _msg_ids(str(headers.get("Message-ID", "")))
    except Exception:  # noqa: BLE001 - any header garbage: fall back to the digest
        ids = []
    if ids and len(ids[0]) <= 250:
        return ids[0]
    return "sha256:" + sha256(raw).hexdigest()


def _html_to_text(html: str) -> str:
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.unicode_snob = True
    return converter.handle(html).strip()


def sanitise_html(html: str) -> str:
    # nh3 drops scripts, styles, event handlers and javascript: URLs; what stays can be shown.
    return nh3.clean(html)


def _decode_text(part: EmailMessage) -> str:
    charset = part.get_content_charset() or "us-ascii"
    try:
        content = part.get_content()
    except LookupError:
        raise MalformedEmail(f"unknown charset {charset!r}") from None
    if isinstance(content, bytes):
        return content.decode("utf-8", errors="replace")
    _check_payload(part)
    return str(content)


def _check_payload(part: EmailMessage) -> None:
    broken = [d for d in part.defects if isinstance(d, BROKEN_PAYLOAD_DEFECTS)]
    if broken:
        name = part.get_filename() or part.get_content_type()
        raise MalformedEmail(f"broken attachment {name!r}: {type(broken[0]).__name__}")


def _check_structure(message: EmailMessage) -> None:
    for part in message.walk():
        fatal = [d for d in part.defects if isinstance(d, FATAL_STRUCTURE_DEFECTS)]
        if fatal:
            raise MalformedEmail(f"malformed MIME structure: {type(fatal[0]).__name__}")


def auto_reason(message: EmailMessage) -> str:
    """RFC 3834 and common practice: auto-replies, out-of-office notes, bulk mail and delivery
    reports are recognised by their headers, never by guessing at the text."""
    auto_submitted = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply"):
        if message.get(header):
            return f"{header}: {message.get(header)}"
    if message.get_content_type() == "multipart/report":
        return f"delivery report ({message.get_param('report-type') or 'report'})"
    sender = str(message.get("From", "")).lower()
    if "mailer-daemon@" in sender or sender.startswith("postmaster@"):
        return "delivery report (mailer daemon)"
    return ""


def _safe_filename(name: str | None, content_type: str, index: int) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip().strip(".")
    base = re.sub(r"[\x00-\x1f]", "", base)[:200]
    if not base:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        base = f"attachment-{index}{extension}"
    return base


def _forwarded_text(part: EmailMessage) -> str:
    inner = part.get_payload(0) if part.is_multipart() else None
    if not isinstance(inner, EmailMessage):
        return ""
    body = inner.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        text = _decode_text(body)
        if body.get_content_type() == "text/html":
            text = _html_to_text(text)
    header = "\n".join(
        f"{name}: {inner.get(name)}" for name in ("From", "Date", "Subject") if inner.get(name)
    )
    return f"---------- Forwarded message ----------\n{header}\n\n{text.strip()}"


def _leaves(part: EmailMessage):  # noqa: ANN202 - a generator of message parts
    """Every leaf part, with a message/rfc822 part kept whole (it is a forwarded message)."""
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        yield part
        return
    for sub in part.iter_parts():
        yield from _leaves(sub)


def parse_email(raw: bytes) -> ParsedEmail:
    try:
        return _parse(raw)
    except MalformedEmail:
        raise
    except Exception as exc:  # noqa: BLE001 - the stdlib may raise anything on garbage input
        raise MalformedEmail(f"unreadable message: {type(exc).__name__}: {exc}"[:500]) from None


def _parse(raw: bytes) -> ParsedEmail:
    message = message_from_bytes(raw, policy=policy.default)
    if not isinstance(message, EmailMessage):
        raise MalformedEmail("not a MIME message")
    _check_structure(message)
    senders = getaddresses([str(message.get("From", ""))])
    from_name, from_address = senders[0] if senders else ("", "")
    if "@" not in from_address:
        raise MalformedEmail("no sender address (From)")
    recipients = [
        address.lower()
        for _name, address in getaddresses(
            [
                str(message.get(name, ""))
                for name in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
            ]
        )
        if address
    ]
    try:
        date = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    if date is not None and timezone.is_naive(date):
        date = timezone.make_aware(date, timezone.get_current_timezone())

    plain = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    html = _decode_text(html_part) if html_part is not None else ""
    # Sanitised before conversion too, so a javascript: link never reaches the text.
    text = (
        _decode_text(plain)
        if plain is not None
        else _html_to_text(sanitise_html(html))
        if html
        else ""
    )

    attachments: list[ParsedAttachment] = []
    forwarded: list[str] = []
    max_bytes = settings.CIM_ATTACHMENT_MAX_BYTES
    skipped: list[str] = []
    for index, part in enumerate(_leaves(message), start=1):
        if part is plain or part is html_part:
            continue
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            forwarded.append(_forwarded_text(part))
            continue
        if content_type.startswith("text/") and part.get_content_disposition() != "attachment":
            # A further text part (some mailers split the body): keep its text.
            extra = _decode_text(part)
            text = f"{text}\n\n{_html_to_text(extra) if content_type == 'text/html' else extra}"
            continue
        payload = part.get_payload(decode=True) or b""
        _check_payload(part)
        name = _safe_filename(part.get_filename(), content_type, index)
        if len(payload) > max_bytes:
            skipped.append(f"{name} ({len(payload) // 1024} KB)")
            continue
        attachments.append(
            ParsedAttachment(
                filename=name,
                content_type=content_type,
                content=payload,
                inline=part.get_content_disposition() == "inline" or bool(part["Content-ID"]),
                content_id=str(part.get("Content-ID", "")).strip("<> "),
            )
        )
    # NFC: windows-1258 mail spells Vietnamese with combining tone marks; search and display
    # expect the precomposed letters.
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()
    new_text = trim_quoted(text)
    if forwarded:
        joined = "\n\n".join(f for f in forwarded if f)
        text, new_text = f"{text}\n\n{joined}".strip(), f"{new_text}\n\n{joined}".strip()
    if skipped:
        note = "[Attachments too large, not kept: " + ", ".join(skipped) + "]"
        text, new_text = f"{text}\n\n{note}".strip(), f"{new_text}\n\n{note}".strip()

    ids = _msg_ids(str(message.get("Message-ID", "")))
    return ParsedEmail(
        message_id=ids[0] if ids else external_id_for(raw),
        subject=unicodedata.normalize("NFC", str(message.get("Subject", "") or "")).strip(),
        from_name=from_name.strip(),
        from_address=from_address.strip(),
        recipients=recipients,
        date=date,
        in_reply_to=(_msg_ids(str(message.get("In-Reply-To", ""))) or [""])[0],
        references=_msg_ids(str(message.get("References", ""))),
        text=text,
        new_text=new_text,
        html=sanitise_html(html) if html else "",
        attachments=attachments,
        auto_reason=auto_reason(message),
    )


# --- quoted history ---------------------------------------------------------------------------

_QUOTE_HEADERS = [
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Vào\b.{0,300}\bviết:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*(Original Message|Thư gốc|Tin nhắn gốc)\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),
]
_OUTLOOK_FROM = re.compile(r"^\s*\*?(From|Từ)\s*:\*?\s", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\*?(Sent|Date|Đã gửi|Ngày|To|Subject)\s*:", re.IGNORECASE)
_FORWARD_MARK = re.compile(
    r"^\s*(-{2,}\s*Forwarded message\s*-{2,}|Begin forwarded message:|-{2,}\s*Thư chuyển tiếp)",
    re.IGNORECASE,
)


def trim_quoted(text: str) -> str:
    """The new part of a reply: the quoted history below it is cut ("On … wrote:", Outlook's
    From/Sent block, a tail of "> " lines). A forwarded message is content, never cut. When
    cutting would leave nothing, the whole text is kept."""
    lines = text.split("\n")
    cut = len(lines)
    for i, line in enumerate(lines):
        if _FORWARD_MARK.match(line):
            break
        joined = f"{line} {lines[i + 1]}" if i + 1 < len(lines) else line
        if any(p.match(line) for p in _QUOTE_HEADERS) or (
            # Gmail wraps a long "On … wrote:" over two lines.
            not line.lstrip().startswith(">")
            and re.match(r"^\s*(On|Vào)\b", line)
            and any(p.match(joined) for p in _QUOTE_HEADERS[:2])
        ):
            cut = i
            break
        if _OUTLOOK_FROM.match(line) and any(
            _OUTLOOK_NEXT.match(nxt) for nxt in lines[i + 1 : i + 4]
        ):
            cut = i
            break
        if line.lstrip().startswith(">") and all(
            not rest.strip() or rest.lstrip().startswith(">") for rest in lines[i:]
        ):
            cut = i
            break
    kept = "\n".join(lines[:cut]).strip()
    return kept or text.strip()
