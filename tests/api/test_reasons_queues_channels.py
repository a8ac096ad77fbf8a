import pytest
from django.contrib.auth.models import Group

from channels.models import Interaction
from tests.factories import (
    AgentFactory,
    ChannelFactory,
    QueueFactory,
    ReasonCategoryFactory,
    ReasonFactory,
)
from tickets.models import InteractionReason

URL = "/api/v1/reasons/"


@pytest.fixture
def reason_manager(queue):
    user = AgentFactory(username="governor", queues=[queue])
    user.groups.add(Group.objects.get_or_create(name="Reason manager")[0])
    return user


def test_reason_list_is_a_tree_of_categories_with_their_reasons(api, agent):
    delivery = ReasonCategoryFactory(code="delivery", position=1)
    billing = ReasonCategoryFactory(code="billing", position=2)
    ReasonFactory(code="late", parent=delivery, position=2)
    ReasonFactory(code="damaged", parent=delivery, position=1)
    ReasonFactory(code="refund", parent=billing, is_active=False)

    tree = api(agent).get(URL).json()

    assert [c["code"] for c in tree] == ["delivery", "billing"]
    assert [r["code"] for r in tree[0]["children"]] == ["damaged", "late"]
    active = api(agent).get(URL, {"active": "true"}).json()
    assert [c["code"] for c in active] == ["delivery", "billing"]
    assert active[1]["children"] == []


@pytest.mark.parametrize("method", ["post", "patch"])
def test_agents_cannot_change_the_reason_list(api, agent, method):
    category = ReasonCategoryFactory()
    url = URL if method == "post" else f"{URL}{category.pk}/"

    response = getattr(api(agent), method)(
        url, {"code": "x", "name_vi": "x", "name_en": "x"}, format="json"
    )

    assert response.status_code == 403


@pytest.mark.parametrize("who", ["reason_manager", "admin_user"])
def test_reason_managers_and_superusers_add_and_edit_reasons(request, api, who):
    user = request.getfixturevalue(who)
    category = ReasonCategoryFactory(code="delivery")
    client = api(user)

    created = client.post(
        URL,
        {"parent": category.pk, "code": "lost", "name_vi": "Mất hàng", "name_en": "Lost parcel"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    reason = InteractionReason.objects.get(code="lost")
    assert reason.parent == category
    assert reason.history.first().history_user == user

    renamed = client.patch(
        f"{URL}{reason.pk}/", {"name_en": "Parcel lost", "is_active": False}, format="json"
    )
    assert renamed.status_code == 200
    reason.refresh_from_db()
    assert (reason.name_en, reason.is_active) == ("Parcel lost", False)


def test_reason_list_keeps_two_levels(api, reason_manager, reason):
    response = api(reason_manager).post(
        URL,
        {"parent": reason.pk, "code": "deeper", "name_vi": "x", "name_en": "x"},
        format="json",
    )

    assert response.status_code == 400
    assert "parent" in response.json()["fields"]


def test_a_category_with_reasons_cannot_get_a_parent(api, reason_manager, reason):
    other = ReasonCategoryFactory()

    response = api(reason_manager).patch(
        f"{URL}{reason.parent.pk}/", {"parent": other.pk}, format="json"
    )

    assert response.status_code == 400
    assert "parent" in response.json()["fields"]


def test_duplicate_reason_code_is_a_field_error(api, reason_manager, reason):
    response = api(reason_manager).post(
        URL, {"code": reason.code, "name_vi": "x", "name_en": "x"}, format="json"
    )

    assert response.status_code == 400
    assert "code" in response.json()["fields"]


def test_reasons_are_never_deleted(api, reason_manager, reason):
    assert api(reason_manager).delete(f"{URL}{reason.pk}/").status_code == 405


def test_queues_list_every_queue_read_only(api, agent, queue, other_queue):
    QueueFactory(code="closed-line", is_active=False)

    everything = api(agent).get("/api/v1/queues/").json()
    active = api(agent).get("/api/v1/queues/", {"is_active": "true"}).json()

    assert {q["code"] for q in everything} == {"support", "sales", "closed-line"}
    assert {q["code"] for q in active} == {"support", "sales"}
    assert api(agent).post("/api/v1/queues/", {"code": "x"}).status_code == 405


def test_channels_list_hides_their_secret_settings(api, agent, queue):
    ChannelFactory(kind="zalo", default_queue=queue, config={"oa_secret": "s3cr3t"})

    response = api(agent).get("/api/v1/channels/")

    assert response.status_code == 200
    assert response.json()[0]["kind"] == "zalo"
    assert response.json()[0]["default_queue"] == "support"
    assert "config" not in response.json()[0]
    assert b"s3cr3t" not in response.content


def test_interactions_filter_by_customer_ticket_and_channel(api, supervisor, customer, make_ticket):
    from tests.factories import CustomerFactory

    email = ChannelFactory(kind="email")
    phone = ChannelFactory(kind="phone")
    ticket = make_ticket()
    on_ticket = Interaction.objects.create(customer=customer, channel=email, ticket=ticket)
    by_phone = Interaction.objects.create(customer=customer, channel=phone)
    stranger = Interaction.objects.create(customer=CustomerFactory(), channel=email)
    client = api(supervisor)

    def ids(**params):
        response = client.get("/api/v1/interactions/", params)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids(customer=customer.pk) == {on_ticket.pk, by_phone.pk}
    assert ids(ticket=ticket.pk) == {on_ticket.pk}
    assert ids(channel="phone") == {by_phone.pk}
    assert ids(channel=email.pk) == {on_ticket.pk, stranger.pk}
    assert ids(kind="email") == {on_ticket.pk, stranger.pk}
    detail = client.get(f"/api/v1/interactions/{on_ticket.pk}/").json()
    assert detail["ticket_reference"] == ticket.reference
    assert detail["channel"] == "email"
