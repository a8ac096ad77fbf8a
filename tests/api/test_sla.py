from datetime import timedelta

import pytest
from django.utils import timezone

from tickets.models import BusinessCalendar, SLAPolicy, Ticket

pytestmark = pytest.mark.django_db

OFFICE = {
    "name": "Văn phòng HCM",
    "time_zone": "Asia/Ho_Chi_Minh",
    "holiday_country": "VN",
    "hours": [
        {"weekday": d, "opens": o, "closes": c}
        for d in range(5)
        for o, c in (("08:00", "12:00"), ("13:00", "17:00"))
    ],
    "closed_dates": [{"date": "2026-12-31", "name": "Tất niên"}],
}


def test_supervisor_creates_a_calendar_with_hours_and_closed_dates(api, supervisor):
    response = api(supervisor).post("/api/v1/sla-calendars/", OFFICE, format="json")
    assert response.status_code == 201, response.json()
    calendar = BusinessCalendar.objects.get(name="Văn phòng HCM")
    assert calendar.hours.count() == 10
    assert calendar.closed.get().name == "Tất niên"
    assert response.json()["hours"][0] == {"weekday": 0, "opens": "08:00:00", "closes": "12:00:00"}


@pytest.mark.parametrize(
    "change,field,text",
    [
        ({"hours": []}, "hours", "at least one range"),
        (
            {
                "hours": [
                    {"weekday": 0, "opens": "08:00", "closes": "12:00"},
                    {"weekday": 0, "opens": "11:00", "closes": "13:00"},
                ]
            },
            "hours",
            "overlaps",
        ),
        (
            {"hours": [{"weekday": 2, "opens": "17:00", "closes": "08:00"}]},
            "hours",
            "after opening",
        ),
        ({"time_zone": "Asia/Saigon_City"}, "time_zone", "not a time zone"),
        ({"holiday_country": "XX"}, "holiday_country", "No public holiday list"),
    ],
)
def test_bad_calendars_are_rejected_with_field_messages(api, supervisor, change, field, text):
    response = api(supervisor).post(
        "/api/v1/sla-calendars/", {**OFFICE, **change}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    body = response.json()
    assert field in body["fields"]
    assert text in " ".join(body["fields"][field])
    assert not BusinessCalendar.objects.exists()


def test_a_24_7_calendar_needs_no_hours(api, supervisor):
    payload = {"name": "24/7", "always_open": True, "holiday_country": ""}
    assert api(supervisor).post("/api/v1/sla-calendars/", payload, format="json").status_code == 201


def test_agents_read_but_cannot_change_sla_setup(api, agent, supervisor):
    api(supervisor).post("/api/v1/sla-calendars/", OFFICE, format="json")
    assert api(agent).get("/api/v1/sla-calendars/").status_code == 200
    assert api(agent).post("/api/v1/sla-calendars/", OFFICE, format="json").status_code == 403


def _policy(calendar_id, **change):
    return {
        "name": "Standard",
        "calendar": calendar_id,
        "targets": [
            {
                "priority": p,
                "first_response_minutes": 60,
                "next_response_minutes": 120,
                "resolution_minutes": 480,
            }
            for p in (1, 2, 3, 4)
        ],
        **change,
    }


@pytest.fixture
def calendar(api, supervisor):
    return api(supervisor).post("/api/v1/sla-calendars/", OFFICE, format="json").json()["id"]


@pytest.mark.parametrize(
    "change,field",
    [
        (
            {"targets": [{"priority": 2, "first_response_minutes": 0, "resolution_minutes": 60}]},
            "targets",
        ),
        (
            {"targets": [{"priority": 2, "first_response_minutes": -5, "resolution_minutes": 60}]},
            "targets",
        ),
        ({"targets": []}, "targets"),
        ({"warning_percent": 150}, "warning_percent"),
        ({"pause_statuses": ["solved"]}, "pause_statuses"),
        ({"channels": ["telegram"]}, "channels"),
    ],
)
def test_bad_policies_are_rejected(api, supervisor, calendar, change, field):
    response = api(supervisor).post(
        "/api/v1/sla-policies/", _policy(calendar, **change), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not SLAPolicy.objects.exists()


def test_policy_applies_to_new_tickets_and_shows_in_ticket_fields(
    api, supervisor, calendar, make_ticket, queue
):
    response = api(supervisor).post(
        "/api/v1/sla-policies/", _policy(calendar, queues=[queue.pk]), format="json"
    )
    assert response.status_code == 201, response.json()
    ticket = make_ticket()
    body = api(supervisor).get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert body["sla_policy"] == response.json()["id"]
    assert body["first_response_due_at"] is not None
    assert body["sla_next_due_at"] == body["first_response_due_at"]
    assert body["sla_breached"] is False


def test_policy_update_replaces_targets(api, supervisor, calendar):
    created = api(supervisor).post("/api/v1/sla-policies/", _policy(calendar), format="json").json()
    response = api(supervisor).patch(
        f"/api/v1/sla-policies/{created['id']}/",
        {"targets": [{"priority": 4, "first_response_minutes": 15, "resolution_minutes": 120}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert [t["priority"] for t in response.json()["targets"]] == [4]
    assert SLAPolicy.objects.get().history.count() == 2


def test_ticket_list_filters_breached_and_due_soon(api, supervisor, make_ticket):
    soon, later, breached = make_ticket(), make_ticket(), make_ticket()
    now = timezone.now()
    Ticket.objects.filter(pk=soon.pk).update(first_response_due_at=now + timedelta(minutes=30))
    Ticket.objects.filter(pk=later.pk).update(first_response_due_at=now + timedelta(hours=5))
    Ticket.objects.filter(pk=breached.pk).update(
        first_response_due_at=now - timedelta(minutes=5), sla_breached=True
    )
    client = api(supervisor)

    def refs(query):
        return {t["reference"] for t in client.get(f"/api/v1/tickets/?{query}").json()["results"]}

    assert refs("sla_due_within=60") == {soon.reference, breached.reference}
    assert refs("sla_breached=true") == {breached.reference}
    assert client.get("/api/v1/tickets/?sla_due_within=abc").status_code == 400
