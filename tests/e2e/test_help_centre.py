import pytest

from knowledge_base import services
from knowledge_base.models import ArticleStatus, ArticleVote
from tests.factories import ChannelFactory, KBCategoryFactory, QueueFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def articles():
    category = KBCategoryFactory(slug="ho-tro", name_vi="Hỗ trợ", name_en="Support")

    def make(title, body, slug, **kwargs):
        return services.create_article(
            category=category,
            language=kwargs.pop("language", "vi"),
            title=title,
            body=body,
            slug=slug,
            status=ArticleStatus.PUBLISHED,
            **kwargs,
        )

    return {
        "warranty": make(
            "Chính sách bảo hành",
            "Sản phẩm được **bảo hành** 12 tháng tại mọi cửa hàng.",
            "bao-hanh",
            questions=["máy hỏng thì sửa ở đâu"],
        ),
        "refund": make(
            "Hoàn tiền đơn hàng",
            "Chúng tôi hoàn tiền trong 7 ngày làm việc.",
            "hoan-tien",
        ),
    }


def test_search_without_diacritics_finds_the_article_and_the_reader_can_vote(page, articles):
    page.goto("/help/")
    # Located by id, not by text: the strings change with the translation catalogue.
    search_box = page.locator("#kb-q")
    assert page.locator("label[for=kb-q]").count() == 1
    search_box.fill("bao hanh")
    page.locator("form.kb-search button[type=submit]").click()
    page.wait_for_url("**/help/search/?q=bao+hanh")
    link = page.get_by_role("link", name="Chính sách bảo hành")
    link.click()
    page.wait_for_url("**/help/a/bao-hanh/")
    assert page.title().startswith("Chính sách bảo hành")
    assert page.locator("article strong").inner_text() == "bảo hành"
    page.locator("input[name=helpful][value=yes]").check()
    page.locator("#vote-comment").fill("Rõ ràng <b>cảm ơn</b>")
    page.locator("#feedback button[type=submit]").click()
    page.wait_for_url("**/help/a/bao-hanh/#feedback")
    assert page.get_by_role("status").inner_text().strip() != ""
    vote = ArticleVote.objects.get(article=articles["warranty"])
    assert vote.helpful and vote.comment == "Rõ ràng <b>cảm ơn</b>"


def test_contact_form_suggests_articles_while_typing(page, articles):
    queue = QueueFactory(code="support")
    ChannelFactory(kind="web_form", default_queue=queue)
    page.goto("/help/contact/")
    page.locator("input[name=subject]").press_sequentially("hoan tien", delay=30)
    suggestion = page.locator(".kb-suggestions a", has_text="Hoàn tiền đơn hàng")
    suggestion.wait_for()
    assert suggestion.get_attribute("href") == "/help/a/hoan-tien/"


def test_search_box_suggests_with_a_typo(page, articles):
    page.goto("/help/")
    page.locator("#kb-q").press_sequentially("hoan tein", delay=30)
    page.locator(".kb-suggestions a", has_text="Hoàn tiền đơn hàng").wait_for()


def test_script_in_an_article_or_a_search_never_runs(page):
    category = KBCategoryFactory(slug="x")
    services.create_article(
        category=category,
        language="vi",
        title="Bảo hành <img src=x onerror=alert(1)>",
        body="<script>alert(2)</script> bảo hành <img src=x onerror=alert(3)>",
        slug="xss",
        status=ArticleStatus.PUBLISHED,
    )
    page.goto("/help/a/xss/")
    page.goto("/help/search/?q=%3Cscript%3Ealert(4)%3C/script%3E+bao+hanh")
    page.goto("/help/")
    page.locator("#kb-q").press_sequentially("bao hanh", delay=20)
    page.locator(".kb-suggestions a").first.wait_for()
    page.wait_for_timeout(300)
    assert page.dialogs == []


def test_pages_fit_a_phone_screen(browser, live_server, articles):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="vi-VN", base_url=live_server.url
    )
    page = context.new_page()
    try:
        for url in ("/help/", "/help/a/bao-hanh/", "/help/search/?q=bao+hanh"):
            page.goto(url)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, url
            assert page.locator("h1").count() == 1
            assert page.locator("html").get_attribute("lang") == "vi"
    finally:
        context.close()
