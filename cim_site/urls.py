from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_safe
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import health, metrics

FAVICON = Path(__file__).resolve().parent / "static" / "cim" / "favicon.ico"


@cache
def _favicon_bytes() -> bytes:
    return FAVICON.read_bytes()


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on every site whatever the page links; served from here so it
    needs no static file server (the pages also link the SVG version)."""
    response = HttpResponse(_favicon_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


# Unmatched URLs under /api/ (ids the path converters refuse) answer in the API's error shape.
handler404 = "cim_site.api.errors.page_not_found"

urlpatterns = [
    path("", RedirectView.as_view(url="/help/", permanent=False)),
    path("favicon.ico", favicon, name="favicon"),
    # The admin index is the operations dashboard; the ticket page's work log has its own URL.
    path("admin/", include("cim_site.analytics.admin_urls")),
    path("admin/tickets/ticket/", include("tickets.admin_activity_views")),
    # Probes and monitoring (docs/deploy.md).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("cim_site.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("help/", include("knowledge_base.urls")),
    path("help/", include("channels.urls")),
    path("help/tickets/", include("tickets.urls")),
    # Endpoints for machines: channel webhooks, mail relays, PBX call records.
    path("hooks/", include("channels.hook_urls")),
    # Survey pages customers reach from their invitation link.
    path("survey/", include("feedback.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
