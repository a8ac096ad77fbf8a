"""Journey 4: an agent works a ticket in the staff admin, in a real browser at 1366×768 —
from the list (SLA column, every column on screen) through a public reply, an internal note, a
status change and assignments, each visible on the page afterwards, to the customer's page."""

import importlib

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group

from tests.e2e.conftest import save_screenshot
from tests.factories import AgentFactory, CustomerFactory, QueueFactory
from tickets import services
from tickets.models import BusinessCalendar, MessageKind, SLAPolicy, SLATarget, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_SUBJECT = (
    "Máy giặt cửa trước kêu rất to khi vắt, rung lắc mạnh và báo lỗi E21 sau lần bảo hành "
    "thứ hai — khách hàng yêu cầu đổi máy mới hoặc hoàn tiền toàn bộ đơn hàng"
)
DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def desk(db):
    importlib.import_module("cim_site.migrations.0001_groups").create_groups(global_apps, None)
    agents = Group.objects.get(name="Agent")
    queue = QueueFactory(code="support", name="Hỗ trợ")
    agent = AgentFactory(username="lan.agent", first_name="Lan", last_name="Phạm", queues=[queue])
    colleague = AgentFactory(
        username="minh.agent", first_name="Minh", last_name="Trần", queues=[queue]
    )
    agent.groups.add(agents)
    colleague.groups.add(agents)
    calendar = BusinessCalendar.objects.create(name="24/7", always_open=True)
    policy = SLAPolicy.objects.create(name="Mặc định", calendar=calendar)
    SLATarget.objects.create(
        policy=policy, priority=2, first_response_minutes=60, resolution_minutes=480
    )
    customer = CustomerFactory(
        name="Nguyễn Văn Hùng",
        email="hung@example.vn",
        attributes={"tier": "gold", "orders": 12},
    )
    ticket = services.create_ticket(
        customer=customer,
        subject=LONG_SUBJECT,
        body="Máy giặt nhà tôi lại hỏng, tôi muốn đổi máy.",
        queue=queue,
        priority=2,
    )
    services.create_ticket(
        customer=CustomerFactory(name="Lê Thu"), subject="Hỏi giờ mở cửa", body="?", queue=queue
    )
    return {"agent": agent, "colleague": colleague, "ticket": ticket, "customer": customer}


def _log_in(page, username):
    page.goto("/admin/login/?next=/admin/tickets/ticket/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("pw")
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/tickets/ticket/")


def _save_and_continue(page):
    page.locator("input[name=_continue]").click()
    page.wait_for_load_state()
    assert page.locator(".errornote").count() == 0, page.locator(".errornote").inner_text()


def test_agent_replies_notes_changes_status_and_assigns(new_page, desk, request):
    ticket = desk["ticket"]
    page = new_page(locale="vi-VN", viewport=DESKTOP)
    missing = []  # any 404 on the way, the browser's own /favicon.ico request included
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    _log_in(page, "lan.agent")

    # The list: the SLA column is there and every column fits on a 1366 px screen.
    assert page.locator("th.column-sla_due").is_visible()
    row = page.locator("#result_list tbody tr").filter(has_text=ticket.reference)
    assert row.locator("td.field-sla_due").inner_text().strip() not in ("", "—")
    # The filter panel sits right of the table; a column under it or past it is off-screen.
    right_edge = page.locator("#changelist-filter").bounding_box()["x"]
    for column in ("priority_cue", "sla_due", "last_update"):
        box = row.locator(f"td.field-{column}").bounding_box()
        assert box is not None and box["x"] + box["width"] <= right_edge, column
    # A long subject stays on one line, cut with an ellipsis; the full text is on hover.
    subject = row.locator("td.field-subject_line .cim-cut")
    assert subject.get_attribute("title") == LONG_SUBJECT
    line_height = subject.evaluate("el => parseFloat(getComputedStyle(el).lineHeight) || 16")
    assert subject.bounding_box()["height"] < 1.8 * line_height
    save_screenshot(page, request, "ticket-list")

    # Search without accents, then by the first characters of the reference.
    page.locator("#searchbar").fill("may giat keu")
    page.locator("#searchbar").press("Enter")
    page.wait_for_url("**/admin/tickets/ticket/?q=may+giat+keu")
    assert page.locator("#result_list tbody tr").count() == 1
    page.locator("#searchbar").fill(ticket.reference[:6].lower())
    page.locator("#searchbar").press("Enter")
    page.wait_for_load_state()
    assert ticket.reference in page.locator("#result_list").inner_text()
    row = page.locator("#result_list tbody tr").filter(has_text=ticket.reference)

    # Assign to me, from the list's bulk action.
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option("assign_to_me")
    page.locator("button[name=index]").click()
    page.wait_for_load_state()
    assert page.locator(".messagelist .success").count() == 1
    ticket.refresh_from_db()
    assert ticket.assignee == desk["agent"]

    # Open the ticket.
    page.locator("#result_list").get_by_role("link", name=ticket.reference).click()
    page.wait_for_url(f"**/admin/tickets/ticket/{ticket.pk}/change/**")
    assert page.locator("#id_assignee").input_value() == str(desk["agent"].pk)
    # The customer's own message is labelled as theirs, not as a "public reply".
    customer_kind = page.locator("article.cim-message.customer .cim-kind")
    assert customer_kind.inner_text().strip().lower() == "tin nhắn của khách hàng"

    # A public reply.
    page.locator("#id_reply_kind").select_option(MessageKind.PUBLIC)
    page.locator("#id_reply_body").fill("Chào anh Hùng, kỹ thuật viên sẽ gọi anh trong hôm nay.")
    _save_and_continue(page)
    reply = page.locator("article.cim-message.public.agent")
    assert "kỹ thuật viên sẽ gọi anh" in reply.inner_text()
    assert "Lan Phạm" in reply.locator("header").inner_text()

    # An internal note.
    page.locator("#id_reply_kind").select_option(MessageKind.INTERNAL)
    page.locator("#id_reply_body").fill("Đã báo kho chuẩn bị máy thay thế.")
    _save_and_continue(page)
    assert "Đã báo kho" in page.locator("article.cim-message.internal").inner_text()
    assert page.locator("#id_reply_body").input_value() == ""

    # A status change, then hand over to a colleague.
    page.locator("#id_status").select_option("pending")
    _save_and_continue(page)
    assert page.locator("#id_status").input_value() == "pending"
    page.locator("#id_assignee").select_option(str(desk["colleague"].pk))
    _save_and_continue(page)
    assert page.locator("#id_assignee").input_value() == str(desk["colleague"].pk)
    save_screenshot(page, request, "ticket-thread")

    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.status, ticket.assignee) == ("pending", desk["colleague"])
    kinds = list(ticket.messages.order_by("created_at", "id").values_list("kind", "author_type"))
    assert kinds == [("public", "customer"), ("public", "agent"), ("internal", "agent")]

    # The history lists every change, made by this agent.
    page.locator("a.historylink").click()
    page.wait_for_url(f"**/admin/tickets/ticket/{ticket.pk}/history/**")
    history = page.locator("#change-history")
    entries = history.locator("tbody tr")
    assert entries.count() >= 5
    assert history.inner_text().count("lan.agent") >= 4
    save_screenshot(page, request, "history")

    # The customer's page: local times only, readable attributes, the ticket listed.
    page.go_back()
    page.locator(".field-customer_link a").click()
    page.wait_for_url(f"**/admin/customers/customer/{desk['customer'].pk}/change/**")
    attributes = page.locator("table.cim-attributes")
    assert attributes.locator("th", has_text="tier").count() == 1
    assert "gold" in attributes.inner_text()
    assert page.locator("textarea[name=attributes]").count() == 0
    assert page.get_by_role("link", name=ticket.reference).count() >= 1
    assert missing == [], missing
