"""Issue 11 in a browser at 1366×768: an agent opens "Unassigned in my queues" from the list's
sidebar, sees its count, bulk-assigns two tickets to a colleague through the intermediate page,
and reads the per-ticket report."""

import importlib

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group

from tests.e2e.conftest import save_screenshot
from tests.factories import AgentFactory, CustomerFactory, QueueFactory
from tickets import services
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def desk(db):
    importlib.import_module("cim_site.migrations.0001_groups").create_groups(global_apps, None)
    agents = Group.objects.get(name="Agent")
    queue = QueueFactory(code="support", name="Hỗ trợ", auto_assign=False)
    other = QueueFactory(code="sales", name="Bán hàng", auto_assign=False)
    agent = AgentFactory(username="lan.agent", first_name="Lan", last_name="Phạm", queues=[queue])
    colleague = AgentFactory(
        username="minh.agent", first_name="Minh", last_name="Trần", queues=[queue]
    )
    for user in (agent, colleague):
        user.groups.add(agents)
    tickets = [
        services.create_ticket(
            customer=CustomerFactory(name=name),
            subject=subject,
            body="Xin hỗ trợ giúp tôi.",
            queue=queue,
            priority=priority,
        )
        for name, subject, priority in [
            ("Nguyễn Văn Hùng", "Máy giặt kêu to khi vắt và báo lỗi E21 sau bảo hành", 4),
            ("Lê Thu", "Hỏi giờ mở cửa cửa hàng Quận 1", 2),
            ("Trần Bảo", "Đổi địa chỉ giao hàng cho đơn 10234", 3),
        ]
    ]
    services.create_ticket(
        customer=CustomerFactory(name="Khách khác"), subject="Báo giá", body="?", queue=other
    )
    return {"agent": agent, "colleague": colleague, "tickets": tickets}


def test_agent_bulk_assigns_from_a_saved_view(new_page, desk, request):
    page = new_page(locale="en-US", viewport=DESKTOP)
    page.goto("/admin/login/?next=/admin/tickets/ticket/")
    page.locator("#id_username").fill("lan.agent")
    page.locator("#id_password").fill("pw")
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/tickets/ticket/")

    views = page.locator("#changelist-filter .cim-views")
    link = views.get_by_role("link", name="Unassigned in my queues")
    assert link.locator(".cim-view-count").inner_text() == "3"
    link.click()
    page.wait_for_url("**/admin/tickets/ticket/?view=*")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 3  # the Sales ticket is not this agent's
    assert views.locator("li.selected").inner_text().endswith("3")
    # Priority and "the customer wrote last" are visible at a glance.
    assert page.locator("#result_list .cim-pri-4").count() == 1
    assert page.locator("#result_list .cim-waiting").count() == 3
    # Every column fits left of the filter panel at 1366 px.
    right_edge = page.locator("#changelist-filter").bounding_box()["x"]
    for column in ("priority_cue", "sla_due", "last_update"):
        box = rows.first.locator(f"td.field-{column}").bounding_box()
        assert box is not None and box["x"] + box["width"] <= right_edge, column
    save_screenshot(page, request, "view-list")

    first, second, third = desk["tickets"]
    for ticket in (first, second):
        rows.filter(has_text=ticket.reference).locator("input.action-select").check()
    page.locator("select[name=action]").select_option("bulk_assign")
    page.locator("button[name=index]").click()
    page.wait_for_selector("#cim-bulk-form")
    assert page.locator(".cim-bulk-tickets li").count() == 2
    page.locator("#id_agent").select_option(label="Minh Trần")
    save_screenshot(page, request, "assign-form")
    page.locator("#cim-bulk-form input[type=submit]").click()
    page.wait_for_url("**/admin/tickets/ticket/?view=*")

    report = page.locator(".messagelist .success").inner_text()
    assert "Assigned to Minh Trần" in report
    assert first.reference in report and second.reference in report
    assert third.reference not in report
    assert set(Ticket.objects.filter(assignee=desk["colleague"]).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }
    # The view now holds the one ticket left, and says so.
    assert page.locator("#result_list tbody tr").count() == 1
    assert (
        views.get_by_role("link", name="Unassigned in my queues")
        .locator(".cim-view-count")
        .inner_text()
        == "1"
    )
    save_screenshot(page, request, "after-assign")


def test_the_list_reads_in_vietnamese_at_1366(new_page, desk, request):
    page = new_page(locale="vi-VN", viewport=DESKTOP)
    page.goto("/admin/login/?next=/admin/tickets/ticket/")
    page.locator("#id_username").fill("lan.agent")
    page.locator("#id_password").fill("pw")
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/tickets/ticket/")
    views = page.locator("#changelist-filter .cim-views")
    link = views.get_by_role("link", name="Chưa phân công trong hàng đợi của tôi")
    assert link.locator(".cim-view-count").inner_text() == "3"
    right_edge = page.locator("#changelist-filter").bounding_box()["x"]
    row = page.locator("#result_list tbody tr").first
    for column in ("priority_cue", "sla_due", "last_update"):
        box = row.locator(f"td.field-{column}").bounding_box()
        assert box is not None and box["x"] + box["width"] <= right_edge, column
    page.locator("#result_list tbody tr input.action-select").first.check()
    page.locator("select[name=action]").select_option("bulk_tags")
    page.locator("button[name=index]").click()
    page.wait_for_selector("#cim-bulk-form")
    assert "Thêm nhãn" in page.locator("#cim-bulk-form").inner_text()
    save_screenshot(page, request, "tags-form-vi")
