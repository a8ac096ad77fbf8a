import pytest
from rest_framework.test import APIClient

from knowledge_base.models import Article, ArticleStatus, SearchMiss
from tests.factories import AgentFactory, UserFactory

pytestmark = pytest.mark.django_db


def client_for(user=None, lang="en"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=lang)
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def editor(admin_user):
    return admin_user


@pytest.fixture
def staff_reader(db):
    # An agent: reads articles, may not write them (cim_site/roles.py), in the API as in the admin.
    return AgentFactory(username="reader")


def test_staff_with_no_role_gets_nothing(make_article):
    make_article("Một")
    client = client_for(UserFactory(username="no-role", is_staff=True))
    assert client.get("/api/v1/kb-articles/").status_code == 403


def test_editor_creates_an_article_with_questions_and_tags(editor, kb_category):
    response = client_for(editor).post(
        "/api/v1/kb-articles/",
        {
            "category": kb_category.slug,
            "language": "vi",
            "title": "Đổi mật khẩu",
            "body": "Vào **Tài khoản**.",
            "status": "published",
            "questions": ["quên mật khẩu"],
            "tags": ["Tài khoản"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["slug"] == "doi-mat-khau"
    assert data["questions"] == ["quên mật khẩu"]
    assert data["tags"] == ["Tài khoản"]
    assert Article.objects.get().history.first().history_user == editor


def test_duplicate_slug_is_a_domain_error(editor, make_article, kb_category):
    make_article("Một", slug="mot")
    response = client_for(editor).post(
        "/api/v1/kb-articles/",
        {"category": kb_category.slug, "language": "vi", "title": "X", "body": "y", "slug": "mot"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "slug_taken"


def test_staff_without_permission_reads_but_cannot_write(staff_reader, make_article, kb_category):
    make_article("Một")
    client = client_for(staff_reader)
    assert client.get("/api/v1/kb-articles/").status_code == 200
    response = client.post(
        "/api/v1/kb-articles/",
        {"category": kb_category.slug, "language": "vi", "title": "X", "body": "y"},
        format="json",
    )
    assert response.status_code == 403


def test_anonymous_callers_get_nothing(make_article):
    assert client_for().get("/api/v1/kb-articles/").status_code in (401, 403)
    assert client_for().post("/api/v1/kb-articles/match/", {"question": "x"}).status_code in (
        401,
        403,
    )


def test_list_query_count_is_constant(editor, make_article, django_assert_max_num_queries):
    for i in range(20):
        make_article(f"Bài {i}", questions=[f"câu {i}"], tags=[f"thẻ {i}"])
    with django_assert_max_num_queries(8):
        response = client_for(editor).get("/api/v1/kb-articles/")
    assert len(response.json()["results"]) == 20


def test_patch_updates_through_the_service(editor, make_article):
    article = make_article("Cũ", questions=["a"])
    response = client_for(editor).patch(
        f"/api/v1/kb-articles/{article.pk}/",
        {"title": "Mới", "questions": ["b", "c"], "status": "internal"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    article.refresh_from_db()
    assert article.title == "Mới" and article.status == ArticleStatus.INTERNAL
    assert [q.text for q in article.questions.all()] == ["b", "c"]


def test_search_endpoint_and_content_gaps(staff_reader, editor, make_article):
    make_article("Bảo hành", slug="bh")
    client = client_for(staff_reader)
    hits = client.get("/api/v1/kb-articles/search/", {"q": "bao hanh", "language": "vi"}).json()
    assert [h["slug"] for h in hits] == ["bh"]
    assert client.get("/api/v1/kb-articles/search/", {"q": "hoa don"}).json() == []
    assert SearchMiss.objects.get().source == "api"
    # Content gaps are the editors' work list, as in the admin (search misses).
    assert client.get("/api/v1/kb-content-gaps/").status_code == 403
    gaps = client_for(editor).get("/api/v1/kb-content-gaps/").json()["results"]
    assert gaps[0]["query"] == "hoa don"
    assert client.get("/api/v1/kb-articles/search/", {"q": "x" * 201}).status_code == 400


def test_match_endpoint_returns_the_decision(staff_reader, make_article):
    make_article("Đổi mật khẩu", slug="mk", questions=["quên mật khẩu"])
    client = client_for(staff_reader)
    data = client.post(
        "/api/v1/kb-articles/match/", {"question": "quen mat khau", "language": "vi"}, format="json"
    ).json()
    assert data["kind"] == "answer" and data["candidates"][0]["slug"] == "mk"
    empty = client.post("/api/v1/kb-articles/match/", {"question": "  ?! "}, format="json")
    assert empty.status_code == 400
    assert empty.json()["code"] in ("empty_question", "invalid")
    huge = client.post("/api/v1/kb-articles/match/", {"question": "x" * 5000}, format="json")
    assert huge.status_code == 400
