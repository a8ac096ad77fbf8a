"""One permission table (cim_site.permissions.may: the model permissions of the groups in
cim_site/roles.py), checked for every role × every API endpoint of the OpenAPI schema and every
admin model. The endpoints and the models are walked, not listed: one added later is covered.

There is no customer-facing token in the API (the chat widget and the survey pages have their
own views, keyed by a browser key or a signed link): anonymous stands for the outside world."""

import re
from typing import Any

import pytest
from django.contrib import admin
from django.db import models
from django.test import RequestFactory
from django.urls import resolve, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from cim_site.api.permissions import ModelPermission, permission_model_of
from cim_site.permissions import METHOD_ACTIONS, may
from tests.admin.conftest import (  # noqa: F401 (fixtures)
    _english,
    _media_in_tmp,
    agent_in_group,
    full_data,
    groups,
)
from tests.factories import UserFactory, ensure_groups

ROLES = ("anonymous", "agent", "reason_manager", "supervisor", "superuser")
# Open to the outside world by design: the token endpoint takes a username and password (and
# counts failures towards the login lockout); an empty body is a 400 for everyone.
PUBLIC = {("/api/v1/auth/token/", "post")}
METHODS = ("get", "patch", "put", "post", "delete")


@pytest.fixture
def users(full_data, agent_in_group, admin_user) -> dict[str, Any]:  # noqa: F811
    from tickets import macros

    staff_groups = ensure_groups()
    reasons = UserFactory(username="reasons-only")
    reasons.groups.add(staff_groups["Reason manager"])
    supervisor = UserFactory(username="lead")
    supervisor.groups.add(staff_groups["Supervisor"])
    # The newest row is the one a detail URL names (see _concrete): an agent's own macro, which
    # the agent may change (a shared one is refused by its object rule, not by the table).
    macros.create_macro(by=agent_in_group, name_vi="Của tôi", reply_vi="Chào anh/chị.")
    return {
        "anonymous": None,
        "agent": agent_in_group,
        "reason_manager": reasons,
        "supervisor": supervisor,
        "superuser": admin_user,
    }


def _operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method)
        for path, item in schema["paths"].items()
        for method in METHODS
        if method in item
    ]


def test_the_schema_walk_sees_the_endpoints():
    operations = set(_operations())
    assert ("/api/v1/customers/{id}/", "patch") in operations
    assert ("/api/v1/tickets/", "post") in operations
    assert len(operations) > 40


def _view_for(url: str, method: str) -> Any:
    match = resolve(url)
    cls = match.func.cls
    view = cls()
    actions = getattr(match.func, "actions", None) or {}
    view.action = actions.get(method)
    view.kwargs = match.kwargs
    return view


def _concrete(path: str) -> str:
    """The path with each parameter set to a row that exists (the first one of its model)."""
    from customers.models import Customer

    def row_id(model: type[models.Model] | None, lookup: str) -> str:
        obj = model.objects.order_by("-pk").first() if model is not None else None
        if obj is None:
            return "1"
        value = getattr(obj, lookup, obj.pk)
        return str(value.pk if isinstance(value, models.Model) else value)

    if "{customer_pk}" in path:
        path = path.replace("{customer_pk}", str(Customer.objects.order_by("pk").first().pk))
    if "{" not in path:
        return path
    probe = re.sub(r"\{[^}]+\}", "1", path)
    view = _view_for(probe, "get")
    model = permission_model_of(view)
    return re.sub(r"\{[^}]+\}", row_id(model, getattr(view, "lookup_field", "pk")), path)


def _expected_allowed(user: Any, url: str, method: str) -> bool:
    view = _view_for(url, method)
    model = permission_model_of(view)
    assert model is not None, f"{url}: set permission_model on {type(view).__name__}"
    declared = getattr(view, "permission_actions", {}) or {}
    action = (
        declared.get(view.action)
        or getattr(view, "permission_action", None)
        or METHOD_ACTIONS[method.upper()]
    )
    if method == "get":
        action = "view"
    return may(user, model, action)


@pytest.mark.parametrize("role", ROLES)
def test_every_api_endpoint_answers_as_the_table_says(role, users):
    user = users[role]
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    wrong = []
    # Writes last, deletes at the very end: an allowed DELETE removes the row the others use.
    operations = sorted(_operations(), key=lambda op: (METHODS.index(op[1]), op[0]))
    for path, method in operations:
        url = _concrete(path)
        response = getattr(client, method)(url, {}, format="json")
        code = response.status_code
        if code >= 500:
            wrong.append(f"{method.upper()} {url}: {code}")
            continue
        if (path, method) in PUBLIC:
            if code != 400:
                wrong.append(f"{method.upper()} {url}: {role} got {code} for an empty body")
            continue
        if user is None:
            if code not in (401, 403):
                wrong.append(f"{method.upper()} {url}: anonymous got {code}")
            continue
        allowed = _expected_allowed(user, url, method)
        if allowed and code in (401, 403):
            wrong.append(f"{method.upper()} {url}: {role} may, got {code}")
        if not allowed and code != 403:
            wrong.append(f"{method.upper()} {url}: {role} may not, got {code}")
    assert not wrong, "\n".join(wrong)


def test_the_api_default_is_the_table():
    from django.conf import settings

    from cim_site.api.urls import router

    assert settings.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] == [
        "cim_site.api.permissions.ModelPermission"
    ]
    # A view that set its own permission classes would leave the table: none does.
    for _prefix, viewset, _basename in router.registry:
        for permission in viewset.permission_classes:
            assert issubclass(permission, ModelPermission), viewset


# --- the admin ---------------------------------------------------------------------------------


def _admin_models() -> list[type[models.Model]]:
    return list(admin.site._registry)


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_model_answers_as_the_table_says(role, users, client):
    user = users[role]
    if user is not None:
        client.force_login(user)
    wrong = []
    for model in _admin_models():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        if user is None:
            for url in (changelist, add):
                code = client.get(url).status_code
                if code != 302:
                    wrong.append(f"{url}: anonymous got {code}")
            continue
        may_view = may(user, model, "view")
        code = client.get(changelist).status_code
        if code != (200 if may_view else 403):
            wrong.append(f"{changelist}: {role} may view={may_view}, got {code}")
        code = client.get(add).status_code
        if code >= 500 or (code == 200 and not may(user, model, "add")):
            wrong.append(f"{add}: {role} may add={may(user, model, 'add')}, got {code}")
        model_admin = admin.site._registry[model]
        request = RequestFactory().get(changelist)
        request.user = user
        row = model_admin.get_queryset(request).order_by("pk").first()
        if row is None:
            continue
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
        code = client.get(change).status_code
        if code >= 500 or (code == 200 and not may_view):
            wrong.append(f"{change}: {role} may view={may_view}, got {code}")
    assert not wrong, "\n".join(wrong)


def test_admin_and_api_agree_an_agent_only_reads_customers(users, client, customer):
    agent = users["agent"]
    api = APIClient()
    api.force_authenticate(agent)
    assert (
        api.patch(f"/api/v1/customers/{customer.pk}/", {"name": "X"}, format="json").status_code
        == 403
    )
    client.force_login(agent)
    page = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]


# --- another queue's rows: 404 in the API, absent from the admin ---------------------------------


@pytest.fixture
def elsewhere(full_data, other_queue):  # noqa: F811
    from tickets.models import Ticket

    Ticket.objects.update(queue=other_queue)
    return full_data


def _detail_urls_of_ticket_tied_rows(data) -> list[str]:
    ticket = data["ticket"]
    interaction = data["interaction"]
    urls = [
        f"/api/v1/tickets/{ticket.pk}/",
        f"/api/v1/tickets/{ticket.pk}/messages/",
        f"/api/v1/tickets/{ticket.pk}/links/",
        f"/api/v1/interactions/{interaction.pk}/",
    ]
    from feedback.models import MessageSentiment, SurveyInvitation

    invitation = SurveyInvitation.objects.filter(ticket__isnull=False).first()
    if invitation is not None:
        urls.append(f"/api/v1/surveys/invitations/{invitation.pk}/")
    sentiment = MessageSentiment.objects.first()
    if sentiment is not None:
        urls.append(f"/api/v1/sentiment/{sentiment.message_id}/")
    return urls


def test_agent_gets_404_on_another_queues_ticket_tied_rows_in_the_api(users, elsewhere):
    api = APIClient()
    api.force_authenticate(users["agent"])
    supervisor = APIClient()
    supervisor.force_authenticate(users["supervisor"])
    for url in _detail_urls_of_ticket_tied_rows(elsewhere):
        assert supervisor.get(url).status_code == 200, url
        assert api.get(url).status_code == 404, url
    interaction = elsewhere["interaction"]
    response = api.patch(f"/api/v1/interactions/{interaction.pk}/", {"note": "x"}, format="json")
    assert response.status_code == 404


def test_another_queues_rows_are_absent_from_api_lists(users, elsewhere):
    api = APIClient()
    api.force_authenticate(users["agent"])
    ticket = elsewhere["ticket"]
    for url in ("/api/v1/tickets/", "/api/v1/interactions/", "/api/v1/surveys/invitations/"):
        body = api.get(url).content.decode()
        assert ticket.reference not in body, url
        assert f'"ticket":{ticket.pk}' not in body.replace(" ", ""), url
