"""The chat widget in a real browser: a launcher at the bottom right of every help page opens the
chat panel (the whole screen on a phone); it works with the keyboard alone and tells screen
readers what happens; the assistant answers with an article link and yes / no buttons, a click
on "no" hands the chat to a person, whose reply appears in the same widget (a badge counts it
while the panel is closed); the conversation follows the customer from page to page; script in
a line stays text."""

import re

import pytest

from channels.models import ChatSession
from customers.models import ChannelKind
from knowledge_base import services
from knowledge_base.models import ArticleStatus
from tests.e2e.conftest import save_screenshot
from tests.factories import AgentFactory, ChannelFactory, KBCategoryFactory, QueueFactory
from tickets import services as ticket_services
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def help_desk():
    queue = QueueFactory(code="support", name="Support")
    ChannelFactory(code="web-chat", name="Web chat", kind=ChannelKind.WEB_CHAT, default_queue=queue)
    category = KBCategoryFactory(slug="tai-khoan", name_vi="Tài khoản", name_en="Account")
    services.create_article(
        category=category,
        language="vi",
        title="Đổi mật khẩu",
        body="Vào **Tài khoản → Bảo mật** và chọn Đổi mật khẩu.",
        slug="doi-mat-khau",
        status=ArticleStatus.PUBLISHED,
        questions=["quên mật khẩu", "làm sao đặt lại mật khẩu"],
    )
    return AgentFactory(username="minh", first_name="Minh", queues=[queue])


def test_the_assistant_answers_then_hands_over_and_the_agent_replies_in_the_widget(page, help_desk):
    page.goto("/help/chat/")
    page.fill("#cim-chat-name", "Lan")
    page.fill("#cim-chat-email", "lan@example.vn")
    page.fill("#cim-chat-first", "<img src=x onerror=alert(1)> tôi quên mật khẩu")
    page.click(".cim-chat-start button[type=submit]")

    link = page.locator(".cim-chat-line.bot a")
    link.wait_for()
    assert link.inner_text() == "Đổi mật khẩu"
    assert link.get_attribute("href") == "/help/a/doi-mat-khau/"
    customer_line = page.locator(".cim-chat-line.customer").first
    assert "<img src=x" in customer_line.inner_text()  # shown as text, not as an image
    assert page.locator(".cim-chat-log img").count() == 0

    buttons = page.locator(".cim-chat-choices button")
    assert buttons.count() == 2
    buttons.nth(1).click()  # "No, I need a person"
    page.wait_for_function("document.querySelectorAll('.cim-chat-choices').length === 0")
    ticket = Ticket.objects.get()
    page.locator(".cim-chat-line.bot", has_text=ticket.reference).wait_for()
    assert ChatSession.objects.get().mode == "human"

    ticket_services.reply(ticket=ticket, by=help_desk, body="Chào chị, em là Minh.")
    page.locator(".cim-chat-line.agent", has_text="Chào chị, em là Minh.").wait_for()

    page.fill("#cim-chat-message", "Cảm ơn em")
    page.click(".cim-chat-send button[type=submit]")
    page.locator(".cim-chat-line.customer", has_text="Cảm ơn em").wait_for()
    assert ticket.messages.count() == 3
    assert page.dialogs == []


HELP_PAGES = [
    "/help/",
    "/help/c/tai-khoan/",
    "/help/a/doi-mat-khau/",
    "/help/search/?q=m%E1%BA%ADt+kh%E1%BA%A9u",
    "/help/contact/",
]
REFERENCE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}")


def _box(locator):
    box = locator.bounding_box()
    assert box is not None
    return box


def _focused(page):
    return page.evaluate("document.activeElement.id || document.activeElement.className")


def _log_is_at_its_end(page):
    return page.evaluate(
        "(() => { const l = document.querySelector('.cim-chat-log');"
        " return l.scrollHeight - l.scrollTop - l.clientHeight < 2; })()"
    )


def test_every_help_page_has_the_launcher_at_the_bottom_right(page, help_desk):
    for url in HELP_PAGES:
        page.goto(url)
        launcher = page.locator(".cim-chat-launcher")
        assert page.locator("#cim-chat").count() == 1, url
        assert launcher.is_visible(), url
        assert page.locator("#cim-chat-panel").is_hidden(), url
        box, view = _box(launcher), page.viewport_size
        assert view["width"] - 40 <= box["x"] + box["width"] <= view["width"], url
        assert view["height"] - 40 <= box["y"] + box["height"] <= view["height"], url
        assert launcher.get_attribute("aria-expanded") == "false"
        assert launcher.inner_text().strip() == "Trò chuyện với chúng tôi"
    # The footer's "Chat with us" opens the panel where the customer is.
    page.locator(".site-footer a", has_text="Trò chuyện với chúng tôi").click()
    assert page.locator("#cim-chat-panel").is_visible()
    assert page.url.endswith("/help/contact/")


def test_the_widget_works_with_the_keyboard_alone(page, help_desk, request):
    page.goto("/help/a/doi-mat-khau/")
    launcher = page.locator(".cim-chat-launcher")
    panel = page.locator("#cim-chat-panel")
    assert panel.get_attribute("role") == "dialog"
    assert page.locator("#cim-chat-title").inner_text() == "Trò chuyện với chúng tôi"
    log = page.locator(".cim-chat-log")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"

    launcher.focus()
    page.keyboard.press("Enter")
    assert panel.is_visible() and launcher.get_attribute("aria-expanded") == "true"
    assert _focused(page) == "cim-chat-name"
    page.keyboard.type("Lan")
    page.keyboard.press("Tab")
    assert _focused(page) == "cim-chat-email"
    page.keyboard.press("Tab")
    page.keyboard.type("tôi quên mật khẩu")
    page.keyboard.press("Enter")  # Enter sends

    page.locator(".cim-chat-line.bot a", has_text="Đổi mật khẩu").wait_for()
    assert _focused(page) == "cim-chat-message"
    # The answer buttons come just before the message box.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent") == "Có, cảm ơn"
    page.keyboard.press("Enter")
    page.locator(".cim-chat-line.bot", has_text="Rất vui").wait_for()
    assert page.locator(".cim-chat-choices").count() == 0
    assert _focused(page) == "cim-chat-message"  # focus is not lost with the buttons
    assert _log_is_at_its_end(page)
    save_screenshot(page, request, "resolved")

    page.keyboard.press("Escape")
    assert panel.is_hidden()
    assert launcher.get_attribute("aria-expanded") == "false"
    assert _focused(page) == "cim-chat-launcher"
    page.keyboard.press("Enter")
    assert panel.is_visible() and _focused(page) == "cim-chat-message"
    page.locator(".cim-chat-close").click()
    assert panel.is_hidden() and _focused(page) == "cim-chat-launcher"
    assert not Ticket.objects.exists()


def test_the_conversation_follows_the_customer_to_the_article_and_counts_unread_replies(
    page, help_desk, request
):
    page.goto("/help/")
    page.click(".cim-chat-launcher")
    page.fill("#cim-chat-name", "Lan")
    page.fill("#cim-chat-first", "tôi quên mật khẩu")
    page.click(".cim-chat-start button[type=submit]")
    page.locator(".cim-chat-line.bot a", has_text="Đổi mật khẩu").click()

    # The article page: the panel is still open, with the conversation so far.
    page.wait_for_url(re.compile(r"/help/a/doi-mat-khau/$"))
    page.locator(".cim-chat-line.customer", has_text="tôi quên mật khẩu").wait_for()
    assert page.locator("#cim-chat-panel").is_visible()
    assert page.locator(".cim-chat-start").is_hidden()
    page.locator(".cim-chat-choices button", has_text="Không").click()
    skip = page.locator(".cim-chat-choices button", has_text="Bỏ qua")
    skip.wait_for()
    skip.click()  # the phone number is optional: the Skip button goes on
    page.locator(".cim-chat-line.bot", has_text=REFERENCE).wait_for()
    ticket = Ticket.objects.get()

    # Closed panel: an agent's reply shows as a badge on the launcher, announced with it.
    page.keyboard.press("Escape")
    badge = page.locator(".cim-chat-badge")
    assert badge.is_hidden()
    ticket_services.reply(ticket=ticket, by=help_desk, body="Chào chị, em là Minh.")
    badge.wait_for(timeout=15_000)
    assert badge.inner_text().startswith("1")
    assert "tin nhắn mới" in page.locator(".cim-chat-launcher").inner_text()
    save_screenshot(page, request, "unread")
    page.click(".cim-chat-launcher")
    assert badge.is_hidden()
    assert page.locator(".cim-chat-line.agent", has_text="Chào chị, em là Minh.").is_visible()


def test_on_a_phone_the_panel_fills_the_screen_and_skip_goes_on(new_page, help_desk, request):
    phone = new_page(
        locale="en-US", viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
    )
    phone.goto("/help/a/doi-mat-khau/")
    launcher = phone.locator(".cim-chat-launcher")
    box = _box(launcher)
    assert box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 667
    assert box["x"] > 375 / 3  # on the right, not over the whole width
    save_screenshot(phone, request, "closed")

    launcher.tap()
    panel = phone.locator("#cim-chat-panel")
    assert _box(panel) == {"x": 0, "y": 0, "width": 375, "height": 667}
    assert launcher.is_hidden()  # the panel's own close button takes over
    assert phone.evaluate("document.documentElement.classList.contains('cim-chat-lock')")
    assert panel.get_attribute("aria-modal") == "true"

    phone.fill("#cim-chat-name", "Lan")
    phone.fill("#cim-chat-first", "I need to talk to a human")
    phone.locator(".cim-chat-start button[type=submit]").tap()
    phone.locator(".cim-chat-line.bot", has_text="In a few words").wait_for()
    phone.fill("#cim-chat-message", "My washing machine is very loud")
    phone.locator(".cim-chat-send button[type=submit]").tap()
    skip = phone.locator(".cim-chat-choices button", has_text="Skip")
    skip.wait_for()
    assert not Ticket.objects.exists()
    save_screenshot(phone, request, "contact-prompt")
    # Typed, not tapped: "skip" is understood in the message box as well.
    phone.fill("#cim-chat-message", "skip")
    phone.locator(".cim-chat-send button[type=submit]").tap()
    phone.locator(".cim-chat-line.bot", has_text="passed your conversation").wait_for()
    ticket = Ticket.objects.get()
    assert ticket.subject == "My washing machine is very loud"
    assert ticket.customer.phone == "" and ticket.customer.email == ""

    # Everything fits the screen: no sideways scrolling, the message box above the fold.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    send = _box(phone.locator(".cim-chat-send button[type=submit]"))
    assert send["y"] + send["height"] <= 667
    assert _log_is_at_its_end(phone)
    save_screenshot(phone, request, "open")

    # On the next page the panel waits behind its button (it would hide the page), with the
    # conversation in it.
    phone.goto("/help/")
    assert panel.is_hidden() and launcher.is_visible()
    launcher.tap()
    phone.locator(".cim-chat-line.bot", has_text="passed your conversation").wait_for()

    # Full screen, so Tab stays inside the panel.
    phone.locator(".cim-chat-close").focus()
    phone.keyboard.press("Shift+Tab")
    assert phone.evaluate("document.activeElement.textContent") == "Send"
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.className") == "cim-chat-close"
    phone.locator(".cim-chat-close").tap()
    assert panel.is_hidden() and launcher.is_visible()
    assert not phone.evaluate("document.documentElement.classList.contains('cim-chat-lock')")


def test_a_chat_this_browser_lost_gives_way_to_a_new_one(page, help_desk):
    page.goto("/help/")
    page.click(".cim-chat-launcher")
    page.fill("#cim-chat-first", "tôi quên mật khẩu")
    page.click(".cim-chat-start button[type=submit]")
    page.locator(".cim-chat-line.bot a").wait_for()
    page.context.clear_cookies()  # the signed cookie that binds the chat to this browser
    page.reload()
    start = page.locator(".cim-chat-start")
    start.wait_for()
    assert page.locator(".cim-chat-send").is_hidden()
    assert page.locator(".cim-chat-line").count() == 0
    page.fill("#cim-chat-first", "tôi quên mật khẩu")
    page.click(".cim-chat-start button[type=submit]")
    page.locator(".cim-chat-line.bot a").wait_for()
    assert ChatSession.objects.count() == 2
