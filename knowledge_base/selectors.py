"""Read queries of the public help centre. Only published articles of active categories are ever
returned, and every page costs the same number of queries however many articles there are."""

from django.db.models import Prefetch, Q, QuerySet

from .models import Article, ArticleStatus, Category


def public_language(language: str | None) -> str:
    """The article language for a UI language code ("en-us" → "en"); Vietnamese by default."""
    code = (language or "vi")[:2].lower()
    return code if code in ("vi", "en") else "vi"


def public_articles(*, language: str) -> QuerySet[Article]:
    return Article.objects.filter(
        status=ArticleStatus.PUBLISHED,
        language=public_language(language),
        category__is_active=True,
    )


def list_public_categories(*, language: str) -> list[Category]:
    """Active categories that have at least one published article in the language, each with
    those articles in `.public` (two queries)."""
    articles = public_articles(language=language).only(
        "id", "category_id", "title", "slug", "position", "language", "view_count"
    )
    categories = Category.objects.filter(is_active=True).prefetch_related(
        Prefetch("articles", queryset=articles.order_by("position", "title"), to_attr="public")
    )
    return [category for category in categories if category.public]


def get_public_category(*, slug: str, language: str) -> Category | None:
    """One active category with its published articles in the language in `.public` (two
    queries)."""
    articles = public_articles(language=language).order_by("position", "title")
    return (
        Category.objects.filter(is_active=True, slug=slug)
        .prefetch_related(Prefetch("articles", queryset=articles, to_attr="public"))
        .first()
    )


def get_public_article(*, slug: str, language: str) -> Article | None:
    """The published article with this slug, preferring the reader's language. A link shared
    in the other language still opens, in that language."""
    lang = public_language(language)
    candidates = (
        Article.objects.filter(status=ArticleStatus.PUBLISHED, category__is_active=True, slug=slug)
        .select_related("category")
        .order_by("language")
    )
    found = list(candidates[:2])
    for article in found:
        if article.language == lang:
            return article
    return found[0] if found else None


def get_translation(*, article: Article) -> Article | None:
    """The published version of the article in the other language, if there is one: its
    original, or a translation of the same original (one query)."""
    original_id = article.translation_of_id or article.pk
    return (
        Article.objects.filter(status=ArticleStatus.PUBLISHED, category__is_active=True)
        .filter(Q(pk=original_id) | Q(translation_of_id=original_id))
        .exclude(pk=article.pk)
        .exclude(language=article.language)
        .only("id", "slug", "title", "language")
        .order_by("language", "id")
        .first()
    )


def popular_articles(categories: list[Category], *, limit: int = 5) -> list[Article]:
    """The most read of the articles already loaded by list_public_categories (no query)."""
    articles = [article for category in categories for article in category.public]
    read = [article for article in articles if article.view_count > 0]
    return sorted(read, key=lambda a: (-a.view_count, a.title))[:limit]
