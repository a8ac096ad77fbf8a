import pytest
from django.core.cache import cache

from knowledge_base import bot, search, services
from knowledge_base.models import ArticleStatus
from tests.factories import KBCategoryFactory


@pytest.fixture(autouse=True)
def _fresh_caches():
    # Rate-limit counters live in the cache; the search vocabulary and the bot's index live in
    # the process and are keyed on counts that a rolled-back test can repeat.
    cache.clear()
    search.clear_caches()
    bot.clear_cache()
    yield
    cache.clear()
    search.clear_caches()
    bot.clear_cache()


@pytest.fixture
def kb_category(db):
    return KBCategoryFactory(slug="ho-tro", name_vi="Hỗ trợ", name_en="Support")


@pytest.fixture
def make_article(kb_category):
    counter = iter(range(1, 10_000))

    def make(title, body="", *, language="vi", questions=(), tags=(), status=None, **kwargs):
        return services.create_article(
            category=kwargs.pop("category", kb_category),
            language=language,
            title=title,
            body=body or title,
            slug=kwargs.pop("slug", f"bai-{next(counter)}"),
            status=status or ArticleStatus.PUBLISHED,
            questions=questions,
            tags=tags,
            **kwargs,
        )

    return make
