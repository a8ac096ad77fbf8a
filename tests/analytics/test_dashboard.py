"""The operations dashboard (admin index): who sees what, the period form, CSV export."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.analytics.dashboard_data import make_dashboard_data, refresh_facts
from tickets import services
from tickets.models import OPEN_STATUSES, Ticket

pytestmark = pytest.mark.django_db

URL = "/admin/"


@pytest.fixture
def data():
    return make_dashboard_data()


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def test_admin_index_is_the_dashboard_with_the_app_list_below(client, data):
    assert reverse("admin:index") == URL
    client.force_login(data.lead)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Operations dashboard" in html
    assert 'id="applications"' in html
    assert reverse("admin:tickets_ticket_changelist") in html
    assert html.count("<svg") >= 8
    assert "<title" in html and "<desc" in html


def test_lead_sees_every_queue_and_agent_only_their_own(client, data):
    client.force_login(data.lead)
    lead_page = client.get(URL)
    client.force_login(data.agent)
    agent_page = client.get(URL)
    assert agent_page.status_code == 200
    assert lead_page.context["tiles"][0]["value"] > agent_page.context["tiles"][0]["value"]
    open_support = Ticket.objects.filter(queue=data.support, status__in=OPEN_STATUSES).count()
    assert agent_page.context["tiles"][0]["value"] == open_support
    assert agent_page.context["own_queues"] == [data.support.name]
    # The channel × day table counts only the agent's queue.
    agent_total = sum(row[-1] for row in agent_page.context["tables"]["channel_daily"].csv_rows)
    lead_total = sum(row[-1] for row in lead_page.context["tables"]["channel_daily"].csv_rows)
    assert agent_total == len(data.support_tickets)
    for page in (lead_page, agent_page):
        contacts = sum(row[-1] for row in page.context["tables"]["contacts_daily"].csv_rows)
        assert contacts == page.context["totals"]["contacts"] > 0
    assert lead_total == len(data.support_tickets) + len(data.sales_tickets)
    queues = {row[1] for row in agent_page.context["tables"]["queue"].csv_rows}
    assert data.sales.name not in queues
    assert data.sales.name not in agent_page.content.decode()


def test_every_figure_links_to_the_ticket_list(client, data):
    client.force_login(data.lead)
    response = client.get(URL, {"group_by": "week"})
    changelist = reverse("admin:tickets_ticket_changelist")
    tables = response.context["tables"]
    for name in ("trend", "channel", "queue", "reasons"):
        hrefs = [cell.href for row in tables[name].rows for cell in row if cell.href]
        assert hrefs, name
        assert all(h.startswith(changelist) for h in hrefs)
    assert all(tile["href"] for tile in response.context["tiles"])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-13-45"}, "YYYY-MM-DD"),
        ({"from": "2026-05-10", "to": "2026-05-01"}, "comes after its end"),
        ({"group_by": "planet"}, "Choose one of"),
    ],
)
def test_a_bad_period_is_explained_on_the_page(client, data, params, message):
    client.force_login(data.lead)
    response = client.get(URL, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "This period cannot be shown." in html
    assert message in html
    assert 'role="alert"' in html
    # The rest of the page still works: tiles, form, applications.
    assert "cim-tile" in html and 'id="applications"' in html


def _csv(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_csv_export_has_a_bom_headers_and_vietnamese_text(client, data):
    client.force_login(data.lead)
    client.cookies["django_language"] = "vi"
    response = client.get(URL, {"format": "csv", "table": "queue"}, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    header, body = rows[0], rows[1:]
    assert header[:2] == ["Mã", "Hàng đợi"]
    names = {row[1] for row in body}
    assert {data.support.name, data.sales.name} <= names


def test_csv_export_follows_the_users_queues(client, data):
    client.force_login(data.agent)
    rows = _csv(client.get(URL, {"format": "csv", "table": "channel_daily"}))
    assert sum(int(row[-1]) for row in rows[1:]) == len(data.support_tickets)
    queue_rows = _csv(client.get(URL, {"format": "csv", "table": "queue"}))
    assert data.sales.name not in {row[1] for row in queue_rows[1:]}


def test_csv_export_of_an_unknown_table_is_a_404_page(client, data):
    client.force_login(data.lead)
    response = client.get(URL, {"format": "csv", "table": "nope"})
    assert response.status_code == 404
    assert "no table of that name" in response.content.decode()


def test_every_table_on_the_page_offers_its_csv(client, data):
    client.force_login(data.lead)
    response = client.get(URL)
    for name, table in response.context["tables"].items():
        assert table.csv_url, name
        assert client.get(URL + table.csv_url).status_code == 200, name


def test_staff_without_ticket_access_get_the_app_list_only(client, data):
    from tests.factories import UserFactory

    clerk = UserFactory(username="clerk")
    client.force_login(clerk)
    response = client.get(URL)
    assert response.status_code == 200
    assert "cim-tile" not in response.content.decode()
    assert 'id="applications"' in response.content.decode()


def test_dashboard_query_count_does_not_grow_with_the_data(client, data):
    client.force_login(data.lead)
    client.get(URL)
    with CaptureQueriesContext(connection) as small:
        client.get(URL)
    customer = Ticket.objects.filter(queue=data.support).first().customer
    for _ in range(15):
        services.create_ticket(customer=customer, subject="Thêm", body="x", queue=data.sales)
    refresh_facts()
    with CaptureQueriesContext(connection) as large:
        client.get(URL)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(small.captured_queries) < 80


@pytest.mark.parametrize(("group_by", "extra"), [("segment", "segment"), ("priority", "priority")])
def test_a_non_time_grouping_adds_its_breakdown(client, data, group_by, extra):
    client.force_login(data.lead)
    response = client.get(URL, {"group_by": group_by})
    assert response.status_code == 200
    assert extra in response.context["tables"]
    assert response.context["tables"]["trend"].headers[0] == "Day"
    assert (
        client.get(URL, {"group_by": group_by, "format": "csv", "table": extra}).status_code == 200
    )


def test_a_weekly_trend_labels_weeks(client, data):
    client.force_login(data.lead)
    response = client.get(URL, {"group_by": "week", "from": "2026-09-01", "to": "2026-11-30"})
    labels = [row[0].text for row in response.context["tables"]["trend"].rows[:-1]]
    assert labels[0] == "wk Aug 31"
    assert all(label.startswith("wk ") for label in labels)


def test_a_figure_drills_down_to_exactly_the_tickets_it_counts(client, data):
    client.force_login(data.lead)
    tables = client.get(URL).context["tables"]
    column = tables["queue"].headers.index("Tickets created")
    for row in tables["queue"].rows:
        cell = row[column]
        listed = client.get(cell.href).context["cl"]
        assert listed.result_count == cell.value, row[0].text
    # An agent following the same link sees only what the agent may see.
    sales_row = next(r for r in tables["queue"].rows if r[0].text == data.sales.name)
    client.force_login(data.agent)
    assert client.get(sales_row[column].href).context["cl"].result_count == 0


def test_a_block_of_the_daily_chart_drills_down_to_that_day_and_channel(client, data):
    import html
    import re

    client.force_login(data.lead)
    chart = str(client.get(URL).context["tables"]["channel_daily"].chart)
    blocks = re.findall(
        r'<a href="([^"]+)" tabindex="-1"><rect class="cim-bar".*?: (\d+)</title>', chart
    )
    assert len(blocks) >= 10
    for href, value in blocks[:6]:
        assert "channel__exact=" in href
        listed = client.get(html.unescape(href)).context["cl"]
        assert listed.result_count == int(value)


def test_csv_export_writes_formula_like_names_as_text(client, data):
    data.sales.name = '=HYPERLINK("http://evil.example","Bấm")'
    data.sales.save()
    client.force_login(data.lead)
    rows = _csv(client.get(URL, {"format": "csv", "table": "queue"}))
    names = {row[1] for row in rows[1:]}
    assert "'" + data.sales.name in names
    assert data.support.name in names
