from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import AgentFactory, CustomerFactory, ReasonFactory
from tickets import services
from tickets.models import Ticket

URL = "/api/v1/tickets/"


def _ids(api_client, **params):
    response = api_client.get(URL, params)
    assert response.status_code == 200, response.json()
    return {t["id"] for t in response.json()["results"]}


@pytest.fixture
def client(api, supervisor):
    return api(supervisor)


def test_status_filter_takes_several_values(client, make_ticket, supervisor):
    new = make_ticket()
    solved = make_ticket()
    services.solve_ticket(ticket=solved, by=supervisor)
    closed = make_ticket()
    services.close_ticket(ticket=closed, by=supervisor)

    assert _ids(client, status="new") == {new.pk}
    assert _ids(client, status=["new", "solved"]) == {new.pk, solved.pk}


def test_priority_filter(client, make_ticket):
    urgent = make_ticket(priority=4)
    make_ticket(priority=1)

    assert _ids(client, priority=4) == {urgent.pk}


def test_queue_filter_by_id_or_code(client, make_ticket, queue, other_queue):
    mine = make_ticket()
    sales = make_ticket(queue=other_queue)

    assert _ids(client, queue="support") == {mine.pk}
    assert _ids(client, queue=other_queue.pk) == {sales.pk}
    assert _ids(client, queue="nope") == set()


def test_assignee_filter_me_none_and_id(api, agent, queue, make_ticket):
    colleague = AgentFactory(username="colleague", queues=[queue])
    mine = make_ticket()
    services.assign_ticket(ticket=mine, agent=agent, by=agent)
    theirs = make_ticket()
    services.assign_ticket(ticket=theirs, agent=colleague, by=agent)
    nobody = make_ticket()
    client = api(agent)

    assert _ids(client, assignee="me") == {mine.pk}
    assert _ids(client, assignee="none") == {nobody.pk}
    assert _ids(client, assignee=colleague.pk) == {theirs.pk}
    bad = client.get(URL, {"assignee": "someone"})
    assert bad.status_code == 400
    assert "assignee" in bad.json()["fields"]


def test_reason_filter_takes_a_reason_or_its_category(client, make_ticket, reason):
    sibling = ReasonFactory(parent=reason.parent)
    other = ReasonFactory()
    late = make_ticket(reason=reason)
    near = make_ticket(reason=sibling)
    make_ticket(reason=other)

    assert _ids(client, reason=reason.pk) == {late.pk}
    assert _ids(client, reason=reason.parent.pk) == {late.pk, near.pk}


def test_channel_tag_and_customer_filters(client, make_ticket):
    someone = CustomerFactory()
    by_phone = make_ticket(channel="phone", tags=["vip"])
    by_mail = make_ticket(customer=someone)

    assert _ids(client, channel="phone") == {by_phone.pk}
    assert _ids(client, tag="vip") == {by_phone.pk}
    assert _ids(client, customer=someone.pk) == {by_mail.pk}


def test_created_after_and_before(client, make_ticket):
    old = make_ticket()
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    recent = make_ticket()
    cutoff = (timezone.now() - timedelta(days=1)).isoformat()

    assert _ids(client, created_after=cutoff) == {recent.pk}
    assert _ids(client, created_before=cutoff) == {old.pk}
    bad = client.get(URL, {"created_after": "yesterday"})
    assert bad.status_code == 400
    assert "created_after" in bad.json()["fields"]


def test_search_by_reference_subject_email_and_local_phone(client, make_ticket):
    caller = CustomerFactory(email="", phone="+84912345678")
    by_subject = make_ticket(subject="Máy giặt kêu to")
    by_phone = make_ticket(customer=caller)
    by_email = make_ticket(customer=CustomerFactory(email="hoa@shop.vn"))

    assert _ids(client, q="máy giặt") == {by_subject.pk}
    assert _ids(client, q=by_email.reference.lower()) == {by_email.pk}
    assert _ids(client, q="hoa@shop") == {by_email.pk}
    assert _ids(client, q="0912 345 678") == {by_phone.pk}


def test_filters_never_widen_an_agents_view(api, agent, make_ticket, other_queue):
    make_ticket(queue=other_queue)

    assert _ids(api(agent), queue="sales") == set()
    assert _ids(api(agent), queue=other_queue.pk) == set()


def test_ordering_by_priority_then_newest(client, make_ticket):
    low = make_ticket(priority=1)
    urgent = make_ticket(priority=4)
    normal = make_ticket(priority=2)

    response = client.get(URL, {"ordering": "-priority"})

    assert [t["id"] for t in response.json()["results"]] == [urgent.pk, normal.pk, low.pk]


def test_unknown_ordering_field_is_ignored_not_a_500(client, make_ticket):
    make_ticket()

    assert client.get(URL, {"ordering": "customer__email"}).status_code == 200
