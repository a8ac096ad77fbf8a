import pytest
from django.urls import reverse

from knowledge_base import services
from knowledge_base.models import Article, SearchMiss

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


def test_content_gaps_list_most_frequent_first(staff):
    for _ in range(3):
        services.record_search_miss(query="xuất hóa đơn", language="vi")
    services.record_search_miss(query="đổi tên", language="vi")
    html = staff.get(reverse("admin:knowledge_base_searchmiss_changelist")).content.decode()
    assert html.index("xuất hóa đơn") < html.index("đổi tên")
    assert staff.get(reverse("admin:knowledge_base_searchmiss_add")).status_code == 403


def test_article_list_shows_votes_without_extra_queries_per_row(
    staff, make_article, django_assert_max_num_queries
):
    for i in range(10):
        article = make_article(f"Bài {i}")
        services.record_vote(article=article, browser_id="a", helpful=True)
    with django_assert_max_num_queries(15):
        response = staff.get(reverse("admin:knowledge_base_article_changelist"))
    assert response.status_code == 200


def test_saving_questions_in_the_admin_makes_them_searchable(staff, make_article, kb_category):
    from knowledge_base.search import search_articles

    article = make_article("Đăng nhập", "Dùng email.", slug="dang-nhap")
    url = reverse("admin:knowledge_base_article_change", args=[article.pk])
    data = {
        "category": kb_category.pk,
        "language": "vi",
        "title": "Đăng nhập",
        "slug": "dang-nhap",
        "body": "Dùng email.",
        "status": "published",
        "position": 0,
        "questions-TOTAL_FORMS": 1,
        "questions-INITIAL_FORMS": 0,
        "questions-0-text": "không nhận được mã OTP",
        "questions-0-position": 0,
    }
    response = staff.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    hits = search_articles(query="ma otp", language="vi").hits
    assert [h.article.pk for h in hits] == [article.pk]


def test_vote_and_tag_pages_render(staff, make_article):
    article = make_article("Bài", tags=["Thẻ"])
    services.record_vote(article=article, browser_id="a", helpful=False, comment="<b>x</b>")
    for name in ("articlevote", "tag"):
        assert staff.get(reverse(f"admin:knowledge_base_{name}_changelist")).status_code == 200
    assert Article.objects.count() == 1 and not SearchMiss.objects.exists()
