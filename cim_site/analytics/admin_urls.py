"""The dashboard in the admin: mounted at admin/ before admin.site.urls, so it answers for the
admin's index ("admin:index" still reverses to it) behind the admin's own login check."""

from django.contrib import admin
from django.urls import path

from .views import dashboard

urlpatterns = [
    path("", admin.site.admin_view(dashboard), name="cim_dashboard"),
]
