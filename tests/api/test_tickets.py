import pytest

from customers.models import Customer
from tests.factories import AgentFactory, ReasonCategoryFactory, UserFactory
from tickets.models import MessageKind, Ticket, TicketMessage

URL = "/api/v1/tickets/"


def _create(client, **data):
    payload = {"subject": "Hàng bị vỡ", "body": "Hộp bị móp.", "queue": "support"}
    payload.update(data)
    return client.post(URL, payload, format="json")


# --- create ---------------------------------------------------------------------------------------


def test_create_with_customer_contact_resolves_the_customer_and_defaults_to_api(api, agent, queue):
    response = _create(api(agent), email="Minh@Example.VN", name="Trần Minh", tags=["Giao Hàng"])

    assert response.status_code == 201, response.json()
    body = response.json()
    customer = Customer.objects.get(email="minh@example.vn")
    assert body["customer"]["id"] == customer.pk
    assert customer.name == "Trần Minh"
    assert body["channel"] == "api"
    assert body["queue"]["code"] == "support"
    assert body["tags"] == ["giao-hàng"]
    ticket = Ticket.objects.get(pk=body["id"])
    assert ticket.created_by == agent
    assert ticket.messages.get().body == "Hộp bị móp."


def test_create_finds_an_existing_customer_by_phone_in_local_notation(api, agent, queue):
    first = _create(api(agent), phone="0912 345 678")
    second = _create(api(agent), phone="+84912345678")

    assert first.status_code == second.status_code == 201
    assert first.json()["customer"]["phone"] == "+84912345678"
    assert first.json()["customer"]["id"] == second.json()["customer"]["id"]
    assert Customer.objects.count() == 1


def test_create_by_customer_id_and_queue_id_with_priority_and_reason(
    api, agent, queue, customer, reason
):
    response = _create(
        api(agent), customer=customer.pk, queue=queue.pk, priority=4, reason=reason.pk
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["customer"]["id"] == customer.pk
    assert body["priority"] == 4
    assert body["reason"]["code"] == "late-delivery"
    assert body["reason"]["category"] == reason.parent.code


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"email": "not-an-email"}, "email", "invalid_email"),
        ({"phone": "12"}, "phone", "invalid_phone"),
        ({}, "customer", "invalid"),
        ({"customer": 999999}, "customer", "invalid"),
        ({"email": "a@b.vn", "queue": "no-such-queue"}, "queue", "invalid"),
        ({"email": "a@b.vn", "subject": "   "}, "subject", "invalid"),
        ({"email": "a@b.vn", "priority": 9}, "priority", "invalid"),
        ({"email": "a@b.vn", "channel": "carrier-pigeon"}, "channel", "invalid"),
        ({"email": "a@b.vn", "tags": ["!!!"]}, "tags", "invalid_tag"),
    ],
)
def test_create_rejects_bad_input_with_a_field_error(api, agent, queue, data, field, code):
    response = _create(api(agent), **data)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert field in response.json()["fields"]
    assert Ticket.objects.count() == 0


def test_create_with_a_category_as_reason_is_refused_and_leaves_no_customer(api, agent, queue):
    category = ReasonCategoryFactory()

    response = _create(api(agent), email="new@example.vn", reason=category.pk)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_reason"
    assert list(response.json()["fields"]) == ["reason"]
    # The customer resolved for the refused ticket is rolled back with it.
    assert not Customer.objects.filter(email="new@example.vn").exists()


def test_create_in_a_queue_the_agent_does_not_work_is_a_queue_field_error(
    api, agent, other_queue, customer
):
    by_code = _create(api(agent), customer=customer.pk, queue="sales")
    by_id = _create(api(agent), customer=customer.pk, queue=other_queue.pk)

    for response in (by_code, by_id):
        assert response.status_code == 400
        assert list(response.json()["fields"]) == ["queue"]
    assert Ticket.objects.count() == 0


def test_create_in_an_inactive_queue_is_refused(api, supervisor, queue, customer):
    queue.is_active = False
    queue.save()

    response = _create(api(supervisor), customer=customer.pk)

    assert response.status_code == 400
    assert response.json()["code"] == "inactive_queue"
    assert "queue" in response.json()["fields"]


def test_html_in_subject_is_stored_as_text_and_returned_verbatim_as_json(api, agent, queue):
    subject = '<script>alert("x")</script> & <b>gấp</b>'

    response = _create(api(agent), email="x@example.vn", subject=subject, body="<img src=x>")

    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["subject"] == subject
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.subject == subject
    assert ticket.messages.get().body == "<img src=x>"
    fetched = api(agent).get(f"{URL}{ticket.pk}/")
    assert fetched.json()["subject"] == subject


# --- idempotency ---------------------------------------------------------------------------------


def test_same_idempotency_key_twice_returns_the_first_ticket(api, agent, queue, customer):
    client = api(agent)
    headers = {"HTTP_IDEMPOTENCY_KEY": "order-1234-retry"}
    payload = {"customer": customer.pk, "subject": "Hoàn tiền", "body": "Xin hoàn tiền."}

    first = client.post(URL, {**payload, "queue": "support"}, format="json", **headers)
    second = client.post(URL, {**payload, "queue": "support"}, format="json", **headers)

    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert Ticket.objects.count() == 1
    assert TicketMessage.objects.count() == 1


def test_idempotency_key_is_per_user(api, agent, queue, customer):
    colleague = AgentFactory(username="colleague", queues=[queue])
    payload = {"customer": customer.pk, "subject": "A", "body": "B", "queue": "support"}
    headers = {"HTTP_IDEMPOTENCY_KEY": "same-key"}

    mine = api(agent).post(URL, payload, format="json", **headers)
    theirs = api(colleague).post(URL, payload, format="json", **headers)

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


def test_without_idempotency_key_each_post_opens_a_ticket(api, agent, queue, customer):
    payload = {"customer": customer.pk, "subject": "A", "body": "B", "queue": "support"}

    api(agent).post(URL, payload, format="json")
    api(agent).post(URL, payload, format="json")

    assert Ticket.objects.count() == 2


def test_overlong_idempotency_key_is_a_400(api, agent, queue, customer):
    payload = {"customer": customer.pk, "subject": "A", "body": "B", "queue": "support"}

    response = api(agent).post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k" * 300)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["fields"]


# --- partial update ------------------------------------------------------------------------------


def test_patch_changes_priority_reason_queue_and_tags_through_services(
    api, supervisor, make_ticket, other_queue, reason
):
    ticket = make_ticket(tags=["cu", "giu"])

    response = api(supervisor).patch(
        f"{URL}{ticket.pk}/",
        {"priority": 3, "reason": reason.pk, "queue": "sales", "tags": ["giu", "Mới"]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["priority"] == 3
    assert body["reason"]["id"] == reason.pk
    assert body["queue"]["code"] == "sales"
    assert sorted(body["tags"]) == ["giu", "mới"]
    ticket.refresh_from_db()
    assert ticket.queue == other_queue
    # Written by the services, so the history names the person who did it.
    assert ticket.history.first().history_user == supervisor


def test_patch_is_all_or_nothing(api, supervisor, make_ticket):
    ticket = make_ticket()
    category = ReasonCategoryFactory()

    response = api(supervisor).patch(
        f"{URL}{ticket.pk}/", {"priority": 4, "reason": category.pk}, format="json"
    )

    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.priority == 2


def test_put_is_not_offered(api, supervisor, make_ticket):
    ticket = make_ticket()

    response = api(supervisor).put(f"{URL}{ticket.pk}/", {"priority": 3}, format="json")

    assert response.status_code == 405


# --- messages ------------------------------------------------------------------------------------


def test_public_reply_opens_the_ticket_and_is_listed_in_the_thread(api, agent, make_ticket):
    ticket = make_ticket()

    response = api(agent).post(
        f"{URL}{ticket.pk}/messages/", {"body": "Chúng tôi đang kiểm tra."}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "public"
    assert response.json()["author_user"]["username"] == "agent"
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert ticket.first_responded_at is not None
    thread = api(agent).get(f"{URL}{ticket.pk}/messages/").json()["results"]
    assert [m["author_type"] for m in thread] == ["customer", "agent"]


def test_reply_can_leave_the_ticket_pending(api, agent, make_ticket):
    ticket = make_ticket()

    api(agent).post(
        f"{URL}{ticket.pk}/messages/",
        {"body": "Anh gửi giúp mã đơn?", "status": "pending"},
        format="json",
    )

    ticket.refresh_from_db()
    assert ticket.status == "pending"


def test_internal_note_does_not_change_status(api, agent, make_ticket):
    ticket = make_ticket()

    response = api(agent).post(
        f"{URL}{ticket.pk}/messages/", {"kind": "internal", "body": "Khách VIP."}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["kind"] == "internal"
    ticket.refresh_from_db()
    assert ticket.status == "new"
    assert ticket.messages.filter(kind=MessageKind.INTERNAL).count() == 1


def test_internal_note_with_status_is_refused(api, agent, make_ticket):
    ticket = make_ticket()

    response = api(agent).post(
        f"{URL}{ticket.pk}/messages/",
        {"kind": "internal", "body": "x", "status": "solved"},
        format="json",
    )

    assert response.status_code == 400
    assert "status" in response.json()["fields"]


def test_reply_to_a_closed_ticket_is_a_409(api, agent, make_ticket):
    ticket = make_ticket()
    api(agent).post(f"{URL}{ticket.pk}/close/", {}, format="json")

    response = api(agent).post(f"{URL}{ticket.pk}/messages/", {"body": "Hello"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "ticket_closed"


def test_empty_reply_is_a_400_on_body(api, agent, make_ticket):
    ticket = make_ticket()

    response = api(agent).post(f"{URL}{ticket.pk}/messages/", {"body": ""}, format="json")

    assert response.status_code == 400
    assert "body" in response.json()["fields"]


# --- workflow actions ----------------------------------------------------------------------------


def test_solve_close_and_forbidden_reopen(api, agent, make_ticket):
    ticket = make_ticket()
    client = api(agent)

    solved = client.post(f"{URL}{ticket.pk}/solve/", {"note": "Đã giao lại."}, format="json")
    assert solved.status_code == 200
    assert solved.json()["status"] == "solved"
    assert solved.json()["solved_at"] is not None

    reopened = client.post(f"{URL}{ticket.pk}/reopen/", {}, format="json")
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "open"

    closed = client.post(f"{URL}{ticket.pk}/close/", {}, format="json")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"

    refused = client.post(f"{URL}{ticket.pk}/reopen/", {}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "ticket_closed"
    assert refused.json()["fields"] == {"status": [refused.json()["message"]]}


def test_reopening_an_open_ticket_is_a_409(api, agent, make_ticket):
    ticket = make_ticket()

    response = api(agent).post(f"{URL}{ticket.pk}/reopen/", {}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_status_action_follows_the_workflow(api, agent, make_ticket):
    ticket = make_ticket()
    client = api(agent)

    assert client.post(f"{URL}{ticket.pk}/status/", {"status": "on_hold"}).status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "on_hold"

    client.post(f"{URL}{ticket.pk}/status/", {"status": "solved"})
    forbidden = client.post(f"{URL}{ticket.pk}/status/", {"status": "pending"})
    assert forbidden.status_code == 409
    assert forbidden.json()["code"] == "invalid_transition"

    unknown = client.post(f"{URL}{ticket.pk}/status/", {"status": "deleted"})
    assert unknown.status_code == 400
    assert "status" in unknown.json()["fields"]


def test_assign_to_an_agent_of_the_queue_and_unassign(api, supervisor, agent, make_ticket):
    ticket = make_ticket()
    client = api(supervisor)

    assigned = client.post(f"{URL}{ticket.pk}/assign/", {"assignee": agent.pk}, format="json")
    assert assigned.status_code == 200
    assert assigned.json()["assignee"]["id"] == agent.pk

    unassigned = client.post(f"{URL}{ticket.pk}/assign/", {"assignee": None}, format="json")
    assert unassigned.status_code == 200
    assert unassigned.json()["assignee"] is None


@pytest.mark.parametrize("who", ["other_agent", "customer_account", "unknown"])
def test_assign_to_someone_who_cannot_take_it_is_a_field_error(
    api, supervisor, other_agent, make_ticket, who
):
    ticket = make_ticket()
    target = {
        "other_agent": other_agent.pk,
        "customer_account": UserFactory(username="shopper", is_staff=False).pk,
        "unknown": 987654,
    }[who]

    response = api(supervisor).post(
        f"{URL}{ticket.pk}/assign/", {"assignee": target}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["assignee"]
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_assign_requires_the_assignee_key(api, supervisor, make_ticket):
    ticket = make_ticket()

    response = api(supervisor).post(f"{URL}{ticket.pk}/assign/", {}, format="json")

    assert response.status_code == 400
    assert "assignee" in response.json()["fields"]
