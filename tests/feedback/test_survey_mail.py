"""The invitation mail promises what the page does: a link per score ticks that score, and the
answer is recorded only when the customer sends the form (mail scanners open links too)."""

import re

import pytest
from django.core.cache import cache

from feedback.models import SurveyInvitation, SurveyResponse

from .conftest import send_now

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def _mail(invitation: SurveyInvitation) -> str:
    invitation.refresh_from_db()
    return invitation.outbound.body


@pytest.mark.parametrize(
    ("language", "words"),
    [("vi", ("Gửi câu trả lời", "Rất hài lòng")), ("en", ("Send my answer", "Very satisfied"))],
)
def test_mail_lists_a_link_per_score_and_says_how_the_answer_is_recorded(
    solved_ticket, language, words
):
    invitation = SurveyInvitation.objects.get(ticket=solved_ticket)
    SurveyInvitation.objects.filter(pk=invitation.pk).update(language=language)
    token = send_now(invitation)
    body = _mail(invitation)
    assert "one click" not in body.lower() and "một cú nhấp" not in body.lower()
    for word in words:
        assert word in body
    scores = re.findall(rf"/survey/{token}/\?score=(\d+)", body)
    assert scores == ["5", "4", "3", "2", "1"]
    assert f"/survey/{token}/opt-out/" in body


def test_opening_a_score_link_ticks_it_and_records_nothing(client, solved_ticket):
    invitation = SurveyInvitation.objects.get(ticket=solved_ticket)
    token = send_now(invitation)
    page = client.get(f"/survey/{token}/?score=2")
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'<input[^>]*value="2"[^>]*checked', html)
    assert 'id="survey-chosen"' in html
    assert not SurveyResponse.objects.exists()
    # A second GET (a scanner, then the customer) still records nothing; the POST does.
    client.get(f"/survey/{token}/?score=2")
    assert not SurveyResponse.objects.exists()
    assert client.post(f"/survey/{token}/", {"score": "2"}).status_code == 302
    assert SurveyResponse.objects.get().score == 2


@pytest.mark.parametrize("score", ["9", "0", "-1", "x", "²", "0005"])
def test_a_score_link_off_the_scale_ticks_nothing(client, solved_ticket, score):
    invitation = SurveyInvitation.objects.get(ticket=solved_ticket)
    token = send_now(invitation)
    html = client.get(f"/survey/{token}/", {"score": score}).content.decode()
    assert "checked" not in html
    assert 'id="survey-chosen"' not in html
