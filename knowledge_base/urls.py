from django.urls import path

from . import views

app_name = "kb"
urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.category_detail, name="category"),
    path("a/<slug:slug>/", views.article_detail, name="article"),
]
