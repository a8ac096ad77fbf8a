import pytest
from hypothesis import given
from hypothesis import strategies as st

from customers import services
from customers.errors import CustomerError, CustomerErrorCode
from customers.models import ChannelKind, Customer, CustomerIdentity


@pytest.mark.parametrize(
    "raw",
    ["0912 345 678", "0912-345-678", "+84 912 345 678", "84912345678", "(+84) 912.345.678"],
)
def test_vietnamese_mobile_numbers_normalise_to_e164(raw):
    assert services.normalize_phone(raw) == "+84912345678"


def test_landline_and_foreign_numbers():
    assert services.normalize_phone("028 3822 1234") == "+842838221234"
    assert services.normalize_phone("+1 650-253-0000") == "+16502530000"


@pytest.mark.parametrize("raw", ["12", "0000000000", "abc", "+84 1"])
def test_impossible_numbers_are_rejected(raw):
    with pytest.raises(CustomerError) as err:
        services.normalize_phone(raw)
    assert err.value.code == CustomerErrorCode.INVALID_PHONE
    assert err.value.field == "phone"


@given(st.from_regex(r"0(3|5|7|8|9)[0-9]{8}", fullmatch=True))
def test_any_local_mobile_form_round_trips(local):
    try:
        e164 = services.normalize_phone(local)
    except CustomerError:
        return  # not every prefix is allocated; invalid numbers must raise, not pass through
    assert e164 == "+84" + local[1:]
    assert services.normalize_phone(e164) == e164


def test_email_is_lowercased_and_validated():
    assert services.normalize_email("  Lan.Nguyen@Example.VN ") == "lan.nguyen@example.vn"
    with pytest.raises(CustomerError) as err:
        services.normalize_email("lan@")
    assert err.value.field == "email"


@pytest.mark.django_db
def test_create_customer_makes_identities_for_email_and_phone():
    customer = services.create_customer(
        name="Trần Văn An", email="An@Example.vn", phone="0912345678"
    )
    assert customer.phone == "+84912345678"
    kinds = dict(customer.identities.values_list("kind", "address"))
    assert kinds == {ChannelKind.EMAIL: "an@example.vn", ChannelKind.PHONE: "+84912345678"}


@pytest.mark.django_db
def test_create_customer_with_invalid_phone_saves_nothing():
    with pytest.raises(CustomerError):
        services.create_customer(name="X", email="x@example.vn", phone="123")
    assert Customer.objects.count() == 0
    assert CustomerIdentity.objects.count() == 0


@pytest.mark.django_db
def test_email_of_another_customer_is_refused():
    services.create_customer(email="shared@example.vn")
    with pytest.raises(CustomerError) as err:
        services.create_customer(email="SHARED@example.vn")
    assert err.value.code == CustomerErrorCode.IDENTITY_TAKEN
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_duplicate_crm_id_is_a_field_error():
    services.create_customer(email="a@example.vn", external_id="CRM-1")
    with pytest.raises(CustomerError) as err:
        services.create_customer(email="b@example.vn", external_id="CRM-1")
    assert err.value.field == "external_id"
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_update_customer_normalises_and_records_history(admin_user):
    customer = services.create_customer(name="A", email="a@example.vn")
    services.update_customer(customer=customer, phone="0987654321", by=admin_user)
    customer.refresh_from_db()
    assert customer.phone == "+84987654321"
    assert customer.history.first().history_user == admin_user
    assert customer.identities.filter(kind=ChannelKind.PHONE, address="+84987654321").exists()
    with pytest.raises(TypeError):
        services.update_customer(customer=customer, created_at=None)


@pytest.mark.django_db
def test_resolve_customer_finds_or_creates_once():
    first = services.resolve_customer(kind=ChannelKind.EMAIL, address="Mai@Example.vn", name="Mai")
    again = services.resolve_customer(kind=ChannelKind.EMAIL, address="mai@example.vn")
    assert first.pk == again.pk
    assert first.email == "mai@example.vn"
    zalo = services.resolve_customer(kind=ChannelKind.ZALO, address="  8392011 ")
    assert zalo.identities.get().address == "8392011"
    assert Customer.objects.count() == 2


@pytest.mark.django_db
def test_add_identity_refuses_address_of_someone_else():
    a = services.create_customer(email="a@example.vn")
    b = services.create_customer(email="b@example.vn")
    services.add_identity(customer=a, kind=ChannelKind.ZALO, address="z-1")
    services.add_identity(customer=a, kind=ChannelKind.ZALO, address="z-1")  # idempotent
    with pytest.raises(CustomerError):
        services.add_identity(customer=b, kind=ChannelKind.ZALO, address="z-1")
