"""Journey 1, in a real browser: a customer looks for an answer in the help centre, votes on the
article, writes to us, follows the link from the acknowledgement mail (caught by a real SMTP
server), replies on the status page and reads the agent's answer there."""

import re

import pytest
from django.conf import settings as django_settings

from customers.models import ChannelKind
from knowledge_base import services as kb_services
from knowledge_base.models import ArticleStatus, ArticleVote
from tests.factories import AgentFactory, ChannelFactory, KBCategoryFactory, QueueFactory
from tests.feedback.smtp import start_smtp
from tests.workers.conftest import wait_for
from tickets import services as ticket_services
from tickets.models import AuthorType, Ticket

from .conftest import save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def smtp_inbox(settings, live_server):
    controller, inbox = start_smtp()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    # Links in mails point at the site the browser is on.
    settings.SITE_URL = live_server.url
    yield inbox
    controller.stop()


@pytest.fixture
def help_centre():
    queue = QueueFactory(code="support")
    ChannelFactory(kind=ChannelKind.WEB_FORM, default_queue=queue)
    ChannelFactory(kind=ChannelKind.EMAIL, default_queue=queue)
    category = KBCategoryFactory(slug="ho-tro", name_vi="Hỗ trợ", name_en="Support")
    articles = {}
    for language, title, body, slug in (
        ("vi", "Chính sách bảo hành", "Sản phẩm được **bảo hành** 12 tháng.", "bao-hanh"),
        ("en", "Warranty policy", "Every product has a **12-month** warranty.", "warranty"),
    ):
        articles[language] = kb_services.create_article(
            category=category,
            language=language,
            title=title,
            body=body,
            slug=slug,
            status=ArticleStatus.PUBLISHED,
        )
    return {"queue": queue, "agent": AgentFactory(queues=[queue]), "articles": articles}


JOURNEYS = {
    "vi": {
        "locale": "vi-VN",
        "queries": ("bảo hành", "bao hanh"),
        "title": "Chính sách bảo hành",
        "slug": "bao-hanh",
        "name": "Nguyễn Thị Lan",
        "subject": "Máy giặt không vắt được",
        "message": "Máy giặt mua tháng trước không vắt được, tôi cần sửa.",
        "reply": "Tôi gửi thêm ảnh tem bảo hành sau nhé.",
        "answer": "Kỹ thuật viên sẽ đến nhà chị vào thứ Hai.",
        "received": "Chúng tôi đã nhận",
    },
    "en": {
        "locale": "en-US",
        "queries": ("warranty", "WARRANTY policy"),
        "title": "Warranty policy",
        "slug": "warranty",
        "name": "Lan Nguyen",
        "subject": "Washing machine does not spin",
        "message": "The washing machine I bought last month does not spin.",
        "reply": "I will send a photo of the warranty sticker.",
        "answer": "A technician will visit you on Monday.",
        "received": "We have received",
    },
}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_customer_finds_an_article_writes_in_and_reads_the_answer_on_the_status_page(
    new_page, request, smtp_inbox, help_centre, language
):
    journey = JOURNEYS[language]
    page = new_page(locale=journey["locale"])

    # Help centre → search, with and without diacritics (or case) → the same article.
    page.goto("/help/")
    assert page.locator("html").get_attribute("lang") == language
    for query in journey["queries"]:
        page.locator("#kb-q").fill(query)
        page.locator("form.kb-search button[type=submit]").click()
        page.wait_for_url("**/help/search/?q=*")
        page.get_by_role("link", name=journey["title"]).wait_for()
    save_screenshot(page, request, "search")
    page.get_by_role("link", name=journey["title"]).click()
    page.wait_for_url(f"**/help/a/{journey['slug']}/")
    assert page.locator("h1").inner_text() == journey["title"]

    # "Did this help?" — a vote stored once, with a thank-you the reader sees.
    page.locator("input[name=helpful][value=no]").check()
    page.locator("#vote-comment").fill("Cần thêm địa chỉ trung tâm bảo hành")
    page.locator("#feedback button[type=submit]").click()
    page.wait_for_url(f"**/help/a/{journey['slug']}/#feedback")
    assert page.get_by_role("status").inner_text().strip()
    vote = ArticleVote.objects.get(article=help_centre["articles"][language])
    assert vote.helpful is False

    # Contact form → thank-you page with the reference.
    page.goto("/help/contact/")
    page.locator("main input[name=name]").fill(journey["name"])
    page.locator("main input[name=email]").fill(f"lan.{language}@example.vn")
    page.locator("main input[name=subject]").fill(journey["subject"])
    page.locator("main textarea[name=message]").fill(journey["message"])
    page.locator("form.stacked button[type=submit]").click()
    page.locator(".status-link a").wait_for()
    ticket = Ticket.objects.get(subject=journey["subject"])
    assert ticket.reference in page.locator("main").inner_text()
    assert ticket.language == language
    save_screenshot(page, request, "thanks")

    # The acknowledgement mail arrives at a real SMTP server, in the customer's language.
    wait_for(lambda: smtp_inbox.messages, timeout=10)
    (mail,) = smtp_inbox.messages
    assert mail["To"] == f"lan.{language}@example.vn"
    assert ticket.reference in mail["Subject"]
    assert journey["received"] in mail["Subject"] + mail.get_content()
    link = re.search(r"https?://\S+/status/\S+", mail.get_content()).group(0)
    assert link.startswith(django_settings.SITE_URL)

    # The status link from the mail: the conversation so far, and a reply form that works
    # (this is the page whose form used to fail CSRF with "Origin null").
    page.goto(link)
    assert page.locator("h1").inner_text() == journey["subject"]
    assert journey["message"] in page.locator(".thread").inner_text()
    page.locator("textarea[name=body]").fill(journey["reply"])
    page.locator("main form.stacked button[type=submit]").click()
    page.get_by_role("status").wait_for()
    assert "403" not in page.title()
    assert journey["reply"] in page.locator(".thread").inner_text()
    assert ticket.messages.filter(author_type=AuthorType.CUSTOMER, body=journey["reply"]).exists()

    # The agent answers through the service the admin uses; the customer reloads the link.
    ticket_services.reply(ticket=ticket, by=help_centre["agent"], body=journey["answer"])
    page.goto(link)
    answer = page.locator(".thread li.from-team").last
    assert journey["answer"] in answer.inner_text()
    save_screenshot(page, request, "answered")

    # The language switch on the status page stays on the page, in the other language.
    other = "en" if language == "vi" else "vi"
    page.locator(f".lang-switch button[value={other}]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == other
    assert page.locator("h1").inner_text() == journey["subject"]
