import pytest

from knowledge_base import services
from knowledge_base.errors import KnowledgeBaseError, KnowledgeBaseErrorCode
from knowledge_base.models import Article, ArticleStatus, ArticleVote, SearchMiss, Tag

pytestmark = pytest.mark.django_db


def test_create_article_keeps_questions_tags_and_publication_time(make_article):
    article = make_article(
        "Đổi mật khẩu",
        questions=["quên mật khẩu", "  quên   mật khẩu ", "", "reset password"],
        tags=["Tài khoản", "tài khoản"],
    )
    assert [q.text for q in article.questions.all()] == ["quên mật khẩu", "reset password"]
    assert [t.slug for t in article.tags.all()] == ["tai-khoan"]
    assert article.published_at is not None
    assert article.history.count() == 1


def test_slug_must_be_unique_per_language(make_article):
    make_article("Một", slug="trung")
    with pytest.raises(KnowledgeBaseError) as caught:
        make_article("Hai", slug="trung")
    assert caught.value.code == KnowledgeBaseErrorCode.SLUG_TAKEN
    make_article("One", slug="trung", language="en")


def test_update_article_writes_one_history_row_with_the_editor(make_article, admin_user):
    article = make_article("Cũ")
    services.update_article(article=article, by=admin_user, changes={"title": "Mới"})
    latest = article.history.first()
    assert latest.title == "Mới" and latest.history_user == admin_user
    assert article.history.count() == 2


def test_update_article_refuses_unknown_fields(make_article):
    article = make_article("Bài")
    with pytest.raises(KnowledgeBaseError):
        services.update_article(article=article, changes={"view_count": 10**6})


def test_too_many_or_too_long_questions_are_refused(make_article):
    with pytest.raises(KnowledgeBaseError):
        make_article("A", questions=["x" * 301])
    with pytest.raises(KnowledgeBaseError):
        make_article("B", questions=[f"câu {i}" for i in range(51)])


def test_vote_once_per_browser_per_article(make_article):
    article = make_article("Bài")
    services.record_vote(article=article, browser_id="abc", helpful=True, comment="Hay")
    with pytest.raises(KnowledgeBaseError) as caught:
        services.record_vote(article=article, browser_id="abc", helpful=False)
    assert caught.value.code == KnowledgeBaseErrorCode.ALREADY_VOTED
    services.record_vote(article=article, browser_id="other", helpful=False)
    assert ArticleVote.objects.filter(article=article).count() == 2
    # The browser id itself is not stored.
    assert not ArticleVote.objects.filter(voter="abc").exists()


def test_vote_on_unpublished_article_is_refused(make_article):
    article = make_article("Nháp", status=ArticleStatus.DRAFT)
    with pytest.raises(KnowledgeBaseError) as caught:
        services.record_vote(article=article, browser_id="abc", helpful=True)
    assert caught.value.code == KnowledgeBaseErrorCode.NOT_PUBLIC


def test_vote_comment_is_limited(make_article):
    article = make_article("Bài")
    with pytest.raises(KnowledgeBaseError):
        services.record_vote(article=article, browser_id="a", helpful=False, comment="x" * 1001)


def test_search_misses_are_counted_per_folded_query():
    services.record_search_miss(query="Xuất hóa đơn", language="vi")
    services.record_search_miss(query="xuat hoa don", language="vi")
    services.record_search_miss(query="xuat hoa don", language="en")
    services.record_search_miss(query="x", language="vi")
    vi = SearchMiss.objects.get(query="xuat hoa don", language="vi")
    assert vi.count == 2 and vi.example == "xuat hoa don"
    assert SearchMiss.objects.count() == 2


def test_view_count_adds_without_history(make_article):
    article = make_article("Bài")
    services.count_article_view(article=article)
    services.count_article_view(article=article)
    article.refresh_from_db()
    assert article.view_count == 2
    assert article.history.count() == 1


def test_indexing_does_not_write_history(make_article):
    from knowledge_base import indexing

    article = make_article("Bài")
    indexing.reindex_all()
    assert article.history.count() == 1
    assert Article.objects.get(pk=article.pk).search_title == "bai"
    assert Tag.objects.count() == 0
