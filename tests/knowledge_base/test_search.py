import pytest
from django.db import connection

from knowledge_base import indexing
from knowledge_base.models import Article, ArticleStatus
from knowledge_base.search import Vocabulary, damerau_distance, search_articles
from knowledge_base.text import fold, normalised
from tests.factories import ArticleFactory, KBCategoryFactory

pytestmark = pytest.mark.django_db


def titles(result):
    return [hit.article.title for hit in result.hits]


def test_fold_removes_tone_marks_and_maps_d_stroke():
    assert fold("Bảo Hành ĐIỆN thoại") == "bao hanh dien thoai"
    assert normalised("Đổi trả, hoàn tiền!") == "doi tra hoan tien"


def test_query_without_diacritics_finds_vietnamese_article(make_article):
    make_article("Chính sách bảo hành", "Sản phẩm được bảo hành 12 tháng.")
    make_article("Đổi mật khẩu", "Vào mục tài khoản.")
    assert titles(search_articles(query="bao hanh", language="vi")) == ["Chính sách bảo hành"]


def test_query_with_diacritics_finds_the_same_article(make_article):
    make_article("Chính sách bảo hành", "Sản phẩm được bảo hành 12 tháng.")
    assert titles(search_articles(query="BẢO HÀNH", language="vi")) == ["Chính sách bảo hành"]


@pytest.mark.parametrize("typo", ["hoan tein", "hona tien", "hoaan tien", "refnud"])
def test_misspelt_words_still_find_the_article(make_article, typo):
    make_article("Hoàn tiền đơn hàng", "Chúng tôi hoàn tiền trong 7 ngày.", questions=["refund"])
    make_article("Giao hàng", "Thời gian giao hàng 3 ngày.")
    assert titles(search_articles(query=typo, language="vi"))[:1] == ["Hoàn tiền đơn hàng"]


def test_title_match_ranks_above_body_mention(make_article):
    make_article("Phí vận chuyển", "Miễn phí khi đơn trên 500.000đ. Không áp dụng bảo hành.")
    make_article("Bảo hành sản phẩm", "Mang sản phẩm đến cửa hàng.")
    assert titles(search_articles(query="bảo hành", language="vi"))[0] == "Bảo hành sản phẩm"


def test_alternative_question_is_searchable(make_article):
    make_article("Đăng nhập", "Dùng email.", questions=["không nhận được mã OTP"])
    assert titles(search_articles(query="ma otp", language="vi")) == ["Đăng nhập"]


def test_tags_are_searchable(make_article):
    make_article("Thanh toán", "Các cách trả tiền.", tags=["Momo"])
    assert titles(search_articles(query="momo", language="vi")) == ["Thanh toán"]


def test_english_query_finds_english_article(make_article):
    make_article("Reset your password", "Open account settings.", language="en")
    make_article("Đổi mật khẩu", "Vào mục tài khoản.")
    assert titles(search_articles(query="password reset", language="en")) == ["Reset your password"]


def test_other_language_is_used_only_when_nothing_matches_in_the_readers(make_article):
    make_article("Warranty policy", "Twelve months warranty.", language="en")
    result = search_articles(query="warranty", language="vi")
    assert titles(result) == ["Warranty policy"]
    assert result.other_language


@pytest.mark.parametrize("status", [ArticleStatus.DRAFT, ArticleStatus.INTERNAL])
def test_unpublished_articles_are_never_found(make_article, status):
    make_article("Quy trình nội bộ bảo hành", status=status)
    assert search_articles(query="bao hanh", language="vi").hits == []


def test_articles_of_inactive_categories_are_never_found(make_article):
    hidden = KBCategoryFactory(slug="cu", is_active=False)
    make_article("Bảo hành cũ", category=hidden)
    assert search_articles(query="bao hanh", language="vi").hits == []


def test_one_shared_common_word_is_not_a_match(make_article):
    make_article("Đổi mật khẩu tài khoản", "Hướng dẫn.")
    assert search_articles(query="tài khoản ngân hàng liên kết thẻ", language="vi").hits == []


def test_articles_written_without_services_are_indexed_before_search(kb_category):
    ArticleFactory(category=kb_category, title="Hướng dẫn bảo hành", slug="hd-bh")
    assert titles(search_articles(query="bao hanh", language="vi")) == ["Hướng dẫn bảo hành"]
    assert not Article.objects.filter(needs_index=True).exists()


def test_an_edit_is_searchable_at_once(make_article):
    article = make_article("Giao hàng nhanh", "Trong ngày.")
    assert titles(search_articles(query="giao hang", language="vi")) == ["Giao hàng nhanh"]
    article.title = "Vận chuyển hỏa tốc"
    article.save()
    assert search_articles(query="giao hang", language="vi").hits == []
    assert titles(search_articles(query="hoa toc", language="vi")) == ["Vận chuyển hỏa tốc"]


def test_deleted_article_leaves_the_index(make_article):
    from knowledge_base.services import delete_article

    article = make_article("Bảo hành", "12 tháng.")
    search_articles(query="bao hanh", language="vi")
    delete_article(article=article)
    assert search_articles(query="bao hanh", language="vi").hits == []


def test_snippet_shows_the_matching_part_of_the_body_as_plain_text(make_article):
    body = ("Giới thiệu chung. " * 20) + "Thời hạn **bảo hành** là 12 tháng."
    make_article("Chính sách", body)
    snippet = search_articles(query="bao hanh", language="vi").hits[0].snippet
    assert "bảo hành là 12 tháng" in snippet
    assert "**" not in snippet


@pytest.mark.parametrize("query", ["", "   ", "!!!", "?" * 500])
def test_queries_without_words_find_nothing_without_error(make_article, query):
    make_article("Bảo hành")
    assert search_articles(query=query, language="vi").hits == []


def test_huge_query_is_cut_not_refused(make_article):
    make_article("Bảo hành")
    result = search_articles(query="bảo hành " + "x" * 10_000, language="vi")
    assert titles(result) == ["Bảo hành"]
    assert len(result.query) <= 200


def test_query_with_search_syntax_is_treated_as_words(make_article):
    make_article("Bảo hành")
    for query in ['bao" OR hanh*', "bao & !hanh | (", "NEAR(bao hanh)", "bao:* hanh"]:
        assert titles(search_articles(query=query, language="vi")) == ["Bảo hành"]


def test_prefix_search_matches_an_unfinished_last_word(make_article):
    make_article("Thanh toán trả góp", "Trả góp 0%.")
    assert titles(search_articles(query="tra go", language="vi", prefix=True)) == [
        "Thanh toán trả góp"
    ]


def test_damerau_distance_counts_a_swap_as_one_edit():
    assert damerau_distance("hnah", "hanh") == 1
    assert damerau_distance("tein", "tien") == 1
    assert damerau_distance("abc", "xyz") == 3


def test_vocabulary_corrects_only_unknown_words():
    vocab = Vocabulary(["hoan", "tien", "giao", "hang", "warranty"])
    assert vocab.corrections("tien") == []
    assert vocab.corrections("tein") == ["tien"]
    assert vocab.corrections("waranty") == ["warranty"]
    assert vocab.corrections("xyzw") == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table is SQLite's index")
def test_sqlite_index_has_one_row_per_indexed_article(make_article):
    make_article("Một")
    make_article("Hai")
    indexing.refresh_pending()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {indexing.FTS_TABLE}")  # noqa: S608
        assert cursor.fetchone()[0] == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_postgres_vector_is_built_with_unaccent(make_article):
    article = make_article("Bảo hành", "Đổi trả")
    indexing.refresh_pending()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector::text FROM knowledge_base_article WHERE id = %s", [article.pk]
        )
        vector = cursor.fetchone()[0]
    assert "'bao'" in vector and "'doi'" in vector


def test_search_query_count_does_not_grow_with_results(make_article, django_assert_max_num_queries):
    for i in range(15):
        make_article(f"Bảo hành mục {i}", "Bảo hành.")
    search_articles(query="bao hanh", language="vi")
    with django_assert_max_num_queries(8):
        result = search_articles(query="bao hanh", language="vi")
    assert len(result.hits) == 15
