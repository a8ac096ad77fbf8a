"""Staff UI for the knowledge base: categories, articles (one row per language) with their
alternative questions and tags, helpful votes, and the content gaps (searches with no result)."""

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import Article, ArticleQuestion, ArticleVote, Category, SearchMiss, Tag


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name_vi", "name_en", "slug", "position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name_vi", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class ArticleQuestionInline(admin.TabularInline):
    model = ArticleQuestion
    extra = 1
    fields = ("text", "position")


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    list_display = (
        "title",
        "language",
        "category",
        "status",
        "published_at",
        "view_count",
        "helpful_votes",
        "unhelpful_votes",
    )
    list_select_related = ("category",)
    list_filter = ("status", "language", "category", "tags")
    search_fields = ("title", "slug", "body", "questions__text")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("translation_of", "tags")
    readonly_fields = ("view_count", "created_at", "updated_at")
    inlines = [ArticleQuestionInline]
    fields = (
        "category",
        "language",
        "translation_of",
        "title",
        "slug",
        "body",
        "tags",
        "status",
        "position",
        "published_at",
        "view_count",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return (
            super()
            .get_queryset(request)
            .select_related("category")
            .annotate(
                n_helpful=Count("votes", filter=Q(votes__helpful=True)),
                n_unhelpful=Count("votes", filter=Q(votes__helpful=False)),
            )
        )

    @admin.display(description=_("helpful"), ordering="n_helpful")
    def helpful_votes(self, obj: Article) -> int:
        return obj.n_helpful

    @admin.display(description=_("not helpful"), ordering="n_unhelpful")
    def unhelpful_votes(self, obj: Article) -> int:
        return obj.n_unhelpful

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # Questions and tags are saved after the article row: index once they are all there.
        services.mark_for_reindex(article_id=form.instance.pk)

    def delete_model(self, request: HttpRequest, obj: Article) -> None:
        services.delete_article(article=obj, by=request.user)


@admin.register(ArticleVote)
class ArticleVoteAdmin(admin.ModelAdmin):
    list_display = ("article", "helpful", "comment", "created_at")
    list_filter = ("helpful", "article__language")
    list_select_related = ("article",)
    search_fields = ("article__title", "comment")
    readonly_fields = ("article", "voter", "helpful", "comment", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SearchMiss)
class SearchMissAdmin(admin.ModelAdmin):
    """Content gaps: what customers searched for and found nothing, most frequent first.
    Deleting a row once an article covers it keeps the list a to-do list."""

    list_display = ("example", "query", "language", "count", "source", "last_seen")
    list_filter = ("language", "source")
    search_fields = ("query", "example")
    readonly_fields = ("query", "example", "language", "source", "count", "first_seen", "last_seen")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
