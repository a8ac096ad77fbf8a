"""The chat widget in a real browser: the assistant answers with an article link and yes / no
buttons, a click on "no" hands the chat to a person, whose reply appears in the same widget;
script in a line stays text."""

import pytest

from channels.models import ChatSession
from customers.models import ChannelKind
from knowledge_base import services
from knowledge_base.models import ArticleStatus
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
