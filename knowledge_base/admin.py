"""Staff UI for the knowledge base: categories and articles (one row per language)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .models import Article, Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name_vi", "name_en", "slug", "position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name_vi", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    list_display = ("title", "language", "category", "status", "published_at", "view_count")
    list_select_related = ("category",)
    list_filter = ("status", "language", "category")
    search_fields = ("title", "slug", "body")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("translation_of",)
    readonly_fields = ("view_count", "created_at", "updated_at")
    fields = (
        "category",
        "language",
        "translation_of",
        "title",
        "slug",
        "body",
        "status",
        "position",
        "published_at",
        "view_count",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).select_related("category")
