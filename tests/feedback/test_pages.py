"""The survey page a customer opens from the invitation link."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from feedback.models import SurveyInvitation, SurveyResponse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def test_survey_page_asks_the_csat_question_in_vietnamese_and_english(client, sent_invitation):
    _invitation, token = sent_invitation
    page = client.get(f"/survey/{token}/")
    assert page.status_code == 200
    assert 'name="viewport"' in page.content.decode()
    assert page.content.decode().count('type="radio"') == 5
    english = client.get(f"/survey/{token}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "How satisfied are you" in english.content.decode()


def test_submitting_records_the_answer_and_a_second_submit_shows_it(client, sent_invitation):
    invitation, token = sent_invitation
    first = client.post(f"/survey/{token}/", {"score": "4", "comment": "Cảm ơn"})
    assert first.status_code == 302
    second = client.post(f"/survey/{token}/", {"score": "1", "comment": "changed my mind"})
    assert second.status_code == 200
    body = second.content.decode()
    assert "Cảm ơn" in body and "changed my mind" not in body
    assert SurveyResponse.objects.get().score == 4
    assert SurveyResponse.objects.count() == 1


def test_html_in_a_comment_is_shown_escaped(client, sent_invitation):
    _invitation, token = sent_invitation
    client.post(f"/survey/{token}/", {"score": "5", "comment": "<script>alert(1)</script>"})
    page = client.get(f"/survey/{token}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("score", ["0", "6", "abc", "", "99999999999999999999", "4.5"])
def test_a_score_off_the_scale_shows_a_message_and_stores_nothing(client, sent_invitation, score):
    _invitation, token = sent_invitation
    page = client.post(f"/survey/{token}/", {"score": score})
    assert page.status_code == 200
    assert "notice-error" in page.content.decode()
    assert not SurveyResponse.objects.exists()


def test_a_very_long_comment_is_refused_with_a_message(client, sent_invitation, settings):
    _invitation, token = sent_invitation
    page = client.post(
        f"/survey/{token}/",
        {"score": "3", "comment": "x" * (settings.CIM_SURVEY_COMMENT_MAX_CHARS + 1)},
    )
    assert page.status_code == 200 and "notice-error" in page.content.decode()
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize("token", ["nope", "A" * 43, "%00", "a" * 5000, "x'--"])
def test_unknown_or_tampered_tokens_show_a_friendly_page(client, sent_invitation, token):
    page = client.get(f"/survey/{token}/")
    assert page.status_code == 404
    assert "survey" in page.content.decode().lower()
    post = client.post(f"/survey/{token}/", {"score": "5"})
    assert post.status_code == 404


def test_expired_link_shows_the_closed_page(client, sent_invitation):
    invitation, token = sent_invitation
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    page = client.post(f"/survey/{token}/", {"score": "5"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 404 and "has expired" in page.content.decode()
    assert not SurveyResponse.objects.exists()


def test_survey_posts_are_rate_limited(client, sent_invitation, settings):
    settings.CIM_SURVEY_POST_RATE = "2/m"
    _invitation, token = sent_invitation
    for _ in range(2):
        client.post(f"/survey/{token}/", {"score": "x"})
    assert client.post(f"/survey/{token}/", {"score": "5"}).status_code == 429
    assert not SurveyResponse.objects.exists()


def test_customer_can_opt_out_from_the_link(client, sent_invitation):
    invitation, token = sent_invitation
    assert client.get(f"/survey/{token}/opt-out/").status_code == 200
    assert client.post(f"/survey/{token}/opt-out/").status_code == 200
    invitation.customer.survey_preference.refresh_from_db()
    assert invitation.customer.survey_preference.opted_out
