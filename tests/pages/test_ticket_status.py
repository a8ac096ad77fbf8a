import time
from unittest import mock

import pytest
from django.test import Client

from tickets.links import make_status_token
from tickets.models import AuthorType, MessageKind, TicketMessage, TicketStatus
from tickets.services import (
    add_customer_message,
    add_internal_note,
    change_status,
    close_ticket,
    create_ticket,
    reply,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(customer, queue):
    return create_ticket(
        customer=customer,
        subject="Máy giặt bị hỏng",
        body="Máy giặt kêu to khi vắt.",
        queue=queue,
    )


def _url(ticket, token=None):
    return f"/help/tickets/status/{token or make_status_token(ticket)}/"


def test_status_page_shows_the_ticket_in_vietnamese(client, ticket, vi):
    response = client.get(_url(ticket), **vi)
    html = response.content.decode()
    assert response.status_code == 200
    assert ticket.reference in html
    assert "Máy giặt bị hỏng" in html
    assert "Máy giặt kêu to khi vắt." in html
    assert "Đã tiếp nhận" in html  # status "new", in customer words
    assert "Trạng thái" in html
    assert '<meta name="robots" content="noindex">' in html


def test_status_page_shows_the_ticket_in_english(client, ticket, en):
    html = client.get(_url(ticket), **en).content.decode()
    assert "Received" in html
    assert "Conversation" in html
    assert "Add a message" in html


def test_status_label_follows_the_ticket(client, ticket, agent, en):
    change_status(ticket=ticket, to=TicketStatus.PENDING, by=agent)
    assert "Waiting for your reply" in client.get(_url(ticket), **en).content.decode()


def test_status_page_shows_public_replies_but_never_internal_notes(client, ticket, agent):
    reply(ticket=ticket, by=agent, body="Chúng tôi sẽ cử kỹ thuật viên tới.")
    add_internal_note(ticket=ticket, by=agent, body="GHI CHÚ NỘI BỘ: khách khó tính")
    TicketMessage.objects.create(
        ticket=ticket,
        kind=MessageKind.SYSTEM,
        author_type=AuthorType.SYSTEM,
        body="SYSTEM: SLA breached",
        channel="web_form",
    )
    html = client.get(_url(ticket)).content.decode()
    assert "Chúng tôi sẽ cử kỹ thuật viên tới." in html
    assert "Đội ngũ hỗ trợ" in html
    assert "GHI CHÚ NỘI BỘ" not in html
    assert "SYSTEM: SLA breached" not in html
    assert agent.username not in html


def test_customer_text_is_escaped(client, ticket):
    add_customer_message(ticket=ticket, body="<script>alert('xss')</script><b>đậm</b>")
    html = client.get(_url(ticket)).content.decode()
    assert "<script>alert('xss')</script>" not in html
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in html
    assert "<b>đậm</b>" not in html


def test_subject_is_escaped(client, customer, queue):
    ticket = create_ticket(
        customer=customer, subject="<img src=x onerror=alert(1)>", body="hi", queue=queue
    )
    html = client.get(_url(ticket)).content.decode()
    assert "<img src=x onerror=alert(1)>" not in html


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_tampered_token_shows_the_friendly_not_found_page(client, ticket, lang):
    token = make_status_token(ticket)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get(_url(ticket, tampered), HTTP_ACCEPT_LANGUAGE=lang)
    html = response.content.decode()
    assert response.status_code == 404
    expected = "Đường dẫn này không hoạt động" if lang == "vi" else "This link does not work"
    assert expected in html
    assert ticket.subject not in html


@pytest.mark.parametrize("token", ["x", "abc:def", "....", "eyJ0IjoxfQ:1abc:zzz", "%00"])
def test_garbage_tokens_never_crash(client, token):
    response = client.get(f"/help/tickets/status/{token}/")
    assert response.status_code == 404


def test_expired_token_shows_the_friendly_not_found_page(client, ticket, settings, en):
    settings.CIM_TICKET_LINK_MAX_AGE_DAYS = 30
    issued = time.time() - 31 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=issued):
        old_token = make_status_token(ticket)
    response = client.get(_url(ticket, old_token), **en)
    assert response.status_code == 404
    assert "has expired" in response.content.decode()
    # The same link still works while it is young enough.
    settings.CIM_TICKET_LINK_MAX_AGE_DAYS = 60
    assert client.get(_url(ticket, old_token)).status_code == 200


def test_token_of_another_ticket_never_opens_this_one(client, ticket, queue):
    from tests.factories import CustomerFactory

    other = create_ticket(customer=CustomerFactory(), subject="Khác", body="x", queue=queue)
    html = client.get(_url(other)).content.decode()
    assert "Khác" in html
    assert ticket.subject not in html


def test_customer_can_add_a_message(client, ticket, agent):
    change_status(ticket=ticket, to=TicketStatus.PENDING, by=agent)
    response = client.post(_url(ticket), {"body": "Tôi gửi thêm ảnh chụp."}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain and response.redirect_chain[0][1] == 302
    assert "Tin nhắn của bạn đã được gửi." in html
    assert "Tôi gửi thêm ảnh chụp." in html
    message = ticket.messages.order_by("-id").first()
    assert message.kind == MessageKind.PUBLIC
    assert message.author_type == AuthorType.CUSTOMER
    assert message.author_customer == ticket.customer
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN  # waiting on the customer → back to the team


def test_empty_message_shows_an_error_and_adds_nothing(client, ticket):
    before = ticket.messages.count()
    response = client.post(_url(ticket), {"body": "   "})
    html = response.content.decode()
    assert response.status_code == 200
    assert "id_body_error" in html
    assert ticket.messages.count() == before


def test_posting_with_a_bad_token_adds_nothing(client, ticket):
    before = TicketMessage.objects.count()
    response = client.post("/help/tickets/status/forged/", {"body": "hello"})
    assert response.status_code == 404
    assert TicketMessage.objects.count() == before


def test_closed_ticket_shows_a_note_and_the_contact_link_instead_of_the_form(client, ticket, agent):
    close_ticket(ticket=ticket, by=agent)
    html = client.get(_url(ticket)).content.decode()
    assert "Yêu cầu này đã đóng" in html
    assert "Đã đóng" in html
    assert 'href="/help/contact/"' in html
    assert 'name="body"' not in html


def test_posting_to_a_closed_ticket_adds_nothing(client, ticket, agent):
    close_ticket(ticket=ticket, by=agent)
    before = ticket.messages.count()
    response = client.post(_url(ticket), {"body": "Còn nữa"})
    assert response.status_code == 200
    assert "Yêu cầu này đã đóng" in response.content.decode()
    assert ticket.messages.count() == before


def test_status_message_post_requires_csrf(ticket):
    client = Client(enforce_csrf_checks=True)
    before = ticket.messages.count()
    assert client.post(_url(ticket), {"body": "hello"}).status_code == 403
    assert ticket.messages.count() == before


def test_status_message_posts_are_rate_limited(client, ticket, settings):
    settings.CIM_PUBLIC_POST_RATE = "2/m"
    for i in range(2):
        assert client.post(_url(ticket), {"body": f"Tin {i}"}).status_code == 302
    limited = client.post(_url(ticket), {"body": "Tin 3"})
    assert limited.status_code == 429
    assert "Quá nhiều yêu cầu" in limited.content.decode()
    assert not ticket.messages.filter(body="Tin 3").exists()


def test_status_page_is_not_cached_and_keeps_its_link_from_other_sites(client, ticket):
    response = client.get(_url(ticket))
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    # Not "no-referrer": that makes the browser post "Origin: null", which fails CSRF.
    assert response["Referrer-Policy"] == "same-origin"
    assert '<meta name="referrer" content="same-origin">' in response.content.decode()


def test_status_page_query_count_does_not_grow_with_messages(
    client, ticket, agent, django_assert_max_num_queries
):
    url = _url(ticket)
    for i in range(8):
        reply(ticket=ticket, by=agent, body=f"Trả lời {i}")
        add_customer_message(ticket=ticket, body=f"Khách {i}")
    # the ticket, its public messages, their attachments
    with django_assert_max_num_queries(3):
        assert client.get(url).status_code == 200
