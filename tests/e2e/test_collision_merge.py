"""Two agents on one ticket, in two browsers at 1366×768: both see the collision banner; the
customer writes meanwhile and B's reply warns before it is sent (B confirms, the text kept);
then A merges a duplicate ticket of the same customer into it from the ticket page."""

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
    lan = AgentFactory(username="lan.agent", first_name="Lan", last_name="Phạm", queues=[queue])
    minh = AgentFactory(username="minh.agent", first_name="Minh", last_name="Trần", queues=[queue])
    lan.groups.add(agents)
    minh.groups.add(agents)
    customer = CustomerFactory(name="Nguyễn Văn Hùng", email="hung@example.vn")
    ticket = services.create_ticket(
        customer=customer, subject="Máy giặt kêu to", body="Máy kêu to khi vắt.", queue=queue
    )
    duplicate = services.create_ticket(
        customer=customer, subject="Máy giặt kêu (gửi lại)", body="Tôi gửi lại.", queue=queue
    )
    return {"ticket": ticket, "duplicate": duplicate}


def _log_in(page, username, next_url):
    page.goto(f"/admin/login/?next={next_url}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("pw")
    page.locator("input[type=submit]").click()
    page.wait_for_url(f"**{next_url}")


def test_two_agents_collide_stale_reply_warns_and_a_merge(new_page, desk, request):
    ticket, duplicate = desk["ticket"], desk["duplicate"]
    url = f"/admin/tickets/ticket/{ticket.pk}/change/"
    a = new_page(locale="en-US", viewport=DESKTOP)
    b = new_page(locale="en-US", viewport=DESKTOP)
    _log_in(a, "lan.agent", url)
    _log_in(b, "minh.agent", url)

    # B's first poll finds A; A's next poll (every 10 s) finds B.
    b_banner, a_banner = b.locator("#cim-presence"), a.locator("#cim-presence")
    b_banner.wait_for(state="visible", timeout=15_000)
    assert "Lan Phạm is viewing this ticket" in b_banner.inner_text()
    b.locator("#id_reply_body").fill("Chúng tôi sẽ đổi máy cho anh.")
    a_banner.wait_for(state="visible", timeout=15_000)
    a.wait_for_function(
        "document.getElementById('cim-presence').textContent.includes('replying')",
        timeout=15_000,
    )
    assert "Minh Trần is replying to this ticket" in a_banner.inner_text()
    save_screenshot(a, request, "a-sees-b-replying")

    # The customer writes after B's page was loaded: B's reply is held back, text kept.
    services.add_customer_message(ticket=ticket, body="Máy còn rò nước nữa.")
    b.locator("input[name=_continue]").click()
    b.wait_for_load_state()
    warning = b.locator(".cim-stale-reply")
    assert warning.is_visible()
    assert b.locator("#id_reply_body").input_value() == "Chúng tôi sẽ đổi máy cho anh."
    assert "Máy còn rò nước nữa." in b.locator(".cim-thread").inner_text()
    save_screenshot(b, request, "b-stale-reply-warning")
    assert ticket.messages.filter(author_user__username="minh.agent").count() == 0
    b.locator("#id_reply_send_anyway").check()
    b.locator("input[name=_continue]").click()
    b.wait_for_load_state()
    assert b.locator(".cim-stale-reply").count() == 0
    assert ticket.messages.filter(author_user__username="minh.agent").count() == 1

    # A merges the duplicate into this ticket from the duplicate's page, by reference prefix.
    a.goto(f"/admin/tickets/ticket/{duplicate.pk}/change/")
    a.locator("#cim-merge-ref").fill(ticket.reference.replace("-", "")[:6].lower())
    a.locator("button[form=cim-merge-form]").click()
    a.wait_for_url(f"**{url}")
    assert "Tôi gửi lại." in a.locator(".cim-thread").inner_text()
    assert duplicate.reference in a.locator(".cim-relations").inner_text()
    save_screenshot(a, request, "a-after-merge")
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id == ticket.pk
    # The duplicate's reference now leads to the ticket it went into.
    a.goto(f"/admin/tickets/ticket/{duplicate.pk}/change/")
    a.wait_for_url(f"**{url}")
