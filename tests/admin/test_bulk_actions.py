"""The ticket list of issue 11: saved views in the sidebar, the narrowed filters, and the bulk
actions with an intermediate page, a per-ticket report and one transaction per ticket."""

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.urls import reverse

from tests.factories import AgentFactory, QueueFactory, ReasonFactory, TicketFactory
from tickets import saved_views, services
from tickets.errors import TicketError, TicketErrorCode
from tickets.models import SavedView, Tag, Ticket

CHANGELIST = reverse("admin:tickets_ticket_changelist")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def colleague(queue, groups):
    user = AgentFactory(username="binh", first_name="Bình", last_name="Trần", queues=[queue])
    user.groups.add(groups["Agent"])
    return user


@pytest.fixture
def logged_in(client, agent_in_group):
    client.force_login(agent_in_group)
    return client


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def post_action(client, action, tickets, **data):
    payload = {"action": action, "_selected_action": [t.pk for t in tickets], **data}
    return client.post(CHANGELIST, payload)


# --- sidebar and list -----------------------------------------------------------------------


def test_sidebar_lists_the_views_with_counts(logged_in, queue, other_queue):
    TicketFactory.create_batch(2, queue=queue, status="new")
    TicketFactory(queue=other_queue, status="new")
    response = logged_in.get(CHANGELIST)
    assert response.status_code == 200
    rows = {row["label"]: row for row in response.context["cim_saved_views"]}
    assert rows["Unassigned in my queues"]["count"] == "2"
    assert rows["My open tickets"]["count"] == "0"
    assert 'class="cim-view-count"' in response.content.decode()


def test_sidebar_counts_are_capped(logged_in, queue, monkeypatch):
    monkeypatch.setattr(saved_views, "CAP", 2)
    TicketFactory.create_batch(3, queue=queue, status="new")
    rows = {r["label"]: r for r in logged_in.get(CHANGELIST).context["cim_saved_views"]}
    assert rows["Unassigned in my queues"]["count"] == "2+"


def test_changelist_queries_do_not_grow_with_views_or_tickets(
    logged_in, agent_in_group, queue, django_assert_max_num_queries
):
    TicketFactory.create_batch(3, queue=queue, status="new")
    logged_in.get(CHANGELIST)
    cache.clear()
    with django_assert_max_num_queries(30) as first:
        logged_in.get(CHANGELIST)
    baseline = len(first.captured_queries)
    for i in range(5):
        SavedView.objects.create(name=f"v{i}", owner=agent_in_group, spec={"priorities": [2]})
    TicketFactory.create_batch(10, queue=queue, status="new")
    cache.clear()
    with django_assert_max_num_queries(baseline):
        logged_in.get(CHANGELIST)


def test_opening_a_view_filters_the_list(logged_in, queue, colleague):
    free = TicketFactory(queue=queue, status="new")
    taken = TicketFactory(queue=queue, status="new", assignee=colleague)
    view = SavedView.objects.get(key="unassigned-mine")
    response = logged_in.get(CHANGELIST, {"view": view.pk})
    shown = {t.pk for t in response.context["cl"].result_list}
    assert shown == {free.pk}
    assert taken.pk not in shown
    row = next(r for r in response.context["cim_saved_views"] if r["id"] == view.pk)
    assert row["selected"]


def test_another_agents_personal_view_is_not_opened(logged_in, other_agent, queue):
    theirs = SavedView.objects.create(name="x", owner=other_agent, spec={})
    TicketFactory(queue=queue)
    response = logged_in.get(CHANGELIST, {"view": theirs.pk})
    assert response.status_code == 404
    assert logged_in.get(CHANGELIST, {"view": "abc"}).status_code == 404


def test_customer_waiting_and_priority_cues(logged_in, customer, queue):
    waiting = services.create_ticket(customer=customer, subject="Chờ", body="Hi", queue=queue)
    services.set_priority(ticket=waiting, priority=4, by=None)
    body = logged_in.get(CHANGELIST).content.decode()
    assert 'class="cim-waiting"' in body
    assert "cim-pri cim-pri-4" in body


def test_queue_and_assignee_filters_offer_only_the_agents_queues(
    logged_in, agent_in_group, queue, other_queue, other_agent, colleague
):
    second = QueueFactory(code="warranty", name="Warranty")
    agent_in_group.agent_profile.queues.add(second)
    response = logged_in.get(CHANGELIST)
    specs = {getattr(s, "field_path", None): s for s in response.context["cl"].filter_specs}
    queue_choices = {label for _pk, label in specs["queue"].lookup_choices}
    assert queue_choices == {queue.name, second.name}
    agent_choices = {label for _pk, label in specs["assignee"].lookup_choices}
    assert "Bình Trần" in agent_choices and "other-agent" not in agent_choices


# --- bulk actions ---------------------------------------------------------------------------


def test_assign_shows_a_form_with_only_agents_of_my_queues(
    logged_in, queue, colleague, other_agent
):
    ticket = TicketFactory(queue=queue)
    response = post_action(logged_in, "bulk_assign", [ticket])
    assert response.status_code == 200
    choices = list(response.context["form"].fields["agent"].queryset)
    assert colleague in choices and other_agent not in choices
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_assign_to_a_colleague_reports_each_ticket(logged_in, agent_in_group, queue, colleague):
    second = QueueFactory(code="warranty", name="Warranty")
    agent_in_group.agent_profile.queues.add(second)
    ok1 = TicketFactory(queue=queue, status="open")
    ok2 = TicketFactory(queue=queue, status="new")
    closed = TicketFactory(queue=queue, status="closed")
    not_hers = TicketFactory(queue=second, status="open")
    response = post_action(
        logged_in, "bulk_assign", [ok1, ok2, closed, not_hers], apply="1", agent=colleague.pk
    )
    assert response.status_code == 302
    assert set(Ticket.objects.filter(assignee=colleague).values_list("pk", flat=True)) == {
        ok1.pk,
        ok2.pk,
    }
    messages = texts(response)
    assert any("Assigned to Bình Trần" in m and ok1.reference in m for m in messages)
    assert any("the ticket is closed" in m and closed.reference in m for m in messages)
    assert any("does not work the queue" in m and not_hers.reference in m for m in messages)


def test_assign_refuses_an_agent_i_may_not_pick(logged_in, queue, other_agent):
    ticket = TicketFactory(queue=queue)
    response = post_action(logged_in, "bulk_assign", [ticket], apply="1", agent=other_agent.pk)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None


def test_move_only_to_queues_i_work(logged_in, queue, other_queue):
    ticket = TicketFactory(queue=queue)
    response = post_action(logged_in, "bulk_move", [ticket], apply="1", queue=other_queue.pk)
    assert response.status_code == 200 and response.context["form"].errors
    assert Ticket.objects.get(pk=ticket.pk).queue == queue


def test_move_to_a_queue(logged_in, agent_in_group, queue):
    target = QueueFactory(code="warranty", name="Warranty")
    agent_in_group.agent_profile.queues.add(target)
    moving = TicketFactory(queue=queue)
    there = TicketFactory(queue=target)
    response = post_action(logged_in, "bulk_move", [moving, there], apply="1", queue=target.pk)
    assert Ticket.objects.get(pk=moving.pk).queue == target
    messages = texts(response)
    assert any("Moved to Warranty" in m and moving.reference in m for m in messages)
    assert any("Already so" in m and there.reference in m for m in messages)


def test_move_to_a_closed_queue_is_refused_per_ticket(logged_in, agent_in_group, queue):
    target = QueueFactory(code="old", name="Old", is_active=False)
    agent_in_group.agent_profile.queues.add(target)
    ticket = TicketFactory(queue=queue)
    # A closed queue is not offered at all.
    response = post_action(logged_in, "bulk_move", [ticket], apply="1", queue=target.pk)
    assert response.status_code == 200 and response.context["form"].errors
    assert Ticket.objects.get(pk=ticket.pk).queue == queue


def test_set_priority(logged_in, queue):
    low = TicketFactory(queue=queue, priority=1)
    urgent = TicketFactory(queue=queue, priority=4)
    response = post_action(logged_in, "bulk_priority", [low, urgent], apply="1", priority="4")
    assert Ticket.objects.get(pk=low.pk).priority == 4
    messages = texts(response)
    assert any("Priority set to Urgent" in m and low.reference in m for m in messages)
    assert any("Already so" in m and urgent.reference in m for m in messages)


def test_set_priority_rejects_an_unknown_value(logged_in, queue):
    ticket = TicketFactory(queue=queue, priority=2)
    response = post_action(logged_in, "bulk_priority", [ticket], apply="1", priority="9")
    assert response.status_code == 200 and response.context["form"].errors
    assert Ticket.objects.get(pk=ticket.pk).priority == 2


def test_add_and_remove_tags(logged_in, queue):
    first = TicketFactory(queue=queue)
    first.tags.add(Tag.objects.create(name="old"))
    second = TicketFactory(queue=queue)
    post_action(logged_in, "bulk_tags", [first, second], apply="1", add="VIP, gấp", remove="old")
    assert set(first.tags.values_list("name", flat=True)) == {"vip", "gấp"}
    assert set(second.tags.values_list("name", flat=True)) == {"vip", "gấp"}


def test_tags_form_needs_a_tag(logged_in, queue):
    ticket = TicketFactory(queue=queue)
    response = post_action(logged_in, "bulk_tags", [ticket], apply="1", add=" , ", remove="")
    assert response.status_code == 200 and response.context["form"].errors


def test_a_ticket_is_never_half_changed(logged_in, queue, monkeypatch):
    good = TicketFactory(queue=queue)
    bad = TicketFactory(queue=queue)
    real_add = services.add_tag

    def add_tag(*, ticket, name, by):
        # The second tag of the second ticket fails after its first tag was added.
        if ticket.pk == bad.pk and name == "two":
            raise TicketError(TicketErrorCode.INVALID_TAG, "no such tag")
        return real_add(ticket=ticket, name=name, by=by)

    monkeypatch.setattr(services, "add_tag", add_tag)
    response = post_action(logged_in, "bulk_tags", [good, bad], apply="1", add="one, two")
    assert set(good.tags.values_list("name", flat=True)) == {"one", "two"}
    assert not bad.tags.exists()
    assert any("no such tag" in m and bad.reference in m for m in texts(response))


def test_set_reason(logged_in, queue):
    reason = ReasonFactory(code="late", name_vi="Trễ", name_en="Late")
    category = reason.parent
    ticket = TicketFactory(queue=queue)
    response = post_action(logged_in, "bulk_reason", [ticket], apply="1", reason=category.pk)
    assert response.status_code == 200 and response.context["form"].errors  # not a category
    post_action(logged_in, "bulk_reason", [ticket], apply="1", reason=reason.pk)
    assert Ticket.objects.get(pk=ticket.pk).reason == reason


def test_bulk_action_skips_tickets_of_other_queues(logged_in, queue, other_queue):
    mine = TicketFactory(queue=queue, priority=1)
    theirs = TicketFactory(queue=other_queue, priority=1)
    post_action(logged_in, "bulk_priority", [mine, theirs], apply="1", priority="3")
    assert Ticket.objects.get(pk=mine.pk).priority == 3
    assert Ticket.objects.get(pk=theirs.pk).priority == 1


def test_the_views_and_the_bulk_form_read_in_vietnamese(logged_in, queue, settings):
    settings.LANGUAGE_CODE = "vi"
    ticket = TicketFactory(queue=queue)
    headers = {"HTTP_ACCEPT_LANGUAGE": "vi"}
    body = logged_in.get(CHANGELIST, **headers).content.decode()
    assert "Chưa phân công trong hàng đợi của tôi" in body
    assert "Phân công cho nhân viên…" in body
    form = logged_in.post(
        CHANGELIST, {"action": "bulk_tags", "_selected_action": [ticket.pk]}, **headers
    )
    assert "Thêm nhãn" in form.content.decode()


# --- making views in the admin ----------------------------------------------------------------

VIEW_ADD = reverse("admin:tickets_savedview_add")


@pytest.fixture
def view_agent(client, agent_in_group):
    from cim_site.roles import sync_group_permissions

    sync_group_permissions()
    client.force_login(agent_in_group)
    return client


def test_an_agent_saves_a_personal_view_from_the_form(view_agent, agent_in_group, queue):
    assert view_agent.get(VIEW_ADD).status_code == 200
    response = view_agent.post(
        VIEW_ADD,
        {
            "name": "Gấp của tôi",
            "visibility": "personal",
            "position": "10",
            "statuses": ["new", "open"],
            "assignee": "me",
            "queues_mode": "specific",
            "queues": [queue.pk],
            "priorities": ["4"],
            "tags": "vip, gấp",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    view = SavedView.objects.get(name="Gấp của tôi")
    assert view.owner == agent_in_group
    assert view.spec == {
        "statuses": ["new", "open"],
        "assignee": "me",
        "queues": [queue.pk],
        "priorities": [4],
        "tags": ["gấp", "vip"],
    }
    # It shows in the list's sidebar.
    labels = [r["label"] for r in view_agent.get(CHANGELIST).context["cim_saved_views"]]
    assert "Gấp của tôi" in labels


def test_an_agent_may_not_share_with_everyone(view_agent):
    response = view_agent.post(
        VIEW_ADD,
        {
            "name": "x",
            "visibility": "everyone",
            "position": "1",
            "assignee": "any",
            "queues_mode": "any",
        },
    )
    assert response.status_code == 200
    assert "visibility" in response.context["adminform"].form.errors
    assert not SavedView.objects.filter(name="x").exists()


def test_an_agent_edits_only_their_own_views(view_agent, other_agent):
    theirs = SavedView.objects.create(name="theirs", owner=other_agent, spec={})
    shipped = SavedView.objects.get(key="my-open")
    assert (
        view_agent.get(reverse("admin:tickets_savedview_change", args=[theirs.pk])).status_code
        == 302
    )
    assert (
        view_agent.get(reverse("admin:tickets_savedview_change", args=[shipped.pk])).status_code
        == 302
    )


def test_a_bulk_action_over_too_many_tickets_changes_nothing(logged_in, queue, monkeypatch):
    from tickets.admin import bulk

    monkeypatch.setattr(bulk, "MAX_BULK", 2)
    tickets = TicketFactory.create_batch(3, queue=queue, priority=1)
    response = post_action(logged_in, "bulk_priority", tickets, apply="1", priority="4")
    assert response.status_code == 302
    assert any("At most 2 tickets" in m for m in texts(response))
    assert not Ticket.objects.filter(priority=4).exists()
