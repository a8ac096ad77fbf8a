"""Fixtures for the chatbot tests: a small knowledge base built through the knowledge-base
services, a web chat channel whose order articles map to an orders queue."""

import pytest
from django.core.cache import cache

from knowledge_base import bot, search, services
from knowledge_base.models import ArticleStatus
from tests.factories import ChannelFactory, KBCategoryFactory, QueueFactory


@pytest.fixture(autouse=True)
def _fresh_caches():
    # The bot's index lives in the process, keyed on counts a rolled-back test can repeat.
    cache.clear()
    search.clear_caches()
    bot.clear_cache()
    yield
    cache.clear()
    search.clear_caches()
    bot.clear_cache()


def _article(category, title, body, slug, questions, language="vi"):
    return services.create_article(
        category=category,
        language=language,
        title=title,
        body=body,
        slug=slug,
        status=ArticleStatus.PUBLISHED,
        questions=questions,
    )


@pytest.fixture
def kb(db):
    account = KBCategoryFactory(slug="tai-khoan", name_vi="Tài khoản", name_en="Account")
    orders = KBCategoryFactory(slug="don-hang", name_vi="Đơn hàng", name_en="Orders")
    cards = KBCategoryFactory(slug="the", name_vi="Thẻ", name_en="Cards")
    return {
        "password": _article(
            account,
            "Đổi mật khẩu",
            "Vào **Tài khoản → Bảo mật** và chọn *Đổi mật khẩu*. Mã xác nhận được gửi qua SMS.",
            "doi-mat-khau",
            ["quên mật khẩu", "làm sao đặt lại mật khẩu", "không đăng nhập được"],
        ),
        "refund": _article(
            orders,
            "Hoàn tiền đơn hàng",
            "Tiền được hoàn trong 7 ngày làm việc.",
            "hoan-tien",
            ["khi nào tôi nhận lại tiền", "trả hàng được hoàn tiền không"],
        ),
        "delivery": _article(
            orders,
            "Thời gian giao hàng",
            "Đơn hàng được giao trong 3 ngày.",
            "giao-hang",
            ["bao lâu thì nhận được hàng", "đơn hàng giao mấy ngày"],
        ),
        "credit": _article(
            cards,
            "Khóa thẻ tín dụng",
            "Khóa thẻ tín dụng trong ứng dụng.",
            "khoa-the-tin-dung",
            ["khóa thẻ tín dụng"],
        ),
        "debit": _article(
            cards,
            "Khóa thẻ ghi nợ",
            "Khóa thẻ ghi nợ trong ứng dụng.",
            "khoa-the-ghi-no",
            ["khóa thẻ ghi nợ"],
        ),
        "card_en": _article(
            cards,
            "Lost or stolen card",
            "Freeze it in the app.",
            "lost-card",
            ["I lost my card", "my card was stolen what do I do"],
            language="en",
        ),
    }


@pytest.fixture
def orders_queue(db):
    return QueueFactory(code="orders", name="Orders")


@pytest.fixture
def bot_channel(queue, orders_queue):
    from customers.models import ChannelKind

    return ChannelFactory(
        code="web-chat",
        name="Web chat",
        kind=ChannelKind.WEB_CHAT,
        default_queue=queue,
        config={"bot_queue_by_category": {"don-hang": "orders"}},
    )
