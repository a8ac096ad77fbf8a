import pytest

from knowledge_base import bot
from knowledge_base.errors import KnowledgeBaseError, KnowledgeBaseErrorCode
from knowledge_base.models import ArticleStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def kb(make_article):
    return {
        "password": make_article(
            "Đổi mật khẩu",
            "Vào Tài khoản → Bảo mật.",
            slug="doi-mat-khau",
            questions=["quên mật khẩu", "làm sao đặt lại mật khẩu", "không đăng nhập được"],
        ),
        "refund": make_article(
            "Hoàn tiền đơn hàng",
            "Hoàn tiền trong 7 ngày.",
            slug="hoan-tien",
            questions=["khi nào tôi nhận lại tiền", "trả hàng được hoàn tiền không"],
        ),
        "delivery": make_article(
            "Thời gian giao hàng",
            "Giao trong 3 ngày.",
            slug="giao-hang",
            questions=["bao lâu thì nhận được hàng", "đơn hàng giao mấy ngày"],
        ),
        "card_en": make_article(
            "Lost or stolen card",
            "Freeze it in the app.",
            language="en",
            slug="lost-card",
            questions=["I lost my card", "my card was stolen what do I do"],
        ),
    }


def test_confident_question_gets_the_matching_article(kb):
    decision = bot.decide(question="tôi quên mật khẩu rồi", language="vi")
    assert decision.kind == "answer"
    assert decision.article.slug == "doi-mat-khau"
    assert decision.reason == "confident"


def test_question_without_diacritics_and_with_a_typo_still_matches(kb):
    decision = bot.decide(question="quen mat khau", language="vi")
    assert decision.candidates[0].slug == "doi-mat-khau"
    decision = bot.decide(question="hoan tein don hang", language="vi")
    assert decision.candidates[0].slug == "hoan-tien"


def test_candidates_are_ranked_with_scores(kb):
    decision = bot.decide(question="bao lâu thì nhận được hàng", language="vi")
    scores = [c.score for c in decision.candidates]
    assert decision.candidates[0].slug == "giao-hang"
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 1 for s in scores)


def test_english_question_matches_english_article(kb):
    decision = bot.decide(question="someone stole my card", language="en")
    assert decision.candidates[0].slug == "lost-card"
    assert all(c.language == "en" for c in decision.candidates)


def test_unrelated_question_is_handed_to_a_person(kb):
    decision = bot.decide(question="thời tiết Hà Nội ngày mai thế nào", language="vi")
    assert decision.kind == "handoff"
    assert decision.reason == "not_confident"


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("cho tôi gặp nhân viên", "vi"),
        ("Tôi muốn nói chuyện với nhân viên tư vấn về mật khẩu", "vi"),
        ("gap nhan vien", "vi"),
        ("can I talk to a human please", "en"),
        ("I want a real person, my card was stolen", "en"),
    ],
)
def test_asking_for_a_person_hands_over_even_when_an_article_matches(kb, question, language):
    decision = bot.decide(question=question, language=language)
    assert decision.kind == "handoff"
    assert decision.reason == "asked_for_person"


def test_very_negative_sentiment_hands_over(kb):
    decision = bot.decide(question="quên mật khẩu", language="vi", sentiment=-0.9)
    assert (decision.kind, decision.reason) == ("handoff", "negative_sentiment")
    mild = bot.decide(question="quên mật khẩu", language="vi", sentiment=-0.2)
    assert mild.kind == "answer"


def test_two_close_articles_get_a_clarifying_question(make_article):
    make_article("Đổi trả tại cửa hàng", slug="doi-tra-cua-hang", questions=["đổi trả sản phẩm"])
    make_article("Đổi trả qua bưu điện", slug="doi-tra-buu-dien", questions=["đổi trả sản phẩm"])
    decision = bot.decide(question="đổi trả sản phẩm", language="vi")
    assert decision.kind == "clarify"
    assert "Đổi trả tại cửa hàng" in decision.message
    assert "Đổi trả qua bưu điện" in decision.message
    assert {c.slug for c in decision.candidates[:2]} == {"doi-tra-cua-hang", "doi-tra-buu-dien"}


def test_clarifying_question_is_in_the_conversation_language(make_article):
    make_article("Returns in store", slug="r-store", language="en", questions=["return a product"])
    make_article("Returns by post", slug="r-post", language="en", questions=["return a product"])
    decision = bot.decide(question="return a product", language="en")
    assert decision.kind == "clarify"
    assert decision.message.startswith("Do you mean")


def test_a_clear_winner_is_answered_not_clarified(make_article):
    make_article("Đổi trả tại cửa hàng", slug="a", questions=["đổi trả sản phẩm tại cửa hàng"])
    make_article("Phí giao hàng", slug="b", questions=["phí ship bao nhiêu"])
    assert bot.decide(question="đổi trả sản phẩm tại cửa hàng", language="vi").kind == "answer"


@pytest.mark.parametrize("question", ["", "   ", "???", "\n\t"])
def test_empty_question_is_refused_with_a_clear_code(kb, question):
    with pytest.raises(KnowledgeBaseError) as caught:
        bot.decide(question=question, language="vi")
    assert caught.value.code == KnowledgeBaseErrorCode.EMPTY_QUESTION


def test_huge_question_is_cut_and_answered_fast(kb):
    decision = bot.decide(question="quên mật khẩu " + "lorem ipsum " * 50_000, language="vi")
    assert decision.candidates[0].slug == "doi-mat-khau"
    assert decision.seconds < 1.0


def test_script_in_the_question_is_just_words(kb):
    decision = bot.decide(question="<script>alert('x')</script> quên mật khẩu", language="vi")
    assert decision.candidates[0].slug == "doi-mat-khau"
    assert "<script" not in decision.message


def test_unpublished_articles_are_never_answers(make_article):
    make_article("Quy trình nội bộ đổi mật khẩu", slug="noi-bo", status=ArticleStatus.INTERNAL)
    make_article("Bản nháp mật khẩu", slug="nhap", status=ArticleStatus.DRAFT)
    decision = bot.decide(question="đổi mật khẩu", language="vi")
    assert decision.candidates == []
    assert decision.kind == "handoff"


def test_index_follows_new_articles_and_new_questions(kb, make_article):
    assert bot.decide(question="xuất hóa đơn VAT", language="vi").kind == "handoff"
    article = make_article("Hóa đơn điện tử", slug="hoa-don")
    from knowledge_base.services import set_article_questions

    set_article_questions(article=article, questions=["xuất hóa đơn VAT cho công ty"])
    decision = bot.decide(question="xuất hóa đơn VAT", language="vi")
    assert decision.kind == "answer" and decision.article.slug == "hoa-don"


def test_person_request_phrases_need_whole_words():
    assert bot.asks_for_person("Cho mình gặp nhân viên nhé")
    assert not bot.asks_for_person("humane society opening hours")
    assert not bot.asks_for_person("nhân viên giao hàng đến lúc nào")
