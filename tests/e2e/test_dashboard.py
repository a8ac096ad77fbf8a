"""The operations dashboard in a real browser: a lead and an agent, Vietnamese and English, at
1366×768 — the charts are drawn (SVG marks of non-zero size), the page has no horizontal
scrollbar, and a click on a figure lands on the ticket list filtered to the tickets behind it."""

import pytest

from tests.analytics.dashboard_data import PASSWORD, make_dashboard_data
from tests.e2e.conftest import save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORT = {"width": 1366, "height": 768}


@pytest.fixture
def data():
    return make_dashboard_data()


def login(page, username: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")


def drawn_marks(page) -> list[dict]:
    """Per chart: how many bars/lines/points have a real size on screen."""
    return page.eval_on_selector_all(
        "svg.cim-chart",
        """charts => charts.map(svg => {
            const box = svg.getBoundingClientRect();
            const marks = [...svg.querySelectorAll(
                'rect.cim-bar, polyline.cim-line, circle.cim-point')].filter(m => {
                    const r = m.getBoundingClientRect();
                    return r.width > 0 && r.height > 0;
                });
            return {width: box.width, height: box.height, marks: marks.length,
                    title: (svg.querySelector('title') || {}).textContent || ''};
        })""",
    )


@pytest.mark.parametrize(
    ("locale", "who", "heading", "tile"),
    [
        ("vi-VN", "lead", "Bảng điều hành", "Tồn đọng"),
        ("en-US", "lead", "Operations dashboard", "Open backlog"),
        ("vi-VN", "agent-lan", "Bảng điều hành", "Tồn đọng"),
        ("en-US", "agent-lan", "Operations dashboard", "Open backlog"),
    ],
)
def test_dashboard_draws_its_charts_and_drills_down(
    new_page, live_server, request, data, locale, who, heading, tile
):
    page = new_page(locale=locale, viewport=VIEWPORT)
    login(page, who)
    assert page.locator("h1").inner_text().strip() == heading
    assert tile in page.locator(".cim-tiles").inner_text()

    charts = drawn_marks(page)
    assert len(charts) >= 8
    for chart in charts:
        assert chart["width"] > 200 and chart["height"] >= 24, chart
        assert chart["title"], chart
    # The stacked channel chart, the trend of contacts and the per-channel bars have data.
    assert sum(1 for c in charts if c["marks"] > 0) >= 3, charts
    # Nothing wider than the screen at 1366 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
    save_screenshot(page, request, "dashboard")

    if who == "agent-lan":
        assert data.sales.name not in page.locator("#content-main").inner_text()

    # Drill-down from a tile: the ticket list, filtered to the open tickets the tile counts.
    expected = int(page.locator(".cim-tile-open_backlog .cim-tile-value").inner_text())
    page.locator(".cim-tile-open_backlog").click()
    page.wait_for_url("**/admin/tickets/ticket/**")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == expected
    page.go_back()

    # Drill-down from a bar of the per-queue chart: as many tickets as the bar says.
    bar = page.locator(".cim-breakdown", has=page.locator("#cim-table-queue")).locator("a").first
    assert "/admin/tickets/ticket/" in bar.get_attribute("href")
    label, value = bar.locator("title").text_content().rsplit(":", 1)
    assert label.strip() in (data.support.name, data.sales.name)
    bar.click()
    page.wait_for_url("**/admin/tickets/ticket/**")
    assert page.locator("#result_list tbody tr").count() == int(value)
    queues = set(page.locator("#result_list td.field-queue_name").all_inner_texts())
    assert queues == {label.strip()}
    save_screenshot(page, request, "drilldown")


def test_bad_period_shows_a_message_in_the_page(new_page, data):
    page = new_page(locale="en-US", viewport=VIEWPORT)
    login(page, "lead")
    page.fill("input[name=from]", "2026-05-10")
    page.fill("input[name=to]", "2026-05-01")
    page.get_by_role("button", name="Show").click()
    alert = page.get_by_role("alert")
    assert "comes after its end" in alert.inner_text()
    assert page.locator(".cim-tile").count() == 4


def test_agent_logs_wrap_up_after_a_phone_call(new_page, request, data):
    from channels import journey
    from customers.models import ChannelKind
    from tests.factories import ChannelFactory
    from tickets.models import Activity

    ticket = data.support_tickets[1]
    phone = ChannelFactory(kind=ChannelKind.PHONE, default_queue=data.support)
    call = journey.record_manual_interaction(
        customer=ticket.customer, channel=phone, by=data.agent, ticket=ticket
    )
    page = new_page(locale="vi-VN", viewport=VIEWPORT)
    login(page, "agent-lan")
    page.goto(f"/admin/tickets/ticket/{ticket.pk}/change/")
    prompt = page.locator(".cim-wrap-up")
    assert "Hoàn tất" in prompt.inner_text()
    page.fill("#cim-activity-minutes", "6")
    page.fill("#cim-activity-note", "Ghi chú sau cuộc gọi")
    page.get_by_role("button", name="Ghi việc hoàn tất").click()
    page.wait_for_url("**/change/**")
    assert "Ghi chú sau cuộc gọi" in page.locator("#cim-activity table").inner_text()
    assert page.locator(".cim-wrap-up").count() == 0
    activity = Activity.objects.get(interaction=call)
    assert (activity.agent, float(activity.minutes), activity.kind.code) == (
        data.agent,
        6.0,
        "wrap-up",
    )
    page.locator("#cim-activity").scroll_into_view_if_needed()
    save_screenshot(page, request, "work-log")

    # The customer's journey by experience: this ticket, its call, its channels.
    page.goto(f"/admin/customers/customer/{ticket.customer_id}/change/")
    section = page.locator("#cim-experiences")
    assert ticket.reference in section.inner_text()
    assert data.sales_tickets[0].reference not in section.inner_text()
    section.scroll_into_view_if_needed()
    section.screenshot(path=str(save_screenshot(page, request, "experiences")))
