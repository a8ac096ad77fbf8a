"""Every change to the knowledge base: articles with their alternative questions and tags, helpful
votes, view counts and the log of searches that found nothing."""

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.text import slugify
from django.utils.translation import gettext as _

from . import indexing
from .errors import KnowledgeBaseError
from .errors import KnowledgeBaseErrorCode as Code
from .models import (
    Article,
    ArticleQuestion,
    ArticleStatus,
    ArticleVote,
    Category,
    SearchMiss,
    SearchSource,
    Tag,
)
from .text import normalised

MAX_QUESTIONS = 50
MAX_QUESTION_CHARS = 300
MAX_BODY_CHARS = 100_000
MAX_COMMENT_CHARS = 1000
MAX_TAGS = 20


def _index_after_commit(article_id: int) -> None:
    # Search also indexes pending rows before it reads; this only makes an edit visible sooner.
    transaction.on_commit(lambda: indexing.index_articles([article_id]))


def _clean_questions(questions: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    cleaned = []
    for raw in questions:
        text = " ".join((raw or "").split())
        if not text or text.casefold() in seen:
            continue
        if len(text) > MAX_QUESTION_CHARS:
            raise KnowledgeBaseError(
                Code.INVALID_ARTICLE,
                _("An alternative question may have at most %(n)d characters.")
                % {"n": MAX_QUESTION_CHARS},
                field="questions",
            )
        seen.add(text.casefold())
        cleaned.append(text)
    if len(cleaned) > MAX_QUESTIONS:
        raise KnowledgeBaseError(
            Code.INVALID_ARTICLE,
            _("An article may have at most %(n)d alternative questions.") % {"n": MAX_QUESTIONS},
            field="questions",
        )
    return cleaned


def _tags(names: Sequence[str]) -> list[Tag]:
    names = [" ".join(n.split()) for n in names if n and n.strip()]
    if len(names) > MAX_TAGS:
        raise KnowledgeBaseError(
            Code.INVALID_ARTICLE,
            _("An article may have at most %(n)d tags.") % {"n": MAX_TAGS},
            field="tags",
        )
    tags = []
    for name in names:
        slug = slugify(normalised(name))[:60]
        if not slug:
            continue
        tag, _created = Tag.objects.get_or_create(slug=slug, defaults={"name": name[:80]})
        tags.append(tag)
    return tags


def _validate(article: Article) -> None:
    if not article.title.strip():
        raise KnowledgeBaseError(Code.INVALID_ARTICLE, _("The title is required."), field="title")
    if len(article.body) > MAX_BODY_CHARS:
        raise KnowledgeBaseError(
            Code.INVALID_ARTICLE,
            _("The body may have at most %(n)d characters.") % {"n": MAX_BODY_CHARS},
            field="body",
        )
    if not article.slug:
        article.slug = slugify(normalised(article.title))[:120] or "article"
    taken = (
        Article.objects.filter(language=article.language, slug=article.slug)
        .exclude(pk=article.pk)
        .exists()
    )
    if taken:
        raise KnowledgeBaseError(
            Code.SLUG_TAKEN,
            _("Another article in this language already uses this slug."),
            field="slug",
        )
    if article.status == ArticleStatus.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()


@transaction.atomic
def create_article(
    *,
    category: Category,
    language: str,
    title: str,
    body: str,
    slug: str = "",
    status: str = ArticleStatus.DRAFT,
    questions: Sequence[str] = (),
    tags: Sequence[str] = (),
    translation_of: Article | None = None,
    position: int = 0,
    by: Any = None,
) -> Article:
    article = Article(
        category=category,
        language=language,
        title=" ".join(title.split())[:255],
        slug=slug,
        body=body,
        status=status,
        translation_of=translation_of,
        position=position,
    )
    _validate(article)
    article._history_user = by  # type: ignore[attr-defined]
    article._change_reason = "created"  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError as exc:  # two editors racing for one slug
        raise KnowledgeBaseError(
            Code.SLUG_TAKEN, _("Another article in this language already uses this slug.")
        ) from exc
    ArticleQuestion.objects.bulk_create(
        [
            ArticleQuestion(article=article, text=text, position=i)
            for i, text in enumerate(_clean_questions(questions))
        ]
    )
    article.tags.set(_tags(tags))
    _index_after_commit(article.pk)
    return article


_EDITABLE = {"category", "language", "title", "slug", "body", "status", "position"}


@transaction.atomic
def update_article(
    *,
    article: Article,
    by: Any = None,
    changes: dict[str, Any] | None = None,
    questions: Sequence[str] | None = None,
    tags: Sequence[str] | None = None,
    translation_of: Article | None = None,
) -> Article:
    """Apply `changes` (any of category, language, title, slug, body, status, position) and, when
    given, replace the alternative questions and the tags. One history row per call."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    for name, value in (changes or {}).items():
        if name not in _EDITABLE:
            raise KnowledgeBaseError(
                Code.INVALID_ARTICLE, _("This field cannot be changed."), field=name
            )
        setattr(article, name, value)
    if translation_of is not None:
        if translation_of.pk == article.pk:
            raise KnowledgeBaseError(
                Code.INVALID_ARTICLE,
                _("An article cannot be a translation of itself."),
                field="translation_of",
            )
        article.translation_of = translation_of
    _validate(article)
    article._history_user = by  # type: ignore[attr-defined]
    article._change_reason = "edited"  # type: ignore[attr-defined]
    article.save()
    if questions is not None:
        set_article_questions(article=article, questions=questions)
    if tags is not None:
        article.tags.set(_tags(tags))
    _index_after_commit(article.pk)
    return article


@transaction.atomic
def set_article_questions(*, article: Article, questions: Sequence[str]) -> list[ArticleQuestion]:
    cleaned = _clean_questions(questions)
    ArticleQuestion.objects.filter(article=article).delete()
    created = ArticleQuestion.objects.bulk_create(
        [ArticleQuestion(article=article, text=t, position=i) for i, t in enumerate(cleaned)]
    )
    mark_for_reindex(article_id=article.pk)
    return created


def mark_for_reindex(*, article_id: int) -> None:
    """The article's questions or tags changed: its search words must be recomputed. updated_at
    moves too, so the bot's cached index sees the change."""
    Article.objects.filter(pk=article_id).update(needs_index=True, updated_at=timezone.now())
    _index_after_commit(article_id)


@transaction.atomic
def delete_article(*, article: Article, by: Any = None) -> None:
    article._history_user = by  # type: ignore[attr-defined]
    article_id = article.pk
    article.delete()
    indexing.forget_article(article_id)


def count_article_view(*, article: Article) -> None:
    # An F() update: concurrent readers never lose a count, and no history row is written for
    # a page view.
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


def voter_key(browser_id: str) -> str:
    """What is stored for a browser: a keyed hash of the random id in its cookie."""
    return salted_hmac("knowledge_base.vote", browser_id, algorithm="sha256").hexdigest()


@transaction.atomic
def record_vote(
    *, article: Article, browser_id: str, helpful: bool, comment: str = ""
) -> ArticleVote:
    """One vote per browser per article; a second one is refused, not counted twice."""
    if not article.is_public:
        raise KnowledgeBaseError(Code.NOT_PUBLIC, _("This article cannot be rated."))
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise KnowledgeBaseError(
            Code.COMMENT_TOO_LONG,
            _("The comment may have at most %(n)d characters.") % {"n": MAX_COMMENT_CHARS},
            field="comment",
        )
    try:
        with transaction.atomic():
            return ArticleVote.objects.create(
                article=article, voter=voter_key(browser_id), helpful=helpful, comment=comment
            )
    except IntegrityError as exc:
        raise KnowledgeBaseError(
            Code.ALREADY_VOTED, _("You have already rated this article. Thank you!")
        ) from exc


def record_search_miss(
    *, query: str, language: str, source: str = SearchSource.HELP_CENTRE
) -> SearchMiss | None:
    """Count a search that found nothing, once per folded query and language."""
    key = normalised(query)[:200]
    if len(key) < 2:
        return None
    now = timezone.now()
    updated = SearchMiss.objects.filter(query=key, language=language).update(
        count=F("count") + 1, last_seen=now, source=source, example=query.strip()[:200]
    )
    if updated:
        return None
    try:
        with transaction.atomic():
            return SearchMiss.objects.create(
                query=key,
                language=language,
                example=query.strip()[:200],
                source=source,
                first_seen=now,
                last_seen=now,
            )
    except IntegrityError:  # the same miss from two requests at once
        SearchMiss.objects.filter(query=key, language=language).update(
            count=F("count") + 1, last_seen=now
        )
        return None
