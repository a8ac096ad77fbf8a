"""Sentiment shown where staff work: on the ticket's thread and on the customer page."""

import pytest

from feedback.services.analysis import analyse_message
from tickets import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def angry_ticket(customer, queue):
    ticket = services.create_ticket(
        customer=customer,
        subject="Giao hàng quá chậm",
        body="Dịch vụ quá tệ, tôi rất thất vọng và bực mình!!! 😡",
        queue=queue,
    )
    analyse_message(message_id=ticket.messages.get().pk)
    return ticket


def test_ticket_thread_shows_the_sentiment_of_customer_messages(client, admin_user, angry_ticket):
    client.force_login(admin_user)
    page = client.get(f"/admin/tickets/ticket/{angry_ticket.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert 'class="cim-badge"' in html
    assert "☹" in html
    assert page.context["sentiment_trend"][0]["label"] == "negative"


def test_customer_page_lists_the_sentiment_of_their_messages(client, admin_user, angry_ticket):
    client.force_login(admin_user)
    page = client.get(f"/admin/customers/customer/{angry_ticket.customer_id}/change/")
    formsets = [f.formset for f in page.context["inline_admin_formsets"]]
    sentiment = next(f for f in formsets if f.model.__name__ == "MessageSentiment")
    assert [row.label for row in sentiment.queryset] == ["negative"]
