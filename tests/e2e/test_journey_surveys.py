"""Journey 3, in a real browser: the survey link taken from the mail a real SMTP server received →
score and comment → thank-you; a second visit shows the answer; the opt-out link; an expired
link; NPS and CES surveys; a chat customer gets the survey in the open chat widget. In Vietnamese
and English."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from channels.models import ChatSession
from customers.models import ChannelKind
from feedback.models import (
    InvitationStatus,
    SurveyInvitation,
    SurveyKind,
    SurveyPreference,
    SurveyResponse,
)
from feedback.tasks import send_due_invitations
from tests.factories import AgentFactory, ChannelFactory, CustomerFactory, QueueFactory
from tests.feedback.smtp import start_smtp
from tests.workers.conftest import wait_for
from tickets import services as ticket_services

from .conftest import save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCALES = {"vi": "vi-VN", "en": "en-US"}
WORDS = {
    "vi": {
        "question": "Bạn hài lòng đến mức nào",
        "thanks": "Cảm ơn",
        "closed": "Khảo sát này đã đóng",
        "stopped": "Đã ngừng gửi khảo sát",
    },
    "en": {
        "question": "How satisfied are you",
        "thanks": "Thank you for your feedback",
        "closed": "This survey has closed",
        "stopped": "Surveys stopped",
    },
}


@pytest.fixture
def smtp_inbox(settings, live_server):
    controller, inbox = start_smtp()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.SITE_URL = live_server.url
    yield inbox
    controller.stop()


@pytest.fixture
def desk():
    queue = QueueFactory(code="support")
    ChannelFactory(kind=ChannelKind.EMAIL, default_queue=queue)
    return {"queue": queue, "agent": AgentFactory(queues=[queue])}


def _solve(desk, *, language: str, email: str):
    customer = CustomerFactory(email=email, name="Lan", language=language)
    ticket = ticket_services.create_ticket(
        customer=customer,
        subject="Máy giặt không vắt",
        body="Máy giặt hỏng",
        queue=desk["queue"],
        language=language,
    )
    ticket_services.reply(ticket=ticket, by=desk["agent"], body="Đã sửa xong.")
    ticket_services.solve_ticket(ticket=ticket, by=desk["agent"])
    return ticket


def _send_due(inbox):
    """Sends what is due and returns the survey mail the SMTP server received (the agent's
    reply went to the same inbox before it)."""
    SurveyInvitation.objects.filter(status=InvitationStatus.SCHEDULED).update(due_at=timezone.now())
    send_due_invitations()

    def survey_mails():
        return [m for m in inbox.messages if "/survey/" in m.get_content()]

    wait_for(survey_mails, timeout=10)
    (mail,) = survey_mails()
    return mail


def _links(mail) -> dict[str, str]:
    body = mail.get_content()
    scores = dict(re.findall(r"(\d+)[^:\n]*: (https?://\S+\?score=\d+)", body))
    opt_out = re.search(r"https?://\S+/opt-out/", body).group(0)
    return {"scores": scores, "opt_out": opt_out}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_csat_from_the_mail_to_the_thank_you_then_opt_out(
    new_page, request, smtp_inbox, desk, language
):
    words = WORDS[language]
    ticket = _solve(desk, language=language, email=f"lan.{language}@example.vn")
    mail = _send_due(smtp_inbox)
    assert ticket.reference in mail["Subject"]
    links = _links(mail)
    assert sorted(links["scores"]) == ["1", "2", "3", "4", "5"]

    page = new_page(locale=LOCALES[language])
    page.goto(links["scores"]["4"])
    assert words["question"] in page.locator("form.survey legend").inner_text()
    # The link ticked 4 and said so; nothing is stored until the customer sends.
    assert page.locator("input[name=score][value='4']").is_checked()
    assert page.locator("#survey-chosen").is_visible()
    assert not SurveyResponse.objects.exists()
    save_screenshot(page, request, "chosen")
    page.locator("input[name=score][value='5']").check()
    page.locator("textarea[name=comment]").fill("Kỹ thuật viên rất nhiệt tình")
    page.locator("form.survey button[type=submit]").click()
    page.locator(".survey-score").wait_for()
    assert words["thanks"] in page.locator("h1").inner_text()
    assert page.locator(".survey-score").inner_text() == "5"
    response = SurveyResponse.objects.get()
    assert (response.score, response.comment) == (5, "Kỹ thuật viên rất nhiệt tình")
    save_screenshot(page, request, "thanks")

    # A second visit (another score link) shows the answer already given, stores nothing new.
    page.goto(links["scores"]["1"])
    assert page.locator(".survey-score").inner_text() == "5"
    assert "Kỹ thuật viên rất nhiệt tình" in page.locator("main").inner_text()
    assert SurveyResponse.objects.count() == 1

    # The language switch on the survey page posts from a secret-link page (CSRF with Origin).
    other = "en" if language == "vi" else "vi"
    page.locator(f".lang-switch button[value={other}]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == other
    assert page.locator(".survey-score").inner_text() == "5"

    # The opt-out link from the mail works, answered survey or not.
    page.goto(links["opt_out"])
    page.locator("main form button[type=submit]").click()
    page.locator("h1", has_text=WORDS[other]["stopped"]).wait_for()
    assert SurveyPreference.objects.get(customer=ticket.customer).opted_out


@pytest.mark.parametrize("language", ["vi", "en"])
def test_an_expired_survey_link_shows_a_friendly_page(
    new_page, request, smtp_inbox, desk, language
):
    _solve(desk, language=language, email=f"minh.{language}@example.vn")
    links = _links(_send_due(smtp_inbox))
    SurveyInvitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    page = new_page(locale=LOCALES[language])
    response = page.goto(links["scores"]["5"])
    assert response.status == 404
    assert page.locator("h1").inner_text() == WORDS[language]["closed"]
    assert page.locator("main a.button").get_attribute("href").endswith("/help/contact/")
    assert page.locator("form.survey").count() == 0


@pytest.mark.parametrize(
    ("kind", "language", "scores", "pick", "question"),
    [
        (SurveyKind.NPS, "vi", 11, "9", "Bạn sẵn lòng giới thiệu"),
        (SurveyKind.NPS, "en", 11, "0", "How likely are you to recommend"),
        (SurveyKind.CES, "vi", 7, "6", "Việc giải quyết vấn đề của bạn"),
        (SurveyKind.CES, "en", 7, "2", "How easy was it"),
    ],
)
def test_nps_and_ces_surveys_are_answered_in_the_browser(
    new_page, request, smtp_inbox, kind, language, scores, pick, question
):
    customer = CustomerFactory(email=f"an.{language}@example.vn", name="An", language=language)
    SurveyInvitation.objects.create(
        kind=kind, customer=customer, channel=ChannelKind.EMAIL, language=language
    )
    links = _links(_send_due(smtp_inbox))
    assert len(links["scores"]) == scores
    page = new_page(locale=LOCALES[language])
    page.goto(links["scores"][pick])
    assert question in page.locator("form.survey legend").inner_text()
    assert page.locator("input[name=score]").count() == scores
    page.locator("form.survey button[type=submit]").click()
    page.locator(".survey-score").wait_for()
    assert page.locator(".survey-score").inner_text() == pick
    assert SurveyResponse.objects.get().score == int(pick)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


def test_a_chat_customer_gets_the_survey_in_the_open_widget(new_page, request, live_server):
    queue = QueueFactory(code="support")
    ChannelFactory(kind=ChannelKind.WEB_CHAT, default_queue=queue, config={"bot": False})
    agent = AgentFactory(queues=[queue])
    page = new_page(locale="en-US")
    page.goto("/help/chat/")
    page.fill("#cim-chat-name", "Lan")
    page.fill("#cim-chat-first", "My order has not arrived")
    page.click(".cim-chat-start button[type=submit]")
    page.locator(".cim-chat-line.customer").first.wait_for()
    session = wait_for(lambda: ChatSession.objects.filter(ticket__isnull=False).first())
    ticket_services.reply(ticket=session.ticket, by=agent, body="It ships today.")
    ticket_services.solve_ticket(ticket=session.ticket, by=agent)
    SurveyInvitation.objects.update(due_at=timezone.now())
    send_due_invitations()
    invitation = SurveyInvitation.objects.get()
    # The anonymous visitor has no email: the open widget is the only route, and it carried it.
    assert invitation.status == InvitationStatus.SENT and invitation.outbound is None

    link = page.locator(".cim-chat-line a[href^='/survey/']")
    link.wait_for()
    save_screenshot(page, request, "widget")
    link.click()
    page.wait_for_url("**/survey/*/")
    page.locator("input[name=score][value='5']").check()
    page.locator("form.survey button[type=submit]").click()
    page.locator(".survey-score").wait_for()
    assert SurveyResponse.objects.get().invitation == invitation
