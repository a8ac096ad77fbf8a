"""The customer pages: saves through customers.services, errors on the form, tickets listed."""

from django.urls import reverse

from customers.models import ChannelKind, Customer, CustomerIdentity
from tests.factories import CustomerFactory

from .conftest import make_ticket, management_data

ADD = reverse("admin:customers_customer_add")


def change_url(customer):
    return reverse("admin:customers_customer_change", args=[customer.pk])


def customer_data(response, **fields):
    data = {
        "name": "",
        "email": "",
        "phone": "",
        "language": "vi",
        "organization": "",
        "segment": "",
        "external_id": "",
        "attributes": "{}",
        **management_data(response),
    }
    data.update(fields)
    return data


def test_add_customer_normalises_and_creates_identities(superuser_client):
    page = superuser_client.get(ADD)
    response = superuser_client.post(
        ADD,
        customer_data(page, name=" Trần Văn Nam ", email="Nam@Example.VN", phone="0912 345 678"),
    )
    assert response.status_code == 302
    customer = Customer.objects.get()
    assert (customer.name, customer.email, customer.phone) == (
        "Trần Văn Nam",
        "nam@example.vn",
        "+84912345678",
    )
    assert set(customer.identities.values_list("kind", "address")) == {
        (ChannelKind.EMAIL, "nam@example.vn"),
        (ChannelKind.PHONE, "+84912345678"),
    }
    assert customer.history.get().history_user is not None


def test_invalid_phone_is_a_form_error(superuser_client):
    page = superuser_client.get(ADD)
    response = superuser_client.post(ADD, customer_data(page, name="X", phone="12"))
    assert response.status_code == 200
    assert "phone" in response.context["adminform"].form.errors
    assert not Customer.objects.exists()


def test_address_of_another_customer_is_a_form_error_not_a_500(superuser_client):
    CustomerFactory(email="taken@example.vn")
    mine = CustomerFactory(name="Tôi", email="mine@example.vn")
    page = superuser_client.get(change_url(mine))
    response = superuser_client.post(
        change_url(mine), customer_data(page, name="Tên mới", email="taken@example.vn")
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "already belongs to another customer" in " ".join(form.errors["email"])
    mine.refresh_from_db()
    assert (mine.name, mine.email) == ("Tôi", "mine@example.vn")


def test_edit_goes_through_update_customer(superuser_client, customer):
    page = superuser_client.get(change_url(customer))
    superuser_client.post(
        change_url(customer),
        customer_data(page, name=customer.name, email=customer.email, phone="+84 912 345 679"),
    )
    customer.refresh_from_db()
    assert customer.phone == "+84912345679"
    assert customer.identities.filter(kind=ChannelKind.PHONE, address="+84912345679").exists()


def test_new_identity_row_goes_through_add_identity(superuser_client, customer):
    page = superuser_client.get(change_url(customer))
    data = customer_data(page, name=customer.name, email=customer.email)
    prefix = [
        inline.formset.prefix
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model is CustomerIdentity and inline.formset.extra
    ][0]
    data.update({f"{prefix}-0-kind": ChannelKind.PHONE, f"{prefix}-0-address": "0987 654 321"})
    response = superuser_client.post(change_url(customer), data)
    assert response.status_code == 302
    assert customer.identities.filter(kind=ChannelKind.PHONE, address="+84987654321").exists()


def test_customer_page_lists_their_tickets_with_links(superuser_client, customer, queue):
    ticket = make_ticket(customer=customer, queue=queue, subject="Máy giặt hỏng")
    html = superuser_client.get(change_url(customer)).content.decode()
    assert reverse("admin:tickets_ticket_change", args=[ticket.pk]) in html
    assert "Máy giặt hỏng" in html


def test_agent_sees_only_tickets_of_their_queues_on_the_customer_page(
    client, agent_in_group, customer, queue, other_queue
):
    mine = make_ticket(customer=customer, queue=queue, subject="Của tôi")
    make_ticket(customer=customer, queue=other_queue, subject="Của đội khác")
    client.force_login(agent_in_group)
    response = client.get(change_url(customer))
    assert response.status_code == 200
    html = response.content.decode()
    assert mine.reference in html
    assert "Của đội khác" not in html


def test_customer_changelist_searches_phone_and_filters(superuser_client):
    found = CustomerFactory(phone="+84912000111")
    CustomerFactory()
    url = reverse("admin:customers_customer_changelist")
    response = superuser_client.get(url, {"q": "+84912000111"})
    assert list(response.context["cl"].result_list) == [found]
    assert superuser_client.get(url, {"language__exact": "en"}).status_code == 200


def test_identity_admin_adds_through_the_service(superuser_client, customer):
    response = superuser_client.post(
        reverse("admin:customers_customeridentity_add"),
        {"customer": customer.pk, "kind": ChannelKind.PHONE, "address": "0912 111 222"},
    )
    assert response.status_code == 302
    assert customer.identities.filter(address="+84912111222").exists()
