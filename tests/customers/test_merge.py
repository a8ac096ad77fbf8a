"""Merging two records of one person: identities, tickets and journey move to the survivor;
the merged record stays, with its history."""

import pytest

from channels import services as channel_services
from customers.errors import CustomerError
from customers.models import ChannelKind, Customer, CustomerIdentity
from customers.services import add_identity, find_customer, merge_customers
from tests.factories import ChannelFactory, CustomerFactory
from tickets import services as ticket_services
from tickets.models import TicketMessage

pytestmark = pytest.mark.django_db


def test_merge_moves_identities_tickets_and_interactions_and_keeps_history(queue, agent):
    survivor = CustomerFactory(email="lan@example.vn", name="Lan")
    duplicate = CustomerFactory(email="lan.work@example.vn", name="", phone="+84912345678")
    add_identity(customer=duplicate, kind=ChannelKind.ZALO, address="zalo-lan")
    channel = ChannelFactory(kind=ChannelKind.PHONE, default_queue=queue)
    ticket = ticket_services.create_ticket(
        customer=duplicate, subject="Order", body="Where?", queue=queue
    )
    interaction, _ = channel_services.record_interaction(
        customer=duplicate, channel=channel, ticket=ticket, external_id="call-1"
    )

    merge_customers(source=duplicate, target=survivor, by=agent)

    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == survivor
    assert survivor.phone == "+84912345678"  # filled in from the duplicate
    assert set(
        CustomerIdentity.objects.filter(customer=survivor).values_list("address", flat=True)
    ) == {"lan@example.vn", "lan.work@example.vn", "zalo-lan", "+84912345678"}
    assert find_customer(kind=ChannelKind.ZALO, address="zalo-lan") == survivor
    ticket.refresh_from_db()
    interaction.refresh_from_db()
    assert ticket.customer == survivor and interaction.customer == survivor
    assert TicketMessage.objects.get().author_customer == survivor
    # History: the ticket's history records the move; the merged record keeps its own rows.
    assert ticket.history.first().history_change_reason.startswith(f"customer #{duplicate.pk}")
    assert duplicate.history.filter(email="lan.work@example.vn").exists()


def test_merge_refuses_itself_and_twice():
    one, two = CustomerFactory(), CustomerFactory()
    with pytest.raises(CustomerError):
        merge_customers(source=one, target=one)
    merge_customers(source=two, target=one)
    with pytest.raises(CustomerError):
        merge_customers(source=two, target=one)


def test_admin_action_merges_into_the_oldest(client, admin_user):
    first = CustomerFactory(email="a@example.vn")
    second = CustomerFactory(email="b@example.vn")
    client.force_login(admin_user)
    response = client.post(
        "/admin/customers/customer/",
        {"action": "merge_into_oldest", "_selected_action": [first.pk, second.pk]},
    )
    assert response.status_code == 302
    assert Customer.objects.get(pk=second.pk).merged_into_id == first.pk
