import importlib
from datetime import date, time
from typing import Any

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.authtoken.models import Token

from channels import services as channel_services
from channels.models import ActionKind, OutboundMessage, OutboundStatus
from customers.models import ChannelKind, CustomerIdentity
from feedback.services.alerts import alert_queue_lead
from knowledge_base import services as kb_services
from tests.channels.data import make_channel_rows
from tests.factories import (
    AgentFactory,
    ChannelFactory,
    CustomerFactory,
    KBCategoryFactory,
    OrganizationFactory,
    ReasonFactory,
    SegmentFactory,
    SkillFactory,
    UserFactory,
)
from tests.feedback.data import make_feedback_rows
from tickets import macros, services
from tickets.models import (
    AgentSignature,
    BusinessCalendar,
    ClosedDate,
    OpeningHours,
    SLAEvent,
    SLAEventKind,
    SLAMetric,
    SLAPolicy,
    SLATarget,
    Tag,
)

groups_migration = importlib.import_module("cim_site.migrations.0001_groups")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english(settings):
    # Assertions read English messages; the Vietnamese pages have their own rendering test.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def groups(db):
    # The migration made them; running its (idempotent) function again keeps these tests
    # independent of any earlier test that flushed the database.
    groups_migration.create_groups(global_apps, None)
    return {group.name: group for group in Group.objects.all()}


@pytest.fixture
def agent_in_group(agent, groups):
    agent.groups.add(groups["Agent"])
    return agent


@pytest.fixture
def other_agent_in_group(other_agent, groups):
    other_agent.groups.add(groups["Agent"])
    return other_agent


@pytest.fixture
def reason_manager(groups):
    user = UserFactory(username="reasons")
    user.groups.add(groups["Reason manager"])
    return user


@pytest.fixture
def superuser_client(client, admin_user):
    client.force_login(admin_user)
    return client


def make_ticket(*, customer: Any, queue: Any, subject: str = "Giao hàng chậm", body: str = "Hi"):
    return services.create_ticket(customer=customer, subject=subject, body=body, queue=queue)


@pytest.fixture
def ticket(customer, queue):
    return make_ticket(customer=customer, queue=queue)


@pytest.fixture
def other_ticket(other_queue):
    return make_ticket(
        customer=CustomerFactory(), queue=other_queue, subject="Bí mật của hàng đợi khác"
    )


@pytest.fixture
def full_data(db, admin_user, agent, queue, customer, groups):
    """At least one row for every model that has an admin page, made the way the product makes
    them (services where there are some), so each page renders with real content."""
    organization = OrganizationFactory()
    segment = SegmentFactory()
    customer.organization = organization
    customer.segment = segment
    customer.save()
    CustomerIdentity.objects.get_or_create(
        kind=ChannelKind.PHONE, address="+84912345678", defaults={"customer": customer}
    )
    skill = SkillFactory()
    queue.required_skills.add(skill)
    reason = ReasonFactory()
    ticket = services.create_ticket(
        customer=customer,
        subject="Đơn hàng chưa tới",
        body="Tôi chưa nhận được hàng.",
        queue=queue,
        reason=reason,
        tags=["giao-hang"],
    )
    services.reply(
        ticket=ticket,
        by=agent,
        body="Chúng tôi đang kiểm tra.",
        attachments=[SimpleUploadedFile("note.txt", b"hello", content_type="text/plain")],
    )
    services.add_internal_note(ticket=ticket, by=agent, body="Gọi kho.")
    channel = ChannelFactory(kind=ChannelKind.EMAIL, default_queue=queue)
    interaction, _created = channel_services.record_interaction(
        customer=customer, channel=channel, ticket=ticket, reason=reason, external_id="call-1"
    )
    action = channel_services.record_action(interaction=interaction, kind=ActionKind.AGENT)
    channel_services.record_event(action=action, kind="message", data={"n": 1})
    if not OutboundMessage.objects.exists():
        OutboundMessage.objects.create(
            kind=ChannelKind.EMAIL, to_address=customer.email, body="x", ticket=ticket
        )
    OutboundMessage.objects.update(status=OutboundStatus.FAILED, last_error="smtp down")
    article = kb_services.create_article(
        category=KBCategoryFactory(),
        language="vi",
        title="Đổi trả hàng trong bao lâu?",
        body="Bạn có **30 ngày** để đổi trả.",
        status="published",
        questions=["doi tra bao lau"],
        tags=["doi-tra"],
    )
    kb_services.record_vote(article=article, browser_id="browser-1", helpful=True, comment="Hay")
    kb_services.record_search_miss(query="hoàn tiền qua momo", language="vi")
    AgentFactory(username="agent-2", queues=[queue])
    Token.objects.get_or_create(user=admin_user)
    calendar = BusinessCalendar.objects.create(name="Giờ hành chính")
    OpeningHours.objects.create(calendar=calendar, weekday=0, opens=time(8), closes=time(17))
    ClosedDate.objects.create(calendar=calendar, date=date(2026, 9, 2), name="Quốc khánh")
    policy = SLAPolicy.objects.create(name="Mặc định", calendar=calendar)
    SLATarget.objects.create(
        policy=policy, priority=2, first_response_minutes=60, resolution_minutes=480
    )
    SLAEvent.objects.create(
        ticket=ticket,
        metric=SLAMetric.FIRST_RESPONSE,
        kind=SLAEventKind.WARNING,
        due_at=timezone.now(),
        queue=queue,
    )
    make_channel_rows(queue=queue)
    # A ticket of its own: surveying solves it, and the tests above expect the first one open.
    surveyed = services.create_ticket(
        customer=customer, subject="Đã xong", body="Cảm ơn", queue=queue
    )
    make_feedback_rows(ticket=surveyed, agent=agent, reviewer=admin_user)
    alert_queue_lead(ticket=surveyed, kind="low_csat", text="CSAT 1/5")
    macros.create_macro(
        by=admin_user, name_vi="Chào khách", visibility="everyone", reply_vi="Chào anh/chị."
    )
    AgentSignature.objects.create(user=agent, signature_vi="Trân trọng")
    # django-axes' records of sign-ins (its own admin pages).
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    where = {"ip_address": "127.0.0.1", "username": "agent", "path_info": "/admin/login/"}
    AccessAttempt.objects.create(**where, failures_since_start=1)
    AccessFailureLog.objects.create(**where)
    AccessLog.objects.create(**where)
    return {
        "ticket": ticket,
        "reason": reason,
        "channel": channel,
        "interaction": interaction,
        "article": article,
        "tag": Tag.objects.get(name="giao-hang"),
    }


def management_data(response) -> dict[str, Any]:
    """The management-form fields of every inline on a rendered admin change page, which a POST
    must carry back."""
    data: dict[str, Any] = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
    return data
