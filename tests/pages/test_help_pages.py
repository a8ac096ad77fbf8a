import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from knowledge_base.models import Article, ArticleStatus
from tests.factories import ArticleFactory, KBCategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def category():
    return KBCategoryFactory(slug="don-hang", name_vi="Đơn hàng", name_en="Orders")


def test_home_is_vietnamese_by_default(client, category):
    ArticleFactory(category=category, title="Theo dõi đơn hàng", slug="theo-doi")
    response = client.get("/help/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="vi">' in html
    assert "Trung tâm trợ giúp" in html
    assert "Chúng tôi có thể giúp gì cho bạn?" in html
    assert "Đơn hàng" in html


def test_home_in_english_from_accept_language(client, category, en):
    ArticleFactory(category=category, language="en", title="Track your order", slug="track")
    response = client.get("/help/", **en)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "How can we help?" in html
    assert "Orders" in html
    assert "Track your order" in html


def test_home_lists_only_articles_in_the_active_language(client, category, vi, en):
    ArticleFactory(category=category, language="vi", title="Bài tiếng Việt", slug="bai-vi")
    ArticleFactory(category=category, language="en", title="English article", slug="article-en")
    vi_html = client.get("/help/", **vi).content.decode()
    en_html = client.get("/help/", **en).content.decode()
    assert "Bài tiếng Việt" in vi_html and "English article" not in vi_html
    assert "English article" in en_html and "Bài tiếng Việt" not in en_html


@pytest.mark.parametrize("status", [ArticleStatus.DRAFT, ArticleStatus.INTERNAL])
def test_unpublished_articles_are_never_shown(client, category, status):
    ArticleFactory(category=category, title="Bài công khai", slug="cong-khai")
    ArticleFactory(category=category, title="Bí mật nội bộ", slug="bi-mat", status=status)
    home = client.get("/help/").content.decode()
    listing = client.get(f"/help/c/{category.slug}/").content.decode()
    assert "Bài công khai" in home
    assert "Bí mật nội bộ" not in home
    assert "Bí mật nội bộ" not in listing
    assert client.get("/help/a/bi-mat/").status_code == 404


def test_inactive_category_and_its_articles_are_hidden(client):
    hidden = KBCategoryFactory(slug="cu", name_vi="Danh mục cũ", is_active=False)
    ArticleFactory(category=hidden, title="Bài trong danh mục cũ", slug="bai-cu")
    assert "Danh mục cũ" not in client.get("/help/").content.decode()
    assert client.get("/help/c/cu/").status_code == 404
    assert client.get("/help/a/bai-cu/").status_code == 404


def test_category_page_lists_its_published_articles(client, category, en):
    ArticleFactory(category=category, language="en", title="Track your order", slug="track")
    response = client.get(f"/help/c/{category.slug}/", **en)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Orders" in html
    assert 'href="/help/a/track/"' in html
    assert 'rel="canonical" href="http://testserver/help/c/don-hang/"' in html


def test_unknown_pages_get_the_friendly_not_found_page_in_the_right_language(client, vi, en):
    vi_response = client.get("/help/c/khong-co/", **vi)
    en_response = client.get("/help/a/nothing-here/", **en)
    assert vi_response.status_code == 404
    assert "Không tìm thấy trang" in vi_response.content.decode()
    assert en_response.status_code == 404
    assert "Page not found" in en_response.content.decode()


def test_article_page_renders_sanitised_markdown(client, category):
    ArticleFactory(
        category=category,
        slug="huong-dan",
        title="Hướng dẫn",
        body="**Quan trọng** <script>alert('xss')</script> [x](javascript:alert(2))",
    )
    response = client.get("/help/a/huong-dan/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Quan trọng</strong>" in html
    assert "alert(" not in html
    assert "<script>" not in html
    assert "javascript:" not in html


def test_article_title_is_escaped(client, category):
    ArticleFactory(category=category, slug="tieu-de", title="<img src=x onerror=alert(1)>")
    html = client.get("/help/a/tieu-de/").content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_article_view_counts_increment(client, category):
    article = ArticleFactory(category=category, slug="dem")
    client.get("/help/a/dem/")
    client.get("/help/a/dem/")
    article.refresh_from_db()
    assert article.view_count == 2


def test_article_view_does_not_write_history(client, category):
    article = ArticleFactory(category=category, slug="lich-su")
    before = article.history.count()
    client.get("/help/a/lich-su/")
    assert article.history.count() == before


def test_article_links_to_its_published_translation(client, category):
    original = ArticleFactory(category=category, slug="doi-tra", title="Đổi trả")
    ArticleFactory(
        category=category, language="en", slug="returns", title="Returns", translation_of=original
    )
    vi_html = client.get("/help/a/doi-tra/").content.decode()
    assert 'name="next" value="/help/a/returns/"' in vi_html
    assert "Read this article in English" in vi_html
    en_html = client.get("/help/a/returns/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="next" value="/help/a/doi-tra/"' in en_html
    assert "Đọc bài viết này bằng tiếng Việt" in en_html


def test_unpublished_translation_is_not_linked(client, category):
    original = ArticleFactory(category=category, slug="doi-tra", title="Đổi trả")
    ArticleFactory(
        category=category,
        language="en",
        slug="returns",
        translation_of=original,
        status=ArticleStatus.DRAFT,
    )
    html = client.get("/help/a/doi-tra/").content.decode()
    assert "/help/a/returns/" not in html


def test_same_slug_in_both_languages_opens_the_readers_language(client, category, en):
    original = ArticleFactory(category=category, slug="faq", title="Câu hỏi", language="vi")
    ArticleFactory(
        category=category, slug="faq", title="Questions", language="en", translation_of=original
    )
    assert "<h1>Câu hỏi</h1>" in client.get("/help/a/faq/").content.decode()
    assert "<h1>Questions</h1>" in client.get("/help/a/faq/", **en).content.decode()


def test_every_page_has_the_language_switch_and_accessible_shell(client, category):
    ArticleFactory(category=category, slug="vo")
    for url in ["/help/", f"/help/c/{category.slug}/", "/help/a/vo/", "/help/contact/"]:
        html = client.get(url).content.decode()
        assert 'action="/i18n/setlang/"' in html, url
        assert 'name="next" value="' in html, url
        assert '<meta name="viewport"' in html, url
        assert "<main" in html and "<header" in html and "<footer" in html, url
        assert "<title>" in html, url
        assert 'rel="canonical"' in html, url


def test_language_switch_changes_the_page_language(client, category):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/help/"}, follow=True)
    assert '<html lang="en">' in response.content.decode()
    assert "How can we help?" in response.content.decode()


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/help/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_home_query_count_is_constant_as_articles_grow(client):
    ArticleFactory()
    few = _home_queries(client)
    for _ in range(6):
        category = KBCategoryFactory()
        ArticleFactory.create_batch(4, category=category)
        ArticleFactory(category=category, status=ArticleStatus.DRAFT)
    many = _home_queries(client)
    assert Article.objects.count() > 30
    assert many == few
    assert few == 2  # categories, then their published articles


def test_article_page_query_count_is_constant(client, category, django_assert_max_num_queries):
    original = ArticleFactory(category=category, slug="goc")
    ArticleFactory(category=category, language="en", slug="orig", translation_of=original)
    # the article, the view count update, the other-language version
    with django_assert_max_num_queries(3):
        assert client.get("/help/a/goc/").status_code == 200


@pytest.mark.parametrize(
    ("lang", "expected"), [("vi", "Đã xảy ra lỗi"), ("en", "Something went wrong")]
)
def test_server_error_page_renders_without_a_request(lang, expected):
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override(lang):
        html = render_to_string("500.html")
    assert f'<html lang="{lang}">' in html
    assert expected in html
