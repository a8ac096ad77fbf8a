"""Public FAQ pages: published articles in the reader's language, nothing else."""

from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import selectors
from .models import Article
from .rendering import render_markdown


def _count_view(article: Article) -> None:
    # An F() update: concurrent readers never lose a count, and no history row is written for
    # a page view.
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


def home(request: HttpRequest) -> HttpResponse:
    categories = selectors.list_public_categories(language=get_language())
    return render(
        request,
        "knowledge_base/home.html",
        {
            "categories": categories,
            "canonical_url": request.build_absolute_uri(reverse("kb:home")),
        },
    )


def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    category = selectors.get_public_category(slug=slug, language=get_language())
    if category is None:
        raise Http404(_("No such category."))
    return render(
        request,
        "knowledge_base/category.html",
        {
            "category": category,
            "articles": category.public,
            "canonical_url": request.build_absolute_uri(
                reverse("kb:category", kwargs={"slug": category.slug})
            ),
        },
    )


def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = selectors.get_public_article(slug=slug, language=get_language())
    if article is None:
        raise Http404(_("No such article."))
    _count_view(article)
    return render(
        request,
        "knowledge_base/article.html",
        {
            "article": article,
            "body_html": render_markdown(article.body),
            "translation": selectors.get_translation(article=article),
            "canonical_url": request.build_absolute_uri(
                reverse("kb:article", kwargs={"slug": article.slug})
            ),
        },
    )
