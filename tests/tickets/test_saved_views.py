"""Saved views: the spec, each shipped view on hand-built tickets, who sees what, the counts."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from feedback.models import MessageSentiment
from tests.factories import AgentFactory, TicketFactory, TicketMessageFactory
from tickets import saved_views
from tickets.models import SavedView, Tag, Ticket, ViewVisibility


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def default(key: str) -> SavedView:
    saved_views.ensure_default_views()
    return SavedView.objects.get(key=key)


def refs(qs) -> set[str]:
    return set(qs.values_list("reference", flat=True))


# --- the spec -----------------------------------------------------------------------------


def test_clean_spec_normalises_a_valid_spec():
    spec = saved_views.clean_spec(
        {
            "statuses": ["open", "new", "open"],
            "assignee": "none",
            "queues": [3, 1],
            "priorities": [4, 3],
            "sla_due_within": 60,
            "waiting_days": 3,
            "sentiment": "negative",
            "tags": [" vip ", "vip"],
        }
    )
    assert spec["statuses"] == ["new", "open"]
    assert spec["queues"] == [1, 3]
    assert spec["priorities"] == [3, 4]
    assert spec["sentiment_since"] == "today"
    assert spec["tags"] == ["vip"]


@pytest.mark.parametrize(
    "spec",
    [
        [],
        "status=open",
        {"where": "1=1"},
        {"statuses": ["lost"]},
        {"statuses": []},
        {"assignee": "bob"},
        {"queues": ["sales"]},
        {"queues": [0]},
        {"priorities": [9]},
        {"priorities": [True]},
        {"sla_due_within": -5},
        {"sla_due_within": "60"},
        {"sla_breached": "yes"},
        {"waiting_days": 0},
        {"sentiment": "angry"},
        {"sentiment_since": "today"},
        {"sentiment": "negative", "sentiment_since": 0},
        {"tags": [""]},
        {"reason": "late"},
    ],
)
def test_clean_spec_rejects_bad_input(spec):
    with pytest.raises(ValidationError):
        saved_views.clean_spec(spec)


def test_every_shipped_view_has_both_names_and_a_valid_spec(db):
    saved_views.ensure_default_views()
    saved_views.ensure_default_views()  # idempotent
    views = SavedView.objects.filter(key__isnull=False)
    assert views.count() == len(saved_views.DEFAULT_VIEWS) == 5
    for view in views:
        assert view.name and view.name_en and view.visibility == ViewVisibility.EVERYONE
        assert saved_views.clean_spec(view.spec) == view.spec


# --- each shipped view on hand-built tickets ------------------------------------------------


@pytest.fixture
def colleague(queue):
    return AgentFactory(username="colleague", queues=[queue])


def test_my_open_tickets(agent, colleague, queue):
    mine = TicketFactory(queue=queue, assignee=agent, status="open")
    mine_pending = TicketFactory(queue=queue, assignee=agent, status="pending")
    TicketFactory(queue=queue, assignee=agent, status="solved")
    TicketFactory(queue=queue, assignee=colleague, status="open")
    TicketFactory(queue=queue, assignee=None, status="new")
    got = saved_views.view_tickets(user=agent, view=default("my-open"))
    assert refs(got) == {mine.reference, mine_pending.reference}


def test_unassigned_in_my_queues(agent, colleague, queue, other_queue, supervisor):
    free = TicketFactory(queue=queue, status="new")
    free_open = TicketFactory(queue=queue, status="open")
    TicketFactory(queue=queue, status="solved")
    TicketFactory(queue=queue, assignee=colleague, status="open")
    elsewhere = TicketFactory(queue=other_queue, status="new")
    view = default("unassigned-mine")
    assert refs(saved_views.view_tickets(user=agent, view=view)) == {
        free.reference,
        free_open.reference,
    }
    # A supervisor who works no queue in particular sees every queue's unassigned tickets.
    assert refs(saved_views.view_tickets(user=supervisor, view=view)) == {
        free.reference,
        free_open.reference,
        elsewhere.reference,
    }


def test_breaching_within_one_hour(agent, queue):
    now = timezone.now()
    soon = TicketFactory(
        queue=queue, status="open", first_response_due_at=now + timedelta(minutes=30)
    )
    overdue = TicketFactory(
        queue=queue, status="open", resolution_due_at=now - timedelta(minutes=5)
    )
    TicketFactory(queue=queue, status="open", first_response_due_at=now + timedelta(hours=3))
    TicketFactory(  # answered already: the first-response clock is met
        queue=queue,
        status="open",
        first_response_due_at=now + timedelta(minutes=10),
        first_responded_at=now - timedelta(minutes=1),
    )
    TicketFactory(  # paused
        queue=queue,
        status="pending",
        first_response_due_at=now + timedelta(minutes=10),
        sla_paused_at=now,
    )
    TicketFactory(queue=queue, status="solved", resolution_due_at=now, solved_at=now)
    got = saved_views.view_tickets(user=agent, view=default("breaching-1h"), now=now)
    assert refs(got) == {soon.reference, overdue.reference}


def test_waiting_on_customer_over_three_days(agent, queue):
    now = timezone.now()
    old = TicketFactory(queue=queue, status="pending")
    recent = TicketFactory(queue=queue, status="pending")
    old_open = TicketFactory(queue=queue, status="open")
    Ticket.objects.filter(pk__in=[old.pk, old_open.pk]).update(updated_at=now - timedelta(days=4))
    Ticket.objects.filter(pk=recent.pk).update(updated_at=now - timedelta(days=2))
    got = saved_views.view_tickets(user=agent, view=default("waiting-3d"), now=now)
    assert refs(got) == {old.reference}


def test_negative_sentiment_today(agent, queue):
    now = timezone.now()
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)

    def feel(ticket, label, at):
        message = TicketMessageFactory(ticket=ticket)
        MessageSentiment.objects.create(
            message=message, ticket=ticket, pending=False, label=label, created_at=at
        )

    angry = TicketFactory(queue=queue, status="open")
    feel(angry, "negative", start_of_day + timedelta(seconds=1))
    feel(angry, "negative", start_of_day + timedelta(seconds=2))  # still one row
    yesterday = TicketFactory(queue=queue, status="open")
    feel(yesterday, "negative", start_of_day - timedelta(seconds=1))
    happy = TicketFactory(queue=queue, status="open")
    feel(happy, "positive", start_of_day + timedelta(seconds=1))
    closed = TicketFactory(queue=queue, status="closed")
    feel(closed, "negative", start_of_day + timedelta(seconds=1))
    got = saved_views.view_tickets(user=agent, view=default("negative-today"), now=now)
    assert list(got.values_list("reference", flat=True)) == [angry.reference]


def test_tags_priority_reason_and_breached(agent, queue):
    vip = Tag.objects.create(name="vip")
    tagged = TicketFactory(queue=queue, priority=4, sla_breached=True)
    tagged.tags.add(vip, Tag.objects.create(name="other"))
    TicketFactory(queue=queue, priority=4, sla_breached=True)
    TicketFactory(queue=queue, priority=2).tags.add(vip)
    view = SavedView(
        spec=saved_views.clean_spec(
            {"tags": ["vip", "other"], "priorities": [4], "sla_breached": True}
        )
    )
    assert list(
        saved_views.view_tickets(user=agent, view=view).values_list("reference", flat=True)
    ) == [tagged.reference]


# --- permissions ----------------------------------------------------------------------------


def test_a_view_never_shows_another_queues_ticket(agent, queue, other_queue):
    TicketFactory(queue=other_queue, status="new")
    mine = TicketFactory(queue=queue, status="new")
    everything = SavedView.objects.create(
        name="Tất cả", visibility=ViewVisibility.EVERYONE, spec={}
    )
    other_only = SavedView.objects.create(
        name="Sales", visibility=ViewVisibility.EVERYONE, spec={"queues": [other_queue.pk]}
    )
    assert refs(saved_views.view_tickets(user=agent, view=everything)) == {mine.reference}
    assert refs(saved_views.view_tickets(user=agent, view=other_only)) == set()


def test_which_views_a_user_may_open(agent, other_agent, queue, other_queue, supervisor):
    saved_views.ensure_default_views()
    own = SavedView.objects.create(name="Của tôi", owner=agent, spec={})
    theirs = SavedView.objects.create(name="Của họ", owner=other_agent, spec={})
    for_my_queue = SavedView.objects.create(
        name="Support", visibility=ViewVisibility.QUEUE, queue=queue, spec={}
    )
    for_other_queue = SavedView.objects.create(
        name="Sales", visibility=ViewVisibility.QUEUE, queue=other_queue, spec={}
    )
    visible = set(saved_views.visible_views(agent))
    assert own in visible and for_my_queue in visible
    assert theirs not in visible and for_other_queue not in visible
    assert saved_views.get_view(user=agent, view_id=theirs.pk) is None
    assert saved_views.get_view(user=agent, view_id="x") is None
    assert for_other_queue in set(saved_views.visible_views(supervisor))
    assert theirs not in set(saved_views.visible_views(supervisor))


def test_only_a_supervisor_or_the_queue_lead_may_share(agent, queue, supervisor):
    with pytest.raises(ValidationError):
        saved_views.create_view(by=agent, name="x", spec={}, visibility="everyone")
    with pytest.raises(ValidationError):
        saved_views.create_view(by=agent, name="x", spec={}, visibility="queue", queue=queue)
    queue.lead = agent
    queue.save()
    shared = saved_views.create_view(by=agent, name="x", spec={}, visibility="queue", queue=queue)
    assert shared.queue == queue
    assert saved_views.create_view(by=supervisor, name="y", spec={}, visibility="everyone").pk


def test_an_agent_may_not_name_another_queue_in_a_view(agent, other_queue):
    with pytest.raises(ValidationError):
        saved_views.create_view(by=agent, name="x", spec={"queues": [other_queue.pk]})


# --- counts ---------------------------------------------------------------------------------


def test_counts_take_a_constant_number_of_queries(
    agent, queue, django_assert_max_num_queries, settings
):
    settings.CIM_VIEW_COUNT_CACHE_SECONDS = 30
    saved_views.ensure_default_views()
    for i in range(3):
        SavedView.objects.create(name=f"v{i}", owner=agent, spec={"priorities": [2]})
    TicketFactory.create_batch(4, queue=queue, status="new")
    agent = type(agent).objects.get(pk=agent.pk)  # no cached queue ids
    # supervisor check, queue ids, the views, every count in one statement
    with django_assert_max_num_queries(4):
        rows = saved_views.views_with_counts(user=agent)
    counts = {view.key or view.name: n for view, n in rows}
    assert counts["unassigned-mine"] == 4
    assert counts["v0"] == 4
    assert counts["my-open"] == 0
    with django_assert_max_num_queries(1):  # cached for a while: only the views are read
        saved_views.views_with_counts(user=agent)


def test_counts_stop_at_the_cap(agent, queue, monkeypatch):
    monkeypatch.setattr(saved_views, "CAP", 3)
    view = SavedView.objects.create(name="all", owner=agent, spec={})
    TicketFactory.create_batch(6, queue=queue)
    assert saved_views.count_views(user=agent, views=[view]) == {view.pk: 4}
    assert saved_views.display_count(4) == "3+"
    assert saved_views.display_count(3) == "3"


# --- API --------------------------------------------------------------------------------------


@pytest.fixture
def api_as():
    from rest_framework.test import APIClient

    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def test_api_lists_the_users_views_with_counts(api_as, agent, other_agent, queue):
    TicketFactory.create_batch(2, queue=queue, status="new")
    SavedView.objects.create(name="theirs", owner=other_agent, spec={})
    response = api_as(agent).get("/api/v1/views/")
    assert response.status_code == 200
    rows = {row["label"]: row for row in response.json()}
    assert "theirs" not in {row["name"] for row in response.json()}
    unassigned = next(r for r in rows.values() if r["name_en"] == "Unassigned in my queues")
    assert unassigned["count"] == 2 and unassigned["count_display"] == "2"


def test_api_creates_a_personal_view_and_rejects_a_bad_spec(api_as, agent, queue):
    client = api_as(agent)
    response = client.post(
        "/api/v1/views/",
        {"name": "Gấp", "spec": {"priorities": [4], "assignee": "me"}},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["spec"] == {"priorities": [4], "assignee": "me"}
    assert SavedView.objects.get(pk=response.json()["id"]).owner == agent
    bad = client.post("/api/v1/views/", {"name": "x", "spec": {"sql": "1=1"}}, format="json")
    assert bad.status_code == 400
    shared = client.post(
        "/api/v1/views/", {"name": "x", "spec": {}, "visibility": "everyone"}, format="json"
    )
    assert shared.status_code == 400
    assert SavedView.objects.filter(owner=agent).count() == 1


def test_api_tickets_of_a_view(api_as, agent, other_agent, queue, other_queue):
    free = TicketFactory(queue=queue, status="new")
    TicketFactory(queue=queue, status="new", assignee=agent)
    TicketFactory(queue=other_queue, status="new")
    view = default("unassigned-mine")
    response = api_as(agent).get("/api/v1/tickets/", {"view": view.pk})
    assert response.status_code == 200
    assert [t["reference"] for t in response.json()["results"]] == [free.reference]


def test_api_another_agents_view_is_a_404(api_as, agent, other_agent, queue):
    theirs = SavedView.objects.create(name="theirs", owner=other_agent, spec={})
    client = api_as(agent)
    assert client.get(f"/api/v1/views/{theirs.pk}/").status_code == 404
    assert client.get("/api/v1/tickets/", {"view": theirs.pk}).status_code == 404
    assert client.get("/api/v1/tickets/", {"view": "nope"}).status_code == 404


def test_a_user_without_queues_counts_zero(db, queue):
    from tests.factories import UserFactory

    TicketFactory(queue=queue, status="new")
    nobody = UserFactory(username="noqueues")
    rows = saved_views.views_with_counts(user=nobody, use_cache=False)
    assert rows and all(count == 0 for _view, count in rows)
