"""Ticket search in the admin and the API: accents optional, references by their beginning, the
customer's current name, and a query count that does not grow with the tickets found."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers import services as customer_services
from tests.factories import CustomerFactory
from tickets.search import fold

from .conftest import make_ticket

CHANGELIST = reverse("admin:tickets_ticket_changelist")
API = "/api/v1/tickets/"


@pytest.fixture
def tickets(queue):
    lan = CustomerFactory(name="Trần Thị Lan", email="lan@shop.vn", phone="+84912345678")
    return {
        "refund": make_ticket(customer=lan, queue=queue, subject="Yêu cầu hoàn tiền đơn DH123"),
        "delivery": make_ticket(
            customer=CustomerFactory(name="Đỗ Minh", email="minh@shop.vn"),
            queue=queue,
            subject="Giao hàng chậm",
        ),
    }


def _admin_found(client, term):
    response = client.get(CHANGELIST, {"q": term})
    assert response.status_code == 200
    return {ticket.pk for ticket in response.context["cl"].result_list}


def _api_found(client, term):
    response = client.get(API, {"q": term})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_fold_drops_vietnamese_diacritics_and_d_with_stroke():
    assert fold("  Hoàn   TIỀN  Đỗ ") == "hoan tien do"


@pytest.mark.parametrize("found", [_admin_found, _api_found])
@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("hoàn tiền", {"refund"}),
        ("hoan tien", {"refund"}),
        ("HOAN TIEN", {"refund"}),
        ("tien hoan", {"refund"}),  # every word, in any order
        ("tran thi lan", {"refund"}),
        ("do minh", {"delivery"}),
        ("ĐỖ MINH", {"delivery"}),
        ("minh@shop", {"delivery"}),
        ("0912345678", {"refund"}),
        ("giao hang", {"delivery"}),
        ("hoan hang", set()),
    ],
)
def test_search_ignores_accents_and_case(superuser_client, tickets, found, term, expected):
    assert found(superuser_client, term) == {tickets[name].pk for name in expected}


@pytest.mark.parametrize("found", [_admin_found, _api_found])
def test_reference_is_found_by_its_beginning(superuser_client, tickets, found):
    reference = tickets["refund"].reference
    other = tickets["delivery"].reference
    # Two random references may share their first characters; the test needs a prefix of one
    # that the other does not have.
    length = next(n for n in range(3, 10) if reference[:n] != other[:n])
    for prefix in {reference[:length], reference[:length].lower(), reference[:6], reference}:
        if other.startswith(prefix.upper()):
            continue
        assert found(superuser_client, prefix) == {tickets["refund"].pk}, prefix
    # Typed without its dash.
    assert found(superuser_client, reference.replace("-", "")) == {tickets["refund"].pk}


def test_renaming_a_customer_makes_their_tickets_findable_by_the_new_name(
    superuser_client, tickets
):
    lan = tickets["refund"].customer
    customer_services.update_customer(customer=lan, name="Nguyễn Văn Hùng")
    assert _admin_found(superuser_client, "nguyen van hung") == {tickets["refund"].pk}
    assert _admin_found(superuser_client, "tran thi lan") == set()


def test_merged_tickets_are_found_by_the_surviving_customers_name(superuser_client, queue):
    source = CustomerFactory(name="", email="a@shop.vn")
    target = CustomerFactory(name="Phạm Quỳnh", email="")
    ticket = make_ticket(customer=source, queue=queue, subject="Bảo hành")
    customer_services.merge_customers(source=source, target=target)
    assert _admin_found(superuser_client, "pham quynh") == {ticket.pk}


def test_admin_search_query_count_does_not_grow_with_matches(superuser_client, queue):
    customer = CustomerFactory(name="Lê Hoà")
    make_ticket(customer=customer, queue=queue, subject="Hoàn tiền 1")
    with CaptureQueriesContext(connection) as few:
        assert len(_admin_found(superuser_client, "hoan tien")) == 1
    for n in range(2, 12):
        make_ticket(customer=CustomerFactory(), queue=queue, subject=f"Hoàn tiền {n}")
    with CaptureQueriesContext(connection) as many:
        assert len(_admin_found(superuser_client, "hoan tien")) == 11
    assert len(many) == len(few)
