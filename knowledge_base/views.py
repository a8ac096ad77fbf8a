"""Public help-centre pages: published articles in the reader's language, search, suggestions
while typing, "was this helpful?" votes. Public endpoints are rate limited per client address."""

import secrets

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from . import selectors, services
from .errors import KnowledgeBaseError
from .forms import SearchForm, VoteForm
from .models import SearchSource
from .rendering import render_markdown
from .search import search_articles

BROWSER_COOKIE = "kb_browser"
BROWSER_COOKIE_AGE = 365 * 24 * 3600


def _rate(name: str, default: str):
    def rate(group: str, request: HttpRequest) -> str:
        return getattr(settings, name, default)

    return rate


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "429.html", status=429)


def home(request: HttpRequest) -> HttpResponse:
    categories = selectors.list_public_categories(language=get_language())
    return render(
        request,
        "knowledge_base/home.html",
        {
            "categories": categories,
            "popular": selectors.popular_articles(categories),
            "search_form": SearchForm(),
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
            "search_form": SearchForm(),
            "canonical_url": request.build_absolute_uri(
                reverse("kb:category", kwargs={"slug": category.slug})
            ),
        },
    )


def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = selectors.get_public_article(slug=slug, language=get_language())
    if article is None:
        raise Http404(_("No such article."))
    services.count_article_view(article=article)
    return render(
        request,
        "knowledge_base/article.html",
        {
            "article": article,
            "body_html": render_markdown(article.body),
            "translation": selectors.get_translation(article=article),
            "vote_form": VoteForm(),
            "canonical_url": request.build_absolute_uri(
                reverse("kb:article", kwargs={"slug": article.slug})
            ),
        },
    )


@require_GET
@ratelimit(group="kb-search", key="ip", rate=_rate("CIM_KB_SEARCH_RATE", "60/m"), block=False)
def search(request: HttpRequest) -> HttpResponse:
    if getattr(request, "limited", False):
        return _too_many(request)
    form = SearchForm(request.GET or None)
    result = None
    if form.is_valid() and form.cleaned_data["q"]:
        query = form.cleaned_data["q"]
        result = search_articles(query=query, language=get_language())
        if not result.found:
            services.record_search_miss(
                query=query, language=result.language, source=SearchSource.HELP_CENTRE
            )
    response = render(
        request,
        "knowledge_base/search.html",
        {
            "search_form": form,
            "result": result,
            "canonical_url": request.build_absolute_uri(reverse("kb:search")),
        },
        status=200 if form.is_valid() or not form.is_bound else 400,
    )
    return response


@require_GET
@ratelimit(group="kb-suggest", key="ip", rate=_rate("CIM_KB_SUGGEST_RATE", "120/m"), block=False)
def suggest(request: HttpRequest) -> JsonResponse:
    """Articles for what is being typed (contact form, search box): JSON, at most 5."""
    if getattr(request, "limited", False):
        return JsonResponse(
            {"code": "rate_limited", "message": _("Too many requests."), "results": []},
            status=429,
        )
    form = SearchForm(request.GET)
    if not form.is_valid():
        return JsonResponse(
            {"code": "invalid", "message": _("The query is too long."), "results": []},
            status=400,
        )
    query = form.cleaned_data["q"]
    if len(query) < 3:
        return JsonResponse({"results": []})
    result = search_articles(query=query, language=get_language(), limit=5, prefix=True)
    return JsonResponse(
        {
            "results": [
                {
                    "title": hit.article.title,
                    "url": reverse("kb:article", kwargs={"slug": hit.article.slug}),
                    "snippet": hit.snippet,
                    "language": hit.article.language,
                }
                for hit in result.hits
            ]
        },
        # Text goes out as JSON strings; the script puts it in the page with textContent.
        json_dumps_params={"ensure_ascii": False},
    )


@never_cache
@csrf_protect
@require_POST
@ratelimit(group="kb-vote", key="ip", rate=_rate("CIM_KB_VOTE_RATE", "10/m"), block=False)
def vote(request: HttpRequest, slug: str) -> HttpResponse:
    if getattr(request, "limited", False):
        return _too_many(request)
    article = selectors.get_public_article(slug=slug, language=get_language())
    if article is None:
        raise Http404(_("No such article."))
    form = VoteForm(request.POST)
    target = reverse("kb:article", kwargs={"slug": article.slug}) + "#feedback"
    if not form.is_valid():
        messages.error(request, _("Please choose whether the article helped."))
        return redirect(target)
    browser_id = request.COOKIES.get(BROWSER_COOKIE) or secrets.token_urlsafe(24)
    try:
        services.record_vote(
            article=article,
            browser_id=browser_id[:64],
            helpful=form.cleaned_data["helpful"] == "yes",
            comment=form.cleaned_data["comment"],
        )
    except KnowledgeBaseError as exc:
        messages.info(request, exc.message)
    else:
        messages.success(request, _("Thank you for your feedback."))
    response = redirect(target)
    response.set_cookie(
        BROWSER_COOKIE,
        browser_id[:64],
        max_age=BROWSER_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response
