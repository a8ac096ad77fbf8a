"""Every page has an icon: /favicon.ico answers (browsers ask for it on every site), and the
admin pages link the SVG version."""

from django.contrib.staticfiles import finders
from django.urls import reverse


def test_favicon_ico_is_served(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert "max-age" in response["Cache-Control"]
    assert client.post("/favicon.ico").status_code == 405


def test_admin_pages_link_the_icon(client, db):
    html = client.get(reverse("admin:login")).content.decode()
    assert 'rel="icon"' in html and "cim/favicon.svg" in html
    assert finders.find("cim/favicon.svg")
