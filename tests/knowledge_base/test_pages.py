import re

import pytest
from django.core.cache import cache

from knowledge_base.models import ArticleVote, SearchMiss

pytestmark = pytest.mark.django_db


@pytest.fixture
def en():
    return {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_search_page_lists_ranked_results_with_snippets(client, make_article):
    make_article("Chính sách bảo hành", "Sản phẩm được **bảo hành** 12 tháng.", slug="bao-hanh")
    response = client.get("/help/search/", {"q": "bao hanh"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/help/a/bao-hanh/"' in html
    assert "được bảo hành 12 tháng" in html
    assert '<meta name="robots" content="noindex, follow">' in html


def test_search_with_no_result_is_logged_as_a_content_gap(client, make_article):
    make_article("Bảo hành")
    response = client.get("/help/search/", {"q": "xuất hóa đơn đỏ"})
    assert response.status_code == 200
    assert SearchMiss.objects.get().query == "xuat hoa don do"
    assert 'href="/help/contact/"' in response.content.decode()


def test_search_escapes_the_query_and_article_text(client, make_article):
    make_article("<b>Bảo hành</b>", "<script>alert(1)</script> bảo hành", slug="xss")
    html = client.get("/help/search/", {"q": "<script>alert(2)</script> bảo hành"}).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(2)" in html
    assert "<b>Bảo hành</b>" not in html


def test_overlong_search_is_a_clear_400_not_a_500(client):
    response = client.get("/help/search/", {"q": "a" * 500})
    assert response.status_code == 400


def test_search_is_rate_limited(client, settings):
    settings.CIM_KB_SEARCH_RATE = "3/m"
    cache.clear()
    codes = [client.get("/help/search/", {"q": "bao hanh"}).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]


def test_suggest_returns_json_for_what_is_typed(client, make_article):
    make_article("Thanh toán trả góp", slug="tra-gop")
    response = client.get("/help/search/suggest/", {"q": "tra go"})
    assert response.status_code == 200
    assert response.json()["results"][0]["url"] == "/help/a/tra-gop/"
    assert client.get("/help/search/suggest/", {"q": "tr"}).json() == {"results": []}
    assert not SearchMiss.objects.exists()


def test_suggest_refuses_overlong_queries_and_floods(client, settings):
    assert client.get("/help/search/suggest/", {"q": "x" * 300}).status_code == 400
    settings.CIM_KB_SUGGEST_RATE = "2/m"
    cache.clear()
    codes = [client.get("/help/search/suggest/", {"q": "abc"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_home_shows_popular_articles_and_a_search_box(
    client, make_article, django_assert_max_num_queries
):
    quiet = make_article("Ít người đọc", slug="it")
    busy = make_article("Nhiều người đọc", slug="nhieu")
    busy.__class__.objects.filter(pk=busy.pk).update(view_count=50)
    quiet.__class__.objects.filter(pk=quiet.pk).update(view_count=1)
    with django_assert_max_num_queries(2):
        html = client.get("/help/").content.decode()
    popular = html.split('id="popular-heading"')[1]
    assert popular.index("Nhiều người đọc") < popular.index("Ít người đọc")
    assert 'role="search"' in html and 'action="/help/search/"' in html


def test_article_page_has_description_canonical_and_vote_form(client, make_article):
    make_article("Bảo hành", "Được bảo hành 12 tháng.", slug="bh")
    html = client.get("/help/a/bh/").content.decode()
    assert '<meta name="description" content="Được bảo hành 12 tháng.">' in html
    assert 'rel="canonical" href="http://testserver/help/a/bh/"' in html
    assert 'action="/help/a/bh/vote/"' in html


def test_vote_is_recorded_once_per_browser(client, make_article):
    article = make_article("Bảo hành", slug="bh")
    first = client.post("/help/a/bh/vote/", {"helpful": "yes", "comment": "Rõ ràng"})
    assert first.status_code == 302 and first["Location"] == "/help/a/bh/#feedback"
    assert "kb_browser" in first.cookies
    second = client.post("/help/a/bh/vote/", {"helpful": "no"}, follow=True)
    assert ArticleVote.objects.filter(article=article).count() == 1
    assert "đã đánh giá" in second.content.decode() or "already" in second.content.decode()


def test_vote_without_a_choice_or_on_unknown_article(client, make_article):
    make_article("Bảo hành", slug="bh")
    assert client.post("/help/a/bh/vote/", {"helpful": "maybe"}).status_code == 302
    assert not ArticleVote.objects.exists()
    assert client.post("/help/a/khong-co/vote/", {"helpful": "yes"}).status_code == 404
    assert client.get("/help/a/bh/vote/").status_code == 405


def test_vote_is_rate_limited(client, make_article, settings):
    settings.CIM_KB_VOTE_RATE = "2/m"
    make_article("Bảo hành", slug="bh")
    codes = [client.post("/help/a/bh/vote/", {"helpful": "yes"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]


def test_sitemap_lists_published_articles_and_categories_only(client, make_article):
    from knowledge_base.models import ArticleStatus

    make_article("Công khai", slug="cong-khai")
    make_article("Public", slug="public", language="en")
    make_article("Nháp", slug="nhap", status=ArticleStatus.DRAFT)
    response = client.get("/help/sitemap.xml")
    xml = response.content.decode()
    assert response.status_code == 200
    locs = re.findall(r"<loc>([^<]+)</loc>", xml)
    assert "http://testserver/help/" in locs
    assert "http://testserver/help/a/cong-khai/" in locs
    assert "http://testserver/help/a/public/" in locs
    assert "http://testserver/help/c/ho-tro/" in locs
    assert not any("nhap" in loc for loc in locs)


def test_search_page_in_english(client, make_article, en):
    make_article("Reset your password", slug="reset", language="en")
    html = client.get("/help/search/", {"q": "pasword"}, **en).content.decode()
    assert "1 result for" in html
    assert 'href="/help/a/reset/"' in html


def test_contact_page_loads_the_suggestion_script(client):
    html = client.get("/help/contact/").content.decode()
    assert "knowledge_base/suggest.js" in html
    assert 'data-url="/help/search/suggest/"' in html
