"""Every URL with an id in its path matches only 1–18 ASCII digits: anything else (letters, an
exponent, 19+ digits, a sign, non-ASCII digits that int() would accept) is a 404 from the
resolver, in the API's error shape under /api/."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.robustness.conftest import assert_error_shape

pytestmark = pytest.mark.django_db

BAD_IDS = ["abc", "1e400", "9" * 19, "99999999999999999999999", "-1", "１２", "1.0", "0x1f", "%00"]
ID_GROUPS = ("pk", "customer_pk", "message")


def _id_routes() -> list[str]:
    """Every resolvable route (outside the admin, which is Django's own) with an id group, as a
    template with {id} in place of the group."""
    out: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            regex = p.pattern.regex.pattern.lstrip("^").rstrip("$").replace("\\Z", "")
            if isinstance(p, URLResolver):
                if prefix + regex == "admin/":
                    continue
                walk(p.url_patterns, prefix + regex)
            elif isinstance(p, URLPattern):
                full = prefix + regex
                if any(f"(?P<{g}>" in full for g in ID_GROUPS) and "format" not in full:
                    out.append(full)

    walk(get_resolver().url_patterns, "")
    return sorted(set(out))


ROUTES = _id_routes()


def _url(route: str, value: str) -> str:
    url = re.sub(r"\(\?P<[a-z_]+>[^)]*\)", value, route)
    return "/" + url.replace("\\", "").replace("/?", "/")


def test_every_id_route_is_found():
    assert len(ROUTES) >= 25, ROUTES
    for route in ROUTES:
        assert "[0-9]{1,18}" in route, route


@pytest.mark.parametrize("route", ROUTES)
def test_non_numeric_ids_are_404_on_every_route(sup_client, route):
    for bad in BAD_IDS:
        for method in ("get", "post", "patch", "delete"):
            response = getattr(sup_client, method)(_url(route, bad), data={}, format="json")
            assert response.status_code == 404, (method, _url(route, bad), response.status_code)
            if route.startswith("api/"):
                assert_error_shape(response, 404)


@pytest.mark.parametrize("route", ROUTES)
def test_largest_valid_id_is_a_clean_404(sup_client, route):
    response = sup_client.get(_url(route, "9" * 18))
    assert response.status_code in (404, 405), (route, response.status_code)


@pytest.mark.parametrize("slug", ["abc", "9" * 30, "1e400", "x" * 500])
def test_kb_article_paths_never_500(client, slug):
    for path in (f"/help/a/{slug}/", f"/help/c/{slug}/"):
        assert client.get(path).status_code == 404
    assert client.post(f"/help/a/{slug}/vote/", {"helpful": "1"}).status_code in (403, 404)
