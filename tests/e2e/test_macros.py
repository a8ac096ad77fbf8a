"""An agent works a ticket with a macro and a help-centre article, in a real browser at 1366 px:
the macro's actions apply, its reply lands in the reply box, the agent edits and sends it, and it
is in the thread with the agent's signature."""

import importlib

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group

from tests.e2e.conftest import save_screenshot
from tests.factories import AgentFactory, ArticleFactory, CustomerFactory, QueueFactory
from tickets import services
from tickets.models import AgentSignature, Macro, MacroVisibility, Priority

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def desk(db):
    importlib.import_module("cim_site.migrations.0001_groups").create_groups(global_apps, None)
    from cim_site.roles import sync_group_permissions

    sync_group_permissions()
    queue = QueueFactory(code="support", name="Hỗ trợ")
    agent = AgentFactory(username="lan.agent", first_name="Lan", last_name="Phạm", queues=[queue])
    agent.groups.add(Group.objects.get(name="Agent"))
    AgentSignature.objects.create(user=agent, signature_vi="Lan Phạm — CSKH")
    customer = CustomerFactory(name="Nguyễn Văn Hùng", email="hung@example.vn")
    ticket = services.create_ticket(
        customer=customer, subject="Máy giặt báo lỗi E21", body="Máy báo lỗi E21.", queue=queue
    )
    Macro.objects.create(
        name_vi="Xin lỗi và ưu tiên",
        visibility=MacroVisibility.EVERYONE,
        reply_vi="Chào {{ customer.name }}, chúng tôi đã nhận yêu cầu {{ ticket.reference }}.",
        set_priority=Priority.HIGH,
        add_tags="loi-e21",
        usage_count=3,
    )
    Macro.objects.create(
        name_vi="Cảm ơn", visibility=MacroVisibility.EVERYONE, reply_vi="Cảm ơn anh/chị."
    )
    ArticleFactory(
        title="Cách xử lý lỗi E21 máy giặt",
        slug="loi-e21",
        body="Lỗi E21 là do ống thoát nước bị tắc. Hãy vệ sinh bộ lọc.",
    )
    return {"agent": agent, "ticket": ticket}


def _log_in(page, username):
    page.goto("/admin/login/?next=/admin/tickets/ticket/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("pw")
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/tickets/ticket/")


def test_agent_applies_a_macro_edits_and_sends_it(new_page, desk, request):
    ticket = desk["ticket"]
    page = new_page(locale="vi-VN", viewport=DESKTOP)
    _log_in(page, "lan.agent")
    page.goto(f"/admin/tickets/ticket/{ticket.pk}/change/")

    # Most used first; the filter narrows the list, accents optional.
    buttons = page.locator("#cim-macro-list button.cim-macro")
    assert buttons.first.inner_text().startswith("Xin lỗi và ưu tiên")
    page.locator("#cim-macro-filter").fill("xin loi")
    assert buttons.count() == 1
    save_screenshot(page, request, "macro-picker")
    buttons.first.click()

    # The actions changed the ticket, so the page reloads with the reply kept in the box.
    page.wait_for_function(
        "document.getElementById('id_reply_body') && "
        "document.getElementById('id_reply_body').value.includes('chúng tôi đã nhận')"
    )
    assert page.locator("#id_priority").input_value() == str(Priority.HIGH)
    box = page.locator("#id_reply_body")
    assert f"Chào Nguyễn Văn Hùng, chúng tôi đã nhận yêu cầu {ticket.reference}." == (
        box.input_value().strip()
    )
    box.press("End")
    box.type(" Kỹ thuật viên sẽ gọi anh hôm nay.")

    # Insert a knowledge-base article: its title, summary and public link.
    page.locator("#cim-article-query").fill("loi E21")
    page.locator("#cim-article-search").click()
    page.locator("#cim-article-list button.cim-article").first.click()
    text = box.input_value()
    assert "Cách xử lý lỗi E21 máy giặt" in text
    assert "/help/a/loi-e21/" in text
    save_screenshot(page, request, "macro-reply-edited")

    page.locator("input[name=_continue]").click()
    page.wait_for_load_state()
    assert page.locator(".errornote").count() == 0
    reply = page.locator("article.cim-message.public.agent").last
    body = reply.inner_text()
    assert "chúng tôi đã nhận yêu cầu" in body
    assert "Kỹ thuật viên sẽ gọi anh hôm nay." in body
    assert "/help/a/loi-e21/" in body
    assert "Lan Phạm — CSKH" in body
    save_screenshot(page, request, "macro-reply-sent")
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH
    assert list(ticket.tags.values_list("name", flat=True)) == ["loi-e21"]
    assert Macro.objects.get(name_vi="Xin lỗi và ưu tiên").usage_count == 4


def test_bulk_apply_macro_reports_each_ticket(new_page, desk, request):
    ticket = desk["ticket"]
    closed = services.create_ticket(
        customer=CustomerFactory(name="Lê Thu"),
        subject="Đã đóng rồi",
        body="?",
        queue=ticket.queue,
    )
    services.close_ticket(ticket=closed, by=desk["agent"])
    page = new_page(locale="en-US", viewport=DESKTOP)
    _log_in(page, "lan.agent")
    for t in (ticket, closed):
        page.locator("#result_list tbody tr").filter(has_text=t.reference).locator(
            "input.action-select"
        ).check()
    page.locator("select[name=action]").select_option("apply_macro")
    page.locator("button[name=index]").click()
    page.wait_for_load_state()
    page.locator("#cim-bulk-macro").select_option(label="Xin lỗi và ưu tiên")
    save_screenshot(page, request, "bulk-pick")
    page.locator("input[name=apply]").click()
    page.wait_for_load_state()
    report = page.locator("#cim-macro-report")
    assert report.locator("tr.cim-ok").filter(has_text=ticket.reference).count() == 1
    assert report.locator("tr.cim-refused").filter(has_text=closed.reference).count() == 1
    save_screenshot(page, request, "bulk-report")
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH
