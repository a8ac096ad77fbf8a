"""The governed reason list, kept by the Reason manager group."""

from django.urls import reverse

from tests.factories import ReasonCategoryFactory, ReasonFactory
from tickets.models import InteractionReason

ADD = reverse("admin:tickets_interactionreason_add")
CHANGELIST = reverse("admin:tickets_interactionreason_changelist")


def reason_data(**fields):
    data = {
        "parent": "",
        "code": "",
        "name_vi": "Tên",
        "name_en": "Name",
        "description": "",
        "is_active": "on",
        "position": "0",
    }
    data.update(fields)
    return data


def test_reason_manager_can_add_a_reason_under_a_category(client, reason_manager):
    category = ReasonCategoryFactory(code="billing")
    client.force_login(reason_manager)
    assert client.get(CHANGELIST).status_code == 200
    response = client.post(
        ADD,
        reason_data(parent=category.pk, code="double-charge", name_vi="Trừ tiền hai lần"),
    )
    assert response.status_code == 302
    reason = InteractionReason.objects.get(code="double-charge")
    assert reason.parent == category
    assert reason.history.get().history_user == reason_manager


def test_reason_manager_can_edit_a_reason(client, reason_manager):
    reason = ReasonFactory(code="late")
    client.force_login(reason_manager)
    url = reverse("admin:tickets_interactionreason_change", args=[reason.pk])
    response = client.post(
        url, reason_data(parent=reason.parent_id, code="late", name_vi="Giao trễ", is_active="")
    )
    assert response.status_code == 302
    reason.refresh_from_db()
    assert (reason.name_vi, reason.is_active) == ("Giao trễ", False)


def test_a_third_level_is_rejected_with_a_form_error(superuser_client):
    reason = ReasonFactory()
    response = superuser_client.post(ADD, reason_data(parent=reason.pk, code="too-deep"))
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors
    assert not InteractionReason.objects.filter(code="too-deep").exists()


def test_a_category_with_reasons_cannot_get_a_parent(superuser_client):
    reason = ReasonFactory()
    category = reason.parent
    other = ReasonCategoryFactory()
    url = reverse("admin:tickets_interactionreason_change", args=[category.pk])
    response = superuser_client.post(
        url, reason_data(parent=other.pk, code=category.code, name_vi=category.name_vi)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["parent"]
    assert "category with reasons under it" in " ".join(errors)
    category.refresh_from_db()
    assert category.parent is None


def test_changelist_shows_each_category_followed_by_its_reasons(superuser_client):
    second = ReasonCategoryFactory(code="b-cat", position=2)
    first = ReasonCategoryFactory(code="a-cat", position=1)
    b_reason = ReasonFactory(code="z-reason", parent=second)
    a_reason = ReasonFactory(code="y-reason", parent=first)
    response = superuser_client.get(CHANGELIST)
    assert list(response.context["cl"].result_list) == [first, a_reason, second, b_reason]


def test_reason_manager_has_no_access_to_tickets(client, reason_manager):
    client.force_login(reason_manager)
    assert client.get(reverse("admin:tickets_ticket_changelist")).status_code == 403


def test_agent_sees_reasons_but_cannot_add(client, agent_in_group):
    client.force_login(agent_in_group)
    assert client.get(CHANGELIST).status_code == 200
    assert client.get(ADD).status_code == 403
