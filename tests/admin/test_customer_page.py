"""The customer page reads as one timeline: local times only, rows named by what they are, the
customer's own messages labelled as theirs, and CRM attributes as a table."""

from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from customers import services as customer_services
from feedback.models import MessageSentiment

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def _customer_page(client, customer):
    response = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_journey_rows_show_local_times_only(superuser_client, full_data, customer):
    interaction = full_data["interaction"]
    html = _customer_page(superuser_client, customer)
    utc = interaction.started_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    local = timezone.localtime(interaction.started_at, LOCAL)
    assert local.utcoffset() is not None and local.strftime("%Y-%m-%d %H:%M") != utc
    # The row title was the interaction's __str__, in UTC, above the local "started" column.
    assert utc not in html
    assert str(interaction) not in html


def test_sentiment_rows_show_the_message_not_a_database_id(superuser_client, full_data, customer):
    message = full_data["ticket"].messages.get(author_type="customer")
    MessageSentiment.objects.update_or_create(
        message=message,
        defaults={
            "ticket": full_data["ticket"],
            "customer": customer,
            "pending": False,
            "label": "negative",
            "score": -0.6,
        },
    )
    sentiments = list(MessageSentiment.objects.filter(customer=customer, pending=False))
    html = _customer_page(superuser_client, customer)
    for row in sentiments:
        assert str(row) not in html  # "negative (17)"
    assert "Tôi chưa nhận được hàng." in html
    assert full_data["ticket"].reference in html


def test_attributes_are_a_table_and_hidden_when_empty(superuser_client, customer):
    html = _customer_page(superuser_client, customer)
    assert "cim-attributes" not in html
    assert 'name="attributes"' not in html
    assert ">{}<" not in html

    customer_services.update_customer(
        customer=customer, attributes={"tier": "gold", "tags": ["vip", "b2b"], "active": True}
    )
    html = _customer_page(superuser_client, customer)
    assert '<th scope="row">tier</th><td>gold</td>' in html
    assert '<th scope="row">tags</th><td>vip, b2b</td>' in html
    assert '<th scope="row">active</th><td>yes</td>' in html


def test_saving_the_customer_keeps_the_crm_attributes(superuser_client, customer):
    customer_services.update_customer(customer=customer, attributes={"tier": "gold"})
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    page = superuser_client.get(url)
    from .conftest import management_data

    data = {
        "name": "Lan Nguyễn",
        "email": customer.email,
        "phone": "",
        "language": "vi",
        **management_data(page),
    }
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    customer.refresh_from_db()
    assert (customer.name, customer.attributes) == ("Lan Nguyễn", {"tier": "gold"})


def test_thread_labels_the_customers_messages_as_theirs(superuser_client, full_data):
    response = superuser_client.get(
        reverse("admin:tickets_ticket_change", args=[full_data["ticket"].pk])
    )
    html = response.content.decode()
    customer_header = html.split('class="cim-message public customer"')[1].split("</header>")[0]
    agent_header = html.split('class="cim-message public agent"')[1].split("</header>")[0]
    assert "Customer message" in customer_header
    assert "Public reply" not in customer_header
    assert "Public reply" in agent_header


@pytest.mark.parametrize("name", ["Trần Văn Bảo"])
def test_customer_page_lists_tickets_without_row_titles(superuser_client, queue, name):
    from tests.factories import CustomerFactory

    from .conftest import make_ticket

    customer = CustomerFactory(name=name)
    ticket = make_ticket(customer=customer, queue=queue, subject="Đổi hàng")
    html = _customer_page(superuser_client, customer)
    assert str(ticket) not in html  # "[ABCD-1234] Đổi hàng" as a row title
    assert ticket.reference in html
