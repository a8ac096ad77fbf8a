"""One queue rule on every admin page of rows tied to a ticket: an agent sees what belongs to
tickets of their queues, nothing of another queue's (cim_site/permissions.py)."""

import re
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import EmptyResultSet
from django.db import models
from django.test import RequestFactory
from django.urls import reverse

from cim_site.permissions import TicketScopedAdminMixin
from tickets.models import Ticket


def ticket_paths(model: type[models.Model], depth: int = 0, seen: tuple = ()) -> list[str]:
    """Every forward foreign-key lookup from `model` to Ticket, up to three hops."""
    if model is Ticket:
        return [""]
    if depth > 3:
        return []
    found = []
    for field in model._meta.get_fields():
        if not (isinstance(field, models.ForeignKey) and field.concrete):
            continue
        target = field.related_model
        if target in seen or target is model:
            continue
        for rest in ticket_paths(target, depth + 1, (*seen, model)):
            found.append(field.name + (f"__{rest}" if rest else ""))
    return found


def _inlines(model_admin: Any) -> list[type[InlineModelAdmin]]:
    return list(model_admin.inlines)


def _scoped_admin_classes() -> list[tuple[str, Any]]:
    """(label, admin class or inline class) for every admin surface of a ticket-tied model."""
    found = []
    for model, model_admin in admin.site._registry.items():
        if ticket_paths(model):
            found.append((f"{model._meta.label} admin", type(model_admin)))
        for inline in _inlines(model_admin):
            if not ticket_paths(inline.model):
                continue
            parent_scoped = isinstance(model_admin, TicketScopedAdminMixin)
            fk_to_parent = any(
                isinstance(f, models.ForeignKey) and f.related_model is model
                for f in inline.model._meta.get_fields()
            )
            # Rows shown under a parent that is itself scoped are that parent's children: they
            # are seen only once the parent is. Anywhere else (the customer page) the inline
            # must scope its rows itself.
            if parent_scoped and fk_to_parent and not issubclass(inline, TicketScopedAdminMixin):
                continue
            found.append((f"{inline.model._meta.label} inline on {model._meta.label}", inline))
    return found


def test_walk_finds_the_known_ticket_tied_surfaces():
    labels = {label for label, _cls in _scoped_admin_classes()}
    # Guards the walk itself: if it finds nothing, the test below passes for nothing.
    for expected in (
        "channels.Interaction admin",
        "feedback.MessageSentiment admin",
        "tickets.Ticket inline on customers.Customer",
        "channels.Interaction inline on customers.Customer",
    ):
        assert expected in labels


@pytest.mark.parametrize(("label", "cls"), _scoped_admin_classes(), ids=lambda v: str(v))
def test_every_ticket_tied_admin_uses_the_queue_rule(label, cls):
    assert issubclass(cls, TicketScopedAdminMixin), (
        f"{label} ({cls.__module__}.{cls.__name__}) shows rows tied to a ticket: add "
        "TicketScopedAdminMixin with ticket_path (cim_site/permissions.py)"
    )
    assert getattr(cls, "ticket_path", None) is not None, f"{label}: set ticket_path"


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.parametrize(("label", "cls"), _scoped_admin_classes(), ids=lambda v: str(v))
def test_every_ticket_tied_admin_filters_an_agents_rows_by_ticket_queue(
    label, cls, agent_in_group, queue
):
    # Behaviour, not only the base class: an admin whose get_queryset skips super() (or
    # self.scope) would slip through the test above.
    model_admin = _instance(cls)
    try:
        sql = str(model_admin.get_queryset(_request(agent_in_group)).query)
    except EmptyResultSet:
        return  # no row at all (an inline the user may not view gives .none())
    # visible_tickets: a filter on the ticket's own queue, directly or as a subquery (U0).
    assert re.search(r'("tickets_ticket"|U\d+)\."queue_id" IN', sql), f"{label} not scoped:\n{sql}"


def _instance(cls):
    for model, model_admin in admin.site._registry.items():
        if type(model_admin) is cls:
            return model_admin
        for inline in model_admin.inlines:
            if inline is cls:
                return inline(model, admin.site)
    raise AssertionError(cls)


# --- another queue's rows, end to end -----------------------------------------------------------


@pytest.fixture
def moved_away(full_data, other_queue):
    """Every row of full_data, with all its tickets moved to a queue the agent does not work."""
    Ticket.objects.update(queue=other_queue)
    return full_data


def _own_rows(model_admin, request):
    own = model_admin.own_rows_q(request)
    qs = model_admin.get_queryset(request)
    return qs.filter(own) if own is not None else qs.none()


@pytest.mark.parametrize(("label", "cls"), _scoped_admin_classes(), ids=lambda v: str(v))
def test_agent_sees_no_row_of_another_queues_ticket(
    label, cls, moved_away, agent_in_group, admin_user
):
    model_admin = _instance(cls)
    request = _request(agent_in_group)
    visible = model_admin.get_queryset(request)
    own = model_admin.own_rows_q(request)
    leaked = visible.exclude(own) if own is not None else visible
    assert not leaked.exists(), f"{label}: {list(leaked[:5])}"


@pytest.mark.parametrize(
    ("url_name", "key"),
    [
        ("admin:tickets_ticket_change", "ticket"),
        ("admin:channels_interaction_change", "interaction"),
    ],
)
def test_agent_cannot_open_another_queues_row(client, moved_away, agent_in_group, url_name, key):
    client.force_login(agent_in_group)
    row = moved_away[key]
    response = client.get(reverse(url_name, args=[row.pk]))
    # The admin answers a row out of scope exactly as a row that does not exist.
    missing = client.get(reverse(url_name, args=[999999]))
    assert response.status_code == missing.status_code == 302
    assert response.url == missing.url == reverse("admin:index")
    history = client.get(reverse(url_name.replace("_change", "_history"), args=[row.pk]))
    missing = client.get(reverse(url_name.replace("_change", "_history"), args=[999999]))
    assert history.status_code == missing.status_code
    assert history.status_code in (302, 404)


def test_agent_changelists_of_ticket_tied_rows_show_nothing_of_another_queue(
    client, moved_away, agent_in_group
):
    client.force_login(agent_in_group)
    ticket = moved_away["ticket"]
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, TicketScopedAdminMixin):
            continue
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = client.get(url)
        assert response.status_code in (200, 403), url
        if response.status_code == 200:
            page = response.content.decode()
            assert ticket.reference not in page, url
            assert ticket.subject not in page, url


def test_interaction_of_another_queue_is_gone_but_the_agents_own_walk_in_stays(
    client, moved_away, agent_in_group, customer
):
    from channels import services as channel_services

    walk_in, _ = channel_services.record_interaction(
        customer=customer, channel=moved_away["channel"], agent=agent_in_group
    )
    stranger, _ = channel_services.record_interaction(
        customer=customer, channel=moved_away["channel"], external_id="no-agent"
    )
    client.force_login(agent_in_group)
    response = client.get(reverse("admin:channels_interaction_changelist"))
    assert list(response.context["cl"].result_list) == [walk_in]
    assert stranger.pk != walk_in.pk


def test_customer_page_lists_only_the_agents_tickets(
    client, full_data, agent_in_group, customer, other_queue
):
    from tests.admin.conftest import make_ticket

    mine = full_data["ticket"]
    theirs = make_ticket(customer=customer, queue=other_queue, subject="Việc của hàng đợi khác")
    client.force_login(agent_in_group)
    response = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert mine.reference in page
    assert theirs.reference not in page
    assert theirs.subject not in page
