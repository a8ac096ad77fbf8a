from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers.models import Language


class Category(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150)
    description_vi = models.TextField(_("description (Vietnamese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "vi").startswith("en") else self.name_vi

    @property
    def description(self) -> str:
        return (
            self.description_en
            if (get_language() or "vi").startswith("en")
            else self.description_vi
        )


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    INTERNAL = "internal", _("Internal only")


class Tag(models.Model):
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = _("article tag")
        verbose_name_plural = _("article tags")

    def __str__(self) -> str:
        return self.name


# Columns that only serve search; their churn is not an editorial change worth a history row.
SEARCH_FIELDS = ["search_title", "search_body", "search_vector", "needs_index"]


class Article(models.Model):
    """One article in one language. Translations point at the same original."""

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="articles", verbose_name=_("category")
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    translation_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        verbose_name=_("translation of"),
    )
    title = models.CharField(_("title"), max_length=255)
    slug = models.SlugField(_("slug"), max_length=120, allow_unicode=False)
    body = models.TextField(_("body (Markdown)"))
    status = models.CharField(
        _("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", verbose_name=_("tags"))

    # Search columns, written only by knowledge_base.indexing: folded (lower case, no diacritics)
    # words of the title, alternative questions and tags, and of the body. On PostgreSQL a
    # tsvector as well (NULL on SQLite, which indexes the same words in an FTS5 table).
    search_title = models.TextField(editable=False, blank=True, default="")
    search_body = models.TextField(editable=False, blank=True, default="")
    search_vector = SearchVectorField(null=True, editable=False)
    # Set by every save and by changes to questions or tags; the indexer clears it. Rows written
    # by any path (admin, bulk loads, demo data) therefore reach the index.
    needs_index = models.BooleanField(default=True, editable=False)

    history = HistoricalRecords(excluded_fields=SEARCH_FIELDS)

    class Meta:
        ordering = ["position", "title"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.UniqueConstraint(fields=["language", "slug"], name="uniq_article_language_slug")
        ]
        indexes = [
            models.Index(fields=["status", "language", "category"], name="article_public_lookup"),
            models.Index(fields=["-view_count"], name="article_popular"),
            models.Index(
                fields=["needs_index"], condition=Q(needs_index=True), name="article_needs_index"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # The row changed, so its search columns may be stale. Not a side effect: a column of
        # this same row, read by the indexer on its next pass.
        self.needs_index = True
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "needs_index"}
        super().save(*args, **kwargs)

    @property
    def is_public(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED and self.category.is_active


class ArticleQuestion(models.Model):
    """Another way a customer asks the question the article answers ("không nhận được mã OTP"
    for "Đăng nhập bằng mã OTP"). Search and the bot match these as strongly as the title."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="questions", verbose_name=_("article")
    )
    text = models.CharField(_("question"), max_length=300)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("alternative question")
        verbose_name_plural = _("alternative questions")

    def __str__(self) -> str:
        return self.text


class ArticleVote(models.Model):
    """One "was this helpful?" answer from one browser for one article."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="votes", verbose_name=_("article")
    )
    # A random id kept in a cookie of the reader's browser, hashed: the row cannot be tied back
    # to a person, and one browser has one vote per article.
    voter = models.CharField(_("voter"), max_length=64)
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("helpful vote")
        verbose_name_plural = _("helpful votes")
        constraints = [
            models.UniqueConstraint(fields=["article", "voter"], name="uniq_vote_per_browser")
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'+' if self.helpful else '-'}"


class SearchSource(models.TextChoices):
    HELP_CENTRE = "help", _("Help centre search")
    API = "api", _("API")
    BOT = "bot", _("Chatbot")


class SearchMiss(models.Model):
    """A search that found nothing, counted per folded query and language: the content gaps."""

    query = models.CharField(_("normalised query"), max_length=200)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    example = models.CharField(_("as typed"), max_length=200)
    source = models.CharField(
        _("last source"),
        max_length=10,
        choices=SearchSource.choices,
        default=SearchSource.HELP_CENTRE,
    )
    count = models.PositiveIntegerField(_("times"), default=1)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        ordering = ["-count", "-last_seen"]
        verbose_name = _("content gap (search with no results)")
        verbose_name_plural = _("content gaps (searches with no results)")
        constraints = [
            models.UniqueConstraint(fields=["query", "language"], name="uniq_search_miss")
        ]

    def __str__(self) -> str:
        return self.query


class SearchTerm(models.Model):
    """Every folded word in the index: the vocabulary that misspelt query words are corrected
    against. Only grows; a word no article uses any more just finds nothing."""

    term = models.CharField(max_length=40, unique=True)

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")

    def __str__(self) -> str:
        return self.term
