"""Staff mails (SLA warnings and breaches, feedback alerts) over a real SMTP server: each wholly in
its reader's language, times on the ticket calendar's clock (or the site's), never UTC, from the
site's notification address, with a link to the ticket in the admin."""

import re
from datetime import datetime
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import TestCase

from feedback.services import alert_queue_lead
from tests.factories import AgentFactory, CustomerFactory, UserFactory
from tests.feedback.smtp import start_smtp
from tests.workers.conftest import wait_for
from tickets import services, sla
from tickets.models import (
    AgentProfile,
    BusinessCalendar,
    Priority,
    SLAEvent,
    SLAEventKind,
    SLAPolicy,
    SLATarget,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db

# Words of our own English sentences: none may appear in a Vietnamese mail.
ENGLISH = re.compile(
    r"\b(ticket|queue|target|missed|due|priority|assigned|open|customer|rated|raised|survey|"
    r"time|the)\b",
    re.IGNORECASE,
)
# Letters only Vietnamese uses: none may appear in an English mail.
VIETNAMESE = re.compile(r"[ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ]")


def at(*args):
    return datetime(*args, tzinfo=HCM)


def _prose(message) -> str:
    """The mail's subject and text without the admin link (a URL is in no language)."""
    body = message.get_content()
    return f"{_subject(message)}\n" + re.sub(r"https?://\S+", "", body)


@pytest.fixture
def inbox(settings):
    controller, received = start_smtp()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    settings.SITE_URL = "https://cim.example"
    settings.CIM_NOTIFICATION_FROM_EMAIL = "CIM Notifications <notify@cim.example>"
    yield received
    controller.stop()


@pytest.fixture
def tokyo_policy():
    # The calendar's zone is not the site's: the mail must show the calendar's clock.
    calendar = BusinessCalendar.objects.create(
        name="Tokyo desk", always_open=True, holiday_country="", time_zone="Asia/Tokyo"
    )
    policy = SLAPolicy.objects.create(name="Fast", calendar=calendar)
    for priority in Priority.values:
        SLATarget.objects.create(
            policy=policy,
            priority=priority,
            first_response_minutes=60,
            next_response_minutes=30,
            resolution_minutes=600,
        )
    return policy


@pytest.fixture
def english_agent(queue):
    agent = AgentFactory(username="john", email="john@cim.example", queues=[queue])
    AgentProfile.objects.filter(user=agent).update(languages=["en"])
    return agent


@pytest.fixture
def vietnamese_lead(queue):
    # No agent profile: the site's language.
    lead = UserFactory(username="lead", email="lead@cim.example")
    queue.lead = lead
    queue.save()
    return lead


def _subject(message) -> str:
    # A long encoded subject is folded onto the next header line; the fold is not part of it.
    return str(message["Subject"]).strip()


def _mail_to(inbox, address):
    return next(m for m in inbox.messages if address in str(m["To"]))


def test_breach_mail_is_wholly_vietnamese_for_a_vietnamese_lead_and_english_for_an_english_agent(
    inbox, tokyo_policy, queue, english_agent, vietnamese_lead
):
    customer = CustomerFactory(email="an@example.vn")
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        ticket = services.create_ticket(
            customer=customer, subject="Order 42", body="Where is it?", queue=queue
        )
        services.assign_ticket(ticket=ticket, agent=english_agent, by=vietnamese_lead)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert sla.sweep(now=at(2026, 11, 23, 10, 1)).breaches == 1
    wait_for(lambda: len(inbox.messages) == 2, timeout=10)
    vi, en = _mail_to(inbox, "lead@cim.example"), _mail_to(inbox, "john@cim.example")
    link = f"https://cim.example/admin/tickets/ticket/{ticket.pk}/change/"
    for message in (vi, en):
        assert parseaddr(str(message["From"]))[1] == "notify@cim.example"
        assert link in message.get_content()
        assert "UTC" not in _prose(message) and "+00:00" not in _prose(message)

    # Due 10:00 in Ho Chi Minh City is 12:00 on the Tokyo calendar's clock.
    assert _subject(vi) == f"[SLA] Trễ hạn phản hồi đầu tiên: [{ticket.reference}] Order 42"
    assert "12:00 Ngày 23 tháng 11 năm 2026 (giờ Asia/Tokyo)" in vi.get_content()
    assert "Phiếu yêu cầu" in vi.get_content() and "Mức ưu tiên: Cao" in vi.get_content()
    assert ENGLISH.search(_prose(vi)) is None, _prose(vi)

    assert _subject(en) == f"[SLA] Missed the first response target: [{ticket.reference}] Order 42"
    assert "Due: Nov. 23, 2026, noon (Asia/Tokyo time)" in en.get_content()
    assert "Priority: High" in en.get_content()
    assert VIETNAMESE.search(_prose(en).lower()) is None, _prose(en)


def test_warning_mail_goes_to_the_assignee_in_their_language_before_the_due_time(
    inbox, tokyo_policy, queue, english_agent, vietnamese_lead
):
    customer = CustomerFactory(email="an@example.vn")
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        ticket = services.create_ticket(
            customer=customer, subject="Hoàn tiền", body="b", queue=queue
        )
        services.assign_ticket(ticket=ticket, agent=english_agent, by=vietnamese_lead)
    with (
        time_machine.travel(at(2026, 11, 23, 9, 50), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        assert sla.sweep(now=at(2026, 11, 23, 9, 50)).warnings == 1
    wait_for(lambda: inbox.messages, timeout=10)
    (message,) = inbox.messages
    assert message["To"] == "john@cim.example"
    assert _subject(message).startswith("[SLA] The first response target is near")
    assert "will miss its first response target" in message.get_content()
    assert "Due: Nov. 23, 2026, noon (Asia/Tokyo time)" in message.get_content()
    assert SLAEvent.objects.get(kind=SLAEventKind.WARNING).notified_at is not None


def test_feedback_alert_is_wholly_in_the_leads_language_with_local_time(
    inbox, settings, queue, vietnamese_lead
):
    customer = CustomerFactory(email="an@example.vn", language="en")
    ticket = services.create_ticket(customer=customer, subject="Refund", body="b", queue=queue)
    # Raised while the English-speaking customer's answer was handled: the stored note is English.
    with (
        time_machine.travel(datetime(2026, 11, 23, 2, 30, tzinfo=ZoneInfo("UTC")), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        alert_queue_lead(
            ticket=ticket,
            kind="low_csat",
            text="Customer rated 1/5 in the satisfaction survey.\nNobody called me back.",
        )
    wait_for(lambda: inbox.messages, timeout=10)
    (message,) = inbox.messages
    assert message["To"] == "lead@cim.example"
    assert parseaddr(str(message["From"]))[1] == "notify@cim.example"
    body = message.get_content()
    assert _subject(message) == f"[{ticket.reference}] Phản hồi của khách hàng cần được chú ý"
    assert "Khách hàng đánh giá 1/5 trong khảo sát mức độ hài lòng." in body
    # 02:30 UTC is 09:30 in Ho Chi Minh City (the site's zone: the ticket has no calendar).
    assert "09:30 Ngày 23 tháng 11 năm 2026 (giờ Asia/Ho_Chi_Minh)" in body
    assert f"https://cim.example/admin/tickets/ticket/{ticket.pk}/change/" in body
    # The customer's own words are quoted as they wrote them; everything else is Vietnamese.
    assert "> Nobody called me back." in body
    ours = _prose(message).replace("> Nobody called me back.", "")
    assert ENGLISH.search(ours) is None, ours


def test_feedback_alert_for_an_english_reading_lead_is_english(inbox, queue):
    lead = AgentFactory(username="mary", email="mary@cim.example", queues=[queue])
    AgentProfile.objects.filter(user=lead).update(languages=["en"])
    queue.lead = lead
    queue.save()
    ticket = services.create_ticket(
        customer=CustomerFactory(email="an@example.vn"), subject="Giao hàng", body="b", queue=queue
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        alert_queue_lead(
            ticket=ticket,
            kind="negative_sentiment",
            text="Một tin nhắn rất tiêu cực từ khách hàng (điểm -0.93):\nQuá tệ!",
        )
    wait_for(lambda: inbox.messages, timeout=10)
    (message,) = inbox.messages
    body = message.get_content()
    assert "The customer wrote a very negative message (sentiment score -0.93)." in body
    assert "(Asia/Ho_Chi_Minh time)" in body
    ours = _prose(message).replace("> Quá tệ!", "").replace("Giao hàng", "")
    assert VIETNAMESE.search(ours.lower()) is None, ours
