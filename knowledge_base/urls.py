from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import views
from .sitemaps import SITEMAPS

app_name = "kb"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.suggest, name="suggest"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("c/<slug:slug>/", views.category_detail, name="category"),
    path("a/<slug:slug>/", views.article_detail, name="article"),
    path("a/<slug:slug>/vote/", views.vote, name="vote"),
]
