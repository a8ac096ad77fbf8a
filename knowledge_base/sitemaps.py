"""sitemap.xml of the help centre: home, categories and published articles. An article's URL
opens it in its own language, so both languages are listed."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Article, ArticleStatus, Category


class HomeSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self) -> list[str]:
        return ["kb:home"]

    def location(self, item: str) -> str:
        return reverse(item)


class CategorySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return Category.objects.filter(is_active=True).order_by("slug").only("slug")

    def location(self, item: Category) -> str:
        return reverse("kb:category", kwargs={"slug": item.slug})


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5
    limit = 5000

    def items(self):
        return (
            Article.objects.filter(status=ArticleStatus.PUBLISHED, category__is_active=True)
            .order_by("id")
            .only("slug", "updated_at")
        )

    def location(self, item: Article) -> str:
        return reverse("kb:article", kwargs={"slug": item.slug})

    def lastmod(self, item: Article):
        return item.updated_at


SITEMAPS = {"home": HomeSitemap, "categories": CategorySitemap, "articles": ArticleSitemap}
