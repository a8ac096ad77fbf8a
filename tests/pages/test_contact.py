import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from channels.models import Event, Interaction, OutboundMessage
from customers.models import Customer
from customers.services import create_customer
from tickets.models import Attachment, Queue, Ticket, TicketMessage

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Trần Văn Minh",
    "email": "minh@example.vn",
    "phone": "0912 345 678",
    "subject": "Chưa nhận được hàng",
    "message": "Đơn hàng DH123 của tôi chưa tới.",
}


def _counts():
    return (
        Ticket.objects.count(),
        Customer.objects.count(),
        Interaction.objects.count(),
        OutboundMessage.objects.count(),
        TicketMessage.objects.count(),
    )


def test_contact_form_renders_in_vietnamese_and_english(client, vi, en):
    vi_html = client.get("/help/contact/", **vi).content.decode()
    en_html = client.get("/help/contact/", **en).content.decode()
    assert "Liên hệ với chúng tôi" in vi_html
    assert "Họ và tên" in vi_html
    assert '<label for="id_name">' in vi_html
    assert "Một tệp, tối đa 10 MB" in vi_html
    assert "Contact us" in en_html
    assert "Your name" in en_html
    assert "One file up to 10 MB" in en_html
    assert 'enctype="multipart/form-data"' in en_html
    assert "csrfmiddlewaretoken" in en_html


def test_submitting_creates_one_ticket_customer_interaction_and_acknowledgement(
    client, web_form_channel, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/help/contact/", VALID)
    assert response.status_code == 302
    assert response["Location"].startswith("/help/contact/thanks/")
    assert _counts() == (1, 1, 1, 1, 1)

    ticket = Ticket.objects.get()
    assert ticket.subject == VALID["subject"]
    assert ticket.channel == "web_form"
    assert ticket.queue == web_form_channel.default_queue
    assert ticket.language == "vi"
    customer = ticket.customer
    assert customer.email == "minh@example.vn"
    assert customer.phone == "+84912345678"
    interaction = Interaction.objects.get()
    assert interaction.ticket == ticket and interaction.channel == web_form_channel
    assert Event.objects.filter(interaction=interaction, kind="form_submitted").count() == 1

    outbound = OutboundMessage.objects.get()
    assert outbound.to_address == "minh@example.vn"
    assert ticket.reference in outbound.subject
    assert "/help/tickets/status/" in outbound.body
    assert "Cảm ơn bạn đã liên hệ" in outbound.body
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["minh@example.vn"]


def test_thank_you_page_shows_reference_and_a_working_status_link(client, web_form_channel):
    response = client.post("/help/contact/", VALID, follow=True)
    html = response.content.decode()
    ticket = Ticket.objects.get()
    assert response.status_code == 200
    assert ticket.reference in html
    assert "Cảm ơn bạn, chúng tôi đã nhận được yêu cầu của bạn" in html
    match = re.search(r'href="https?://[^"/]+(/help/tickets/status/[^"]+/)"', html)
    assert match, html
    status_page = client.get(match.group(1))
    assert status_page.status_code == 200
    assert VALID["subject"] in status_page.content.decode()


def test_english_submission_gets_english_ticket_and_acknowledgement(client, web_form_channel, en):
    response = client.post("/help/contact/", VALID, follow=True, **en)
    assert "Thank you, we have received your request" in response.content.decode()
    ticket = Ticket.objects.get()
    assert ticket.language == "en"
    assert ticket.customer.language == "en"
    assert "Thank you for contacting us" in OutboundMessage.objects.get().body


def test_thank_you_page_with_a_forged_token_is_not_found(client):
    response = client.get("/help/contact/thanks/not-a-token/")
    assert response.status_code == 404
    assert "Đường dẫn này không hoạt động" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("email", "not-an-email", "id_email_error"),
        ("phone", "12", "không phải là số điện thoại hợp lệ"),
        ("message", "   ", "id_message_error"),
        ("subject", "", "id_subject_error"),
        ("name", "", "id_name_error"),
        ("message", "x" * 20_001, "id_message_error"),
    ],
)
def test_invalid_input_shows_the_field_error_and_creates_nothing(
    client, web_form_channel, field, value, error
):
    response = client.post("/help/contact/", {**VALID, field: value})
    html = response.content.decode()
    assert response.status_code == 200
    assert error in html
    assert "Vui lòng sửa các lỗi bên dưới." in html
    assert 'aria-invalid="true"' in html
    assert _counts() == (0, 0, 0, 0, 0)


def test_invalid_email_error_is_translated_to_english(client, web_form_channel, en):
    html = client.post("/help/contact/", {**VALID, "email": "nope"}, **en).content.decode()
    assert "Enter a valid email address." in html
    assert "Please correct the errors below." in html


def test_submitted_values_are_kept_and_escaped_when_the_form_is_re_shown(client, web_form_channel):
    html = client.post(
        "/help/contact/", {**VALID, "email": "bad", "subject": "<script>alert(1)</script>"}
    ).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_late_service_refusal_rolls_everything_back(client, web_form_channel):
    # The queue behind the form was closed: the service refuses after it has already created the
    # customer, and the whole submission must be undone and explained.
    Queue.objects.filter(pk=web_form_channel.default_queue_id).update(is_active=False)
    before = _counts()
    response = client.post("/help/contact/", VALID)
    html = response.content.decode()
    assert response.status_code == 200
    assert "đã đóng" in html
    assert _counts() == before


def test_phone_of_another_customer_is_not_refused_nor_revealed(client, web_form_channel):
    create_customer(name="Người khác", email="other@example.vn", phone="+84912345678")
    response = client.post("/help/contact/", VALID)
    assert response.status_code == 302
    assert "khách hàng khác" not in client.get(response["Location"]).content.decode()
    assert Customer.objects.get(email="other@example.vn").phone == "+84912345678"


def test_missing_web_form_channel_is_a_form_error_not_a_crash(client):
    response = client.post("/help/contact/", VALID)
    assert response.status_code == 200
    assert "Chưa có kênh" in response.content.decode()
    assert _counts() == (0, 0, 0, 0, 0)


def test_valid_attachment_is_stored_on_the_first_message(client, web_form_channel):
    upload = SimpleUploadedFile("hoa-don.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post("/help/contact/", {**VALID, "attachment": upload})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.filename == "hoa-don.pdf"
    assert attachment.message.ticket == Ticket.objects.get()


def test_forbidden_attachment_type_is_refused(client, web_form_channel):
    upload = SimpleUploadedFile("virus.exe", b"MZ...", content_type="application/x-msdownload")
    response = client.post("/help/contact/", {**VALID, "attachment": upload})
    html = response.content.decode()
    assert "id_attachment_error" in html
    assert "Không thể đính kèm tệp loại" in html
    assert _counts() == (0, 0, 0, 0, 0)
    assert Attachment.objects.count() == 0


def test_oversized_attachment_is_refused(client, web_form_channel, settings):
    settings.CIM_ATTACHMENT_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("anh.png", b"\x89PNG" + b"0" * (1024 * 1024), "image/png")
    response = client.post("/help/contact/", {**VALID, "attachment": upload})
    html = response.content.decode()
    assert "id_attachment_error" in html
    assert "lớn hơn 1 MB" in html
    assert _counts() == (0, 0, 0, 0, 0)


def test_contact_post_without_csrf_token_is_refused(web_form_channel):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/help/contact/", VALID)
    assert response.status_code == 403
    assert Ticket.objects.count() == 0


def test_contact_posts_are_rate_limited_per_ip_with_a_friendly_page(
    client, web_form_channel, settings, en
):
    settings.CIM_PUBLIC_POST_RATE = "3/m"
    for i in range(3):
        response = client.post("/help/contact/", {**VALID, "subject": f"Lần {i}"})
        assert response.status_code == 302
    limited = client.post("/help/contact/", {**VALID, "subject": "Lần 4"}, **en)
    assert limited.status_code == 429
    assert "Too many requests" in limited.content.decode()
    assert Ticket.objects.count() == 3
    # Another address is not affected.
    other = client.post("/help/contact/", VALID, REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 302


def test_rate_limit_page_is_in_vietnamese_by_default(client, web_form_channel, settings):
    settings.CIM_PUBLIC_POST_RATE = "1/m"
    client.post("/help/contact/", VALID)
    limited = client.post("/help/contact/", VALID)
    assert limited.status_code == 429
    assert "Quá nhiều yêu cầu" in limited.content.decode()


def test_reading_the_form_is_not_rate_limited(client, settings):
    settings.CIM_PUBLIC_POST_RATE = "1/m"
    for _ in range(5):
        assert client.get("/help/contact/").status_code == 200
