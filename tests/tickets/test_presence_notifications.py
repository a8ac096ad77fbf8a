import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from tests.factories import AgentFactory, CustomerFactory
from tickets import notifications, presence, services
from tickets.errors import TicketError, TicketErrorCode
from tickets.models import AgentProfile, Notification, NotificationKind, TicketLink

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def ticket(customer, queue):
    return services.create_ticket(customer=customer, subject="Máy hỏng", body="Cứu", queue=queue)


@pytest.fixture
def lan(queue):
    return AgentFactory(username="lan", first_name="Lan", last_name="", queues=[queue])


@pytest.fixture
def in_groups(agent, lan, other_agent):
    """Agents as the product sets them up: in the Agent group, with its admin permissions."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    importlib.import_module("cim_site.migrations.0001_groups").create_groups(apps, None)
    group = Group.objects.get(name="Agent")
    for user in (agent, lan, other_agent):
        user.groups.add(group)


# --- presence ---------------------------------------------------------------------------------


@override_settings(CACHES=LOCMEM)
def test_presence_shows_the_others_and_expires_on_its_own(ticket, agent, lan, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    clock = [1000.0]
    monkeypatch.setattr(presence.time, "time", lambda: clock[0])
    assert presence.touch(ticket_id=ticket.pk, user=agent) == []
    seen = presence.touch(ticket_id=ticket.pk, user=lan, state=presence.TYPING)
    assert [(p["name"], p["state"]) for p in seen] == [("agent", "viewing")]
    assert [p["state"] for p in presence.others(ticket_id=ticket.pk, user=agent)] == ["typing"]
    clock[0] += presence.PRESENCE_TTL + 1  # nobody polled since: both entries are stale
    assert presence.others(ticket_id=ticket.pk, user=agent) == []
    presence.touch(ticket_id=ticket.pk, user=lan)
    presence.leave(ticket_id=ticket.pk, user=lan)
    assert presence.others(ticket_id=ticket.pk, user=agent) == []


@override_settings(CACHES=LOCMEM)
def test_presence_endpoint_answers_json_and_hides_other_queues(
    client, ticket, agent, lan, other_agent, in_groups
):
    url = reverse("admin:tickets_ticket_presence", args=[ticket.pk])
    client.force_login(lan)
    client.post(url, {"state": "typing"})
    client.force_login(agent)
    answer = client.post(url, {"state": "viewing"}).json()
    assert answer == {"others": [{"id": lan.pk, "name": "Lan", "state": "typing"}]}
    assert client.get(url).status_code == 405
    client.force_login(other_agent)
    assert client.post(url).status_code == 404


# --- stale reply --------------------------------------------------------------------------------


def test_reply_refused_when_the_customer_wrote_after_the_page_was_loaded(ticket, agent):
    seen = ticket.messages.order_by("-pk").first().pk
    services.add_customer_message(ticket=ticket, body="Còn nữa")
    with pytest.raises(TicketError) as caught:
        services.reply(ticket=ticket, by=agent, body="Đã xử lý", seen_message_id=seen)
    assert caught.value.code == TicketErrorCode.STALE_REPLY
    assert ticket.messages.count() == 2
    newest = ticket.messages.order_by("-pk").first().pk
    services.reply(ticket=ticket, by=agent, body="Đã xử lý", seen_message_id=newest)
    assert ticket.messages.count() == 3


def test_admin_reply_keeps_the_text_and_sends_once_confirmed(client, ticket, agent, in_groups):
    url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    client.force_login(agent)
    form = client.get(url).context["adminform"].form
    seen = form["reply_seen_message"].value()
    services.add_customer_message(ticket=ticket, body="Tôi viết thêm")
    data = {
        "status": ticket.status,
        "priority": ticket.priority,
        "queue": ticket.queue_id,
        "assignee": "",
        "reason": "",
        "reply_kind": "public",
        "reply_body": "Câu trả lời của tôi",
        "reply_seen_message": seen,
    }
    page = client.post(url, data)
    assert page.status_code == 200
    assert "Câu trả lời của tôi" in page.content.decode()
    assert 'name="reply_send_anyway"' in page.content.decode()
    assert ticket.messages.count() == 2
    page = client.post(url, {**data, "reply_send_anyway": "on"})
    assert page.status_code == 302
    assert ticket.messages.filter(body="Câu trả lời của tôi").exists()


# --- notifications -------------------------------------------------------------------------------


def test_assignment_notifies_the_agent_not_themselves(ticket, agent, lan):
    services.assign_ticket(ticket=ticket, agent=lan, by=agent)
    services.assign_ticket(ticket=ticket, agent=agent, by=agent)
    rows = list(Notification.objects.values_list("recipient__username", "kind", "actor_id"))
    assert rows == [("lan", NotificationKind.ASSIGNED, agent.pk)]


def test_routing_notifies_the_agent_it_picked(customer, queue, lan):
    from tickets import routing
    from tickets.models import Presence

    routing.set_presence(profile=lan.agent_profile, presence=Presence.ONLINE)
    ticket = services.create_ticket(customer=customer, subject="s", body="b", queue=queue)
    assert routing.route_ticket(ticket_id=ticket.pk) == lan
    row = Notification.objects.get()
    assert (row.recipient, row.kind, row.actor) == (lan, NotificationKind.ASSIGNED, None)


def test_customer_answer_notifies_the_assignee_and_mails_when_asked(ticket, agent, lan):
    services.add_customer_message(ticket=ticket, body="Không có ai")  # unassigned: nobody
    services.assign_ticket(ticket=ticket, agent=lan, by=agent)
    lan.email = "lan@cim.example"
    lan.save()
    AgentProfile.objects.filter(user=lan).update(notify_by_email=True)
    with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            services.add_customer_message(ticket=ticket, body="Alo?")
    kinds = list(Notification.objects.filter(recipient=lan).values_list("kind", flat=True))
    assert kinds == [NotificationKind.CUSTOMER_REPLY, NotificationKind.ASSIGNED]
    assert len(mail.outbox) == 1 and ticket.reference in mail.outbox[0].subject


def test_unread_count_and_badge_are_constant_queries(
    client, ticket, agent, lan, django_assert_max_num_queries, in_groups
):
    for _ in range(5):
        services.assign_ticket(ticket=ticket, agent=lan, by=agent)
        services.assign_ticket(ticket=ticket, agent=None, by=agent)
    with django_assert_max_num_queries(1):
        assert notifications.unread_count(lan) == 5
    client.force_login(lan)
    page = client.get(reverse("admin:index")).content.decode()
    assert 'class="cim-badge-count"' in page and ">5</span>" in page
    listing = client.get(reverse("admin:tickets_notifications"))
    assert listing.status_code == 200 and ticket.reference in listing.content.decode()
    client.post(reverse("admin:tickets_notifications"))
    assert notifications.unread_count(lan) == 0


# --- API ----------------------------------------------------------------------------------------


@pytest.fixture
def api_client(agent):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(agent)
    return client


def _new(customer, queue, subject="x"):
    return services.create_ticket(customer=customer, subject=subject, body="b", queue=queue)


def test_api_merge_codes(api_client, customer, queue, other_queue, ticket):
    dup = _new(customer, queue)
    stranger = _new(CustomerFactory(), queue)
    hidden = _new(customer, other_queue)
    url = f"/api/v1/tickets/{ticket.pk}/merge/"
    assert api_client.post(url, {"sources": []}, format="json").status_code == 400
    assert api_client.post(url, {"sources": [hidden.pk]}, format="json").status_code == 400
    answer = api_client.post(url, {"sources": [stranger.pk]}, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "merge_other_customer"
    answer = api_client.post(url, {"sources": [dup.pk], "notify_customer": True}, format="json")
    assert answer.status_code == 200
    assert answer.json()["merged"] == [{"id": dup.pk, "reference": dup.reference}]
    assert api_client.get(f"/api/v1/tickets/{dup.pk}/").json()["merged_into"]["id"] == ticket.pk
    assert api_client.post(f"/api/v1/tickets/{hidden.pk}/merge/", {}).status_code == 404


def test_api_links_and_notifications(api_client, customer, queue, ticket, agent, lan):
    other = _new(customer, queue)
    url = f"/api/v1/tickets/{ticket.pk}/links/"
    made = api_client.post(url, {"ticket": other.pk, "kind": "caused_by"}, format="json")
    assert made.status_code == 201 and made.json()["outgoing"] is True
    back = api_client.get(f"/api/v1/tickets/{other.pk}/links/").json()
    assert [(x["ticket"]["id"], x["kind"], x["outgoing"]) for x in back] == [
        (ticket.pk, "caused_by", False)
    ]
    assert api_client.post(url, {"ticket": ticket.pk}, format="json").status_code == 400
    gone = api_client.delete(url, {"link": made.json()["id"]}, format="json")
    assert gone.status_code == 204 and not TicketLink.objects.exists()
    services.assign_ticket(ticket=ticket, agent=agent, by=lan)
    listed = api_client.get("/api/v1/notifications/?unread=true").json()
    assert [row["kind"] for row in listed["results"]] == ["assigned"]
    marked = api_client.post("/api/v1/notifications/mark-read/", {}, format="json").json()
    assert marked == {"marked": 1, "unread": 0}
