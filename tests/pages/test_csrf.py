"""Forms on pages opened with a secret link keep that link from other sites without breaking
the CSRF check; a form that fails it gets the site's own page in the customer's language."""

import pytest
from django.test import Client

from feedback.models import SurveyInvitation
from tests.feedback.conftest import send_now
from tickets import services as ticket_services
from tickets.links import status_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(customer, queue):
    return ticket_services.create_ticket(
        customer=customer, subject="Máy giặt bị hỏng", body="Máy kêu to khi vắt.", queue=queue
    )


@pytest.mark.parametrize(
    ("language", "title"),
    [("vi", "Không gửi được biểu mẫu"), ("en", "The form could not be sent")],
)
def test_a_form_that_fails_the_csrf_check_gets_a_friendly_page(language, title):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    response = client.post("/help/contact/", {"name": "Lan"})
    assert response.status_code == 403
    html = response.content.decode()
    assert f"<h1>{title}</h1>" in html
    assert f'<html lang="{language}">' in html
    assert "CSRF verification failed" not in html


def test_the_status_form_passes_the_csrf_check_with_a_same_origin_header(ticket):
    """What Chromium sends under "same-origin" (it sent "Origin: null" under "no-referrer")."""
    client = Client(enforce_csrf_checks=True)
    url = status_url(ticket, absolute=False)
    client.get(url)
    token = client.cookies["csrftoken"].value
    sent = client.post(
        url, {"body": "Thêm ảnh", "csrfmiddlewaretoken": token}, HTTP_ORIGIN="http://testserver"
    )
    assert sent.status_code == 302
    refused = client.post(
        url, {"body": "Thêm ảnh", "csrfmiddlewaretoken": token}, HTTP_ORIGIN="null"
    )
    assert refused.status_code == 403


def test_no_secret_link_page_asks_for_no_referrer(client, ticket, agent):
    ticket_services.reply(ticket=ticket, by=agent, body="Đã sửa.")
    ticket_services.solve_ticket(ticket=ticket, by=agent)
    token = send_now(SurveyInvitation.objects.get(ticket=ticket))
    for url in (
        status_url(ticket, absolute=False),
        "/help/tickets/status/broken/",
        f"/survey/{token}/",
        f"/survey/{token}/opt-out/",
        "/survey/nothing-like-a-token-at-all-here/",
    ):
        response = client.get(url)
        assert response["Referrer-Policy"] == "same-origin", url
        html = response.content.decode()
        assert 'content="no-referrer"' not in html, url
        assert '<meta name="referrer" content="same-origin">' in html, url
