"""The e-mail corpus in tests/channels/emails/: each file is one tricky case."""

import pytest

from channels.email_parsing import MalformedEmail, external_id_for, parse_email, trim_quoted
from tests.channels.conftest import eml


def test_quoted_printable_utf8_with_encoded_subject_and_name():
    parsed = parse_email(eml("plain_utf8_qp.eml"))
    assert parsed.subject == "Đơn hàng chưa giao"
    assert parsed.from_name == "Nguyễn Văn An"
    assert parsed.from_address == "an.nguyen@example.vn"
    assert parsed.new_text == "Xin chào, đơn hàng của tôi chưa được giao. Cảm ơn!"
    assert parsed.message_id == "<plain-utf8-qp@example.vn>"
    assert parsed.date is not None and parsed.date.utcoffset().total_seconds() == 7 * 3600


def test_multipart_alternative_prefers_plain_text_and_keeps_sanitised_html():
    parsed = parse_email(eml("multipart_alternative.eml"))
    assert parsed.new_text == "Xin chao doi ho tro, toi can doi dia chi."
    assert "<b>đội hỗ trợ</b>" in parsed.html


def test_html_only_mail_is_converted_to_text_and_stripped_of_scripts():
    parsed = parse_email(eml("html_only.eml"))
    assert "My order #123 is late." in parsed.new_text
    assert "alert" not in parsed.new_text and "javascript" not in parsed.new_text
    for bad in ("<script", "onclick", "javascript:", "<style"):
        assert bad not in parsed.html
    assert "<b>#123</b>" in parsed.html


def test_windows_1258_body_is_decoded_to_precomposed_vietnamese():
    parsed = parse_email(eml("windows1258.eml"))
    assert parsed.new_text == "Tôi muốn hủy đơn hàng số 42."


def test_base64_latin1_body_and_encoded_subject():
    parsed = parse_email(eml("base64_latin1.eml"))
    assert parsed.subject == "Café"
    assert parsed.new_text == "Café crème, déjà vu - merci."


def test_inline_and_regular_attachments_with_rfc2231_filename():
    parsed = parse_email(eml("attachments.eml"))
    by_type = {a.content_type: a for a in parsed.attachments}
    assert by_type["image/png"].inline and by_type["image/png"].content_id == "photo1@example.vn"
    assert by_type["application/pdf"].filename == "Hóa đơn.pdf"
    assert by_type["application/pdf"].content.startswith(b"%PDF-1.4")
    assert "invoice attached" in parsed.new_text


def test_forwarded_message_is_kept_as_content():
    parsed = parse_email(eml("forwarded_rfc822.eml"))
    assert "Please look at the message below" in parsed.new_text
    assert "We could not deliver parcel VN123 today." in parsed.new_text
    assert "Subject: Delivery failed" in parsed.new_text


@pytest.mark.parametrize(
    ("name", "new_text"),
    [
        ("reply_gmail_quoted.eml", "Thanks, it arrived today."),
        ("reply_outlook.eml", "The new address is 12 Ly Thuong Kiet."),
        ("reply_vietnamese.eml", "Vâng, tôi đồng ý."),
    ],
)
def test_quoted_history_is_trimmed_from_replies(name, new_text):
    parsed = parse_email(eml(name))
    assert parsed.new_text == new_text
    assert len(parsed.text) > len(parsed.new_text)  # the full text is still there


def test_inline_answers_between_quotes_are_not_cut():
    text = "> Which colour?\nBlue.\n> Which size?\nM."
    assert trim_quoted(text) == text


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("auto_reply_ooo.eml", "Auto-Submitted: auto-replied"),
        ("precedence_bulk.eml", "Precedence: bulk"),
        ("bounce_dsn.eml", "delivery report (delivery-status)"),
    ],
)
def test_auto_replies_bulk_mail_and_bounces_are_recognised(name, reason):
    assert parse_email(eml(name)).auto_reason == reason


def test_a_persons_mail_is_not_taken_for_an_auto_reply():
    assert parse_email(eml("plain_utf8_qp.eml")).auto_reason == ""


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("malformed_no_boundary.eml", "NoBoundaryInMultipartDefect"),
        ("unknown_charset.eml", "unknown charset 'x-no-such-charset'"),
        ("broken_base64_attachment.eml", "broken attachment 'bill.pdf'"),
        ("no_from.eml", "no sender address"),
    ],
)
def test_unreadable_mail_raises_with_the_reason(name, reason):
    with pytest.raises(MalformedEmail, match=reason):
        parse_email(eml(name))


@pytest.mark.parametrize(
    "garbage", [b"", b"\x00\xff\xfe", b"Content-Type: multipart/mixed\r\n\r\n"]
)
def test_garbage_never_raises_anything_but_malformed_email(garbage):
    with pytest.raises(MalformedEmail):
        parse_email(garbage)


def test_external_id_is_the_message_id_or_a_digest_of_the_bytes():
    assert external_id_for(eml("plain_utf8_qp.eml")) == "<plain-utf8-qp@example.vn>"
    raw = b"From: a@b.vn\r\n\r\nno id"
    assert external_id_for(raw) == external_id_for(raw)
    assert external_id_for(raw).startswith("sha256:")
