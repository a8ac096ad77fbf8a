"""Every page of the staff UI renders, with data on it."""

import pytest
from django.contrib import admin
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _url(model, name, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=args)


@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTRY, ids=[model._meta.label for model, _ in REGISTRY]
)
def test_admin_pages_render_for_superuser(model, model_admin, superuser_client, full_data):
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"full_data has no {model._meta.label} row to show"

    changelist = superuser_client.get(_url(model, "changelist"))
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count >= 1

    if model_admin.search_fields:
        assert superuser_client.get(_url(model, "changelist"), {"q": "a"}).status_code == 200

    change = superuser_client.get(_url(model, "change", obj.pk))
    assert change.status_code == 200

    request = change.wsgi_request
    if model_admin.has_add_permission(request):
        assert superuser_client.get(_url(model, "add")).status_code == 200

    if isinstance(model_admin, SimpleHistoryAdmin):
        assert superuser_client.get(_url(model, "history", obj.pk)).status_code == 200


def test_every_installed_model_with_a_workflow_is_in_the_admin():
    registered = {model._meta.label for model in admin.site._registry}
    for label in (
        "customers.Customer",
        "customers.Organization",
        "customers.Segment",
        "customers.CustomerIdentity",
        "tickets.Ticket",
        "tickets.Queue",
        "tickets.InteractionReason",
        "tickets.Skill",
        "tickets.Tag",
        "tickets.AgentProfile",
        "channels.Channel",
        "channels.Interaction",
        "channels.OutboundMessage",
        "knowledge_base.Category",
        "knowledge_base.Article",
    ):
        assert label in registered


@pytest.mark.parametrize(
    "query",
    [
        {"status__exact": "open"},
        {"priority__exact": "2"},
        {"channel__exact": "web_form"},
        {"q": "lan@example.vn"},
        {"q": "Đơn hàng"},
    ],
)
def test_ticket_changelist_filters_and_search_render(query, superuser_client, full_data):
    response = superuser_client.get(reverse("admin:tickets_ticket_changelist"), query)
    assert response.status_code == 200
    assert full_data["ticket"] in response.context["cl"].result_list


def test_ticket_changelist_filters_by_reason_and_tag(superuser_client, full_data):
    url = reverse("admin:tickets_ticket_changelist")
    by_reason = superuser_client.get(url, {"reason__id__exact": full_data["reason"].pk})
    by_tag = superuser_client.get(url, {"tags__id__exact": full_data["tag"].pk})
    assert list(by_reason.context["cl"].result_list) == [full_data["ticket"]]
    assert list(by_tag.context["cl"].result_list) == [full_data["ticket"]]


def test_malformed_ids_are_not_found_not_errors(superuser_client, full_data):
    for name in ("change", "history"):
        response = superuser_client.get(_url(full_data["ticket"].__class__, name, "abc"))
        assert response.status_code in (302, 404)


def test_ticket_pages_render_in_vietnamese(settings, superuser_client, full_data):
    settings.LANGUAGE_CODE = "vi"
    ticket = full_data["ticket"]
    for url in (
        reverse("admin:tickets_ticket_changelist"),
        reverse("admin:tickets_ticket_change", args=[ticket.pk]),
        reverse("admin:tickets_ticket_add"),
        reverse("admin:customers_customer_change", args=[ticket.customer_id]),
    ):
        response = superuser_client.get(url)
        assert response.status_code == 200
        assert response.wsgi_request.LANGUAGE_CODE == "vi"


def test_agent_can_use_the_tag_autocomplete_of_the_ticket_form(client, agent_in_group, full_data):
    client.force_login(agent_in_group)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "tickets", "model_name": "ticket", "field_name": "tags", "term": "giao"},
    )
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["giao-hang"]
