from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import TicketFactory
from tickets.models import BusinessCalendar, SLAPolicy

pytestmark = pytest.mark.django_db


def _calendar_form(hours, *, always_open=False):
    data = {
        "name": "Office",
        "time_zone": "Asia/Ho_Chi_Minh",
        "holiday_country": "VN",
        "hours-TOTAL_FORMS": str(len(hours)),
        "hours-INITIAL_FORMS": "0",
        "closed-TOTAL_FORMS": "0",
        "closed-INITIAL_FORMS": "0",
    }
    if always_open:
        data["always_open"] = "on"
    for i, (day, opens, closes) in enumerate(hours):
        data.update(
            {f"hours-{i}-weekday": str(day), f"hours-{i}-opens": opens, f"hours-{i}-closes": closes}
        )
    return data


@pytest.fixture
def lead_client(client, admin_user):
    client.force_login(admin_user)
    return client


ADD_CALENDAR = "/admin/tickets/businesscalendar/add/"


def test_calendar_with_overlapping_ranges_is_refused(lead_client):
    data = _calendar_form([(0, "08:00", "12:00"), (0, "11:30", "17:00")])
    response = lead_client.post(ADD_CALENDAR, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "08:00-12:00 overlaps 11:30-17:00" in response.content.decode()
    assert not BusinessCalendar.objects.exists()


def test_calendar_without_hours_is_refused_unless_24_7(lead_client):
    response = lead_client.post(ADD_CALENDAR, _calendar_form([]), HTTP_ACCEPT_LANGUAGE="en")
    assert "at least one range" in response.content.decode()
    assert not BusinessCalendar.objects.exists()
    response = lead_client.post(ADD_CALENDAR, _calendar_form([], always_open=True))
    assert response.status_code == 302
    assert BusinessCalendar.objects.get().always_open


def test_calendar_with_unknown_time_zone_is_refused(lead_client):
    data = {**_calendar_form([(0, "08:00", "17:00")]), "time_zone": "Mars/Olympus"}
    response = lead_client.post(ADD_CALENDAR, data)
    assert response.status_code == 200
    assert not BusinessCalendar.objects.exists()


def test_policy_target_of_zero_is_refused(lead_client):
    calendar = BusinessCalendar.objects.create(name="24/7", always_open=True)
    data = {
        "name": "P",
        "position": "1",
        "is_active": "on",
        "calendar": str(calendar.pk),
        "warning_percent": "80",
        "priorities": ["3"],
        "pause_statuses": ["pending"],
        "targets-TOTAL_FORMS": "1",
        "targets-INITIAL_FORMS": "0",
        "targets-0-priority": "3",
        "targets-0-first_response_minutes": "0",
        "targets-0-resolution_minutes": "60",
    }
    response = lead_client.post("/admin/tickets/slapolicy/add/", data)
    assert response.status_code == 200
    assert not SLAPolicy.objects.exists()
    data["targets-0-first_response_minutes"] = "30"
    assert lead_client.post("/admin/tickets/slapolicy/add/", data).status_code == 302
    policy = SLAPolicy.objects.get()
    assert policy.priorities == [3] and policy.pause_statuses == ["pending"]


def test_ticket_list_shows_sla_state_and_filters_due_soon(lead_client, queue):
    now = timezone.now()
    soon = TicketFactory(queue=queue, first_response_due_at=now + timedelta(minutes=20))
    TicketFactory(queue=queue, first_response_due_at=now + timedelta(hours=8))
    late = TicketFactory(
        queue=queue, first_response_due_at=now - timedelta(minutes=5), sla_breached=True
    )
    page = lead_client.get("/admin/tickets/ticket/?sla=due_1h")
    assert {t.pk for t in page.context["cl"].result_list} == {soon.pk, late.pk}
    assert "#b00" in page.content.decode()  # the overdue one is red
    breached = lead_client.get("/admin/tickets/ticket/?sla=breached")
    assert [t.pk for t in breached.context["cl"].result_list] == [late.pk]
