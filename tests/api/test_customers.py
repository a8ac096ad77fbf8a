import pytest

from customers.models import Customer, CustomerIdentity
from tests.factories import CustomerFactory, OrganizationFactory, SegmentFactory

URL = "/api/v1/customers/"


@pytest.fixture
def client(api, supervisor):
    # Agents read customers only, in the API as in the admin (tests/test_permission_matrix.py).
    return api(supervisor)


def test_an_agent_may_read_but_not_rename_a_customer(api, agent, customer):
    client = api(agent)
    assert client.get(f"{URL}{customer.pk}/").status_code == 200
    response = client.patch(f"{URL}{customer.pk}/", {"name": "Tên khác"}, format="json")
    assert response.status_code == 403
    assert client.post(URL, {"name": "Mới"}, format="json").status_code == 403
    customer.refresh_from_db()
    assert customer.name == "Nguyễn Thị Lan"


def test_create_normalises_phone_to_e164_and_records_identities(client):
    org = OrganizationFactory(name="Công ty ABC")
    SegmentFactory(code="vip")

    response = client.post(
        URL,
        {
            "name": "  Phạm Văn Nam ",
            "email": "Nam@Example.VN",
            "phone": "0912 345 678",
            "organization": org.pk,
            "segment": "vip",
            "attributes": {"crm_tier": "gold"},
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Phạm Văn Nam"
    assert body["email"] == "nam@example.vn"
    assert body["phone"] == "+84912345678"
    assert body["organization"] == org.pk
    assert body["segment"] == "vip"
    assert {(i["kind"], i["address"]) for i in body["identities"]} == {
        ("email", "nam@example.vn"),
        ("phone", "+84912345678"),
    }
    assert Customer.objects.get().history.first().history_user.username == "supervisor"


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"email": "nam@"}, "email", "invalid_email"),
        ({"phone": "123"}, "phone", "invalid_phone"),
        ({"phone": "không có"}, "phone", "invalid_phone"),
        ({"language": "fr"}, "language", "invalid"),
        ({"organization": 999999}, "organization", "invalid"),
        ({"segment": "nope"}, "segment", "invalid"),
        ({"attributes": ["not", "a", "dict"]}, "attributes", "invalid"),
    ],
)
def test_create_rejects_bad_input_on_the_field(client, payload, field, code):
    response = client.post(URL, payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert field in response.json()["fields"]
    assert Customer.objects.count() == 0


def test_create_with_an_address_of_another_customer_is_refused(client):
    CustomerFactory(email="taken@example.vn")

    response = client.post(URL, {"email": "TAKEN@example.vn"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "identity_taken"
    assert "email" in response.json()["fields"]
    assert Customer.objects.count() == 1


def test_duplicate_crm_id_is_a_field_error(client):
    CustomerFactory(external_id="CRM-1")

    response = client.post(URL, {"email": "x@example.vn", "external_id": "CRM-1"}, format="json")

    assert response.status_code == 400
    assert "external_id" in response.json()["fields"]


def test_patch_updates_through_the_service(client, customer):
    response = client.patch(f"{URL}{customer.pk}/", {"phone": "84987654321"}, format="json")

    assert response.status_code == 200
    assert response.json()["phone"] == "+84987654321"
    assert response.json()["email"] == "lan@example.vn"
    assert CustomerIdentity.objects.filter(
        customer=customer, kind="phone", address="+84987654321"
    ).exists()


def test_patch_with_a_bad_email_changes_nothing(client, customer):
    response = client.patch(f"{URL}{customer.pk}/", {"email": "lan", "name": "X"}, format="json")

    assert response.status_code == 400
    assert "email" in response.json()["fields"]
    customer.refresh_from_db()
    assert customer.name == "Nguyễn Thị Lan"


def test_identities_are_read_only(client, customer):
    response = client.patch(
        f"{URL}{customer.pk}/", {"identities": [{"kind": "zalo", "address": "1"}]}, format="json"
    )

    assert response.status_code == 200
    assert [i["kind"] for i in response.json()["identities"]] == ["email"]


def test_filters_by_phone_in_any_notation_and_by_text(client):
    caller = CustomerFactory(email="", phone="+84912345678", name="Lê Thị Hoa")
    CustomerFactory(name="Someone else")

    by_phone = client.get(URL, {"phone": "0912.345.678"}).json()["results"]
    by_text = client.get(URL, {"q": "hoa"}).json()["results"]

    assert [c["id"] for c in by_phone] == [caller.pk]
    assert [c["id"] for c in by_text] == [caller.pk]
    bad = client.get(URL, {"phone": "abc"})
    assert bad.status_code == 400
    assert "phone" in bad.json()["fields"]


def test_retrieve_shows_nested_identities(client, customer):
    response = client.get(f"{URL}{customer.pk}/")

    assert response.status_code == 200
    assert response.json()["identities"][0]["address"] == "lan@example.vn"


def test_delete_is_not_offered(client, customer):
    assert client.delete(f"{URL}{customer.pk}/").status_code == 405


def test_organizations_are_listed_and_filtered(client):
    abc = OrganizationFactory(name="ABC Logistics", domain="abc.vn")
    OrganizationFactory(name="XYZ Retail", domain="xyz.vn")

    response = client.get("/api/v1/organizations/", {"domain": "ABC.vn"})

    assert response.status_code == 200
    assert [o["id"] for o in response.json()["results"]] == [abc.pk]
    assert client.post("/api/v1/organizations/", {"name": "New"}).status_code == 405
