"""`manage.py seed_demo`: the demo world, its idempotence, --if-empty and the bulk loader."""

from datetime import timedelta
from io import StringIO
from itertools import groupby, pairwise

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Max, Min
from django.utils import timezone

from channels.models import (
    Action,
    ActionKind,
    Channel,
    Event,
    Interaction,
    OutboundMessage,
    OutboundStatus,
    Outcome,
)
from channels.services import due_outbound_ids, get_channel
from cim_site.demo import PHONE_EXAMPLE_CALL_ID
from cim_site.demo.journeys import MARKER as HISTORY_MARKER
from cim_site.demo.operations import OFFICE_CALENDAR
from customers.models import ChannelKind, Customer, CustomerIdentity, Organization, Segment
from feedback.models import (
    InvitationStatus,
    QueueSurveySettings,
    SkipReason,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
)
from feedback.services.surveys import due_invitation_ids, send_invitation_now
from knowledge_base.models import Article, ArticleStatus, Category
from tests.factories import TicketFactory
from tickets import sla
from tickets.models import (
    OPEN_STATUSES,
    AgentProfile,
    AuthorType,
    BusinessCalendar,
    InteractionReason,
    MessageKind,
    Presence,
    Priority,
    Queue,
    SLAEvent,
    SLAEventKind,
    SLAPolicy,
    Tag,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from tickets.search import fold, search_q, ticket_search_text
from tickets.sla import unnotified_breach_ids

pytestmark = pytest.mark.django_db

COUNTED = (
    get_user_model(),
    Group,
    AgentProfile,
    Queue,
    InteractionReason,
    Segment,
    Organization,
    Customer,
    CustomerIdentity,
    Channel,
    Category,
    Article,
    Ticket,
    TicketMessage,
    Tag,
    Interaction,
    Action,
    Event,
    BusinessCalendar,
    SLAPolicy,
    SLAEvent,
    SurveyInvitation,
    SurveyResponse,
    OutboundMessage,
    Ticket.history.model,
)


def seed(**options):
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_seed_demo_creates_the_demo_staff_with_their_groups_and_queues():
    output = seed()

    users = get_user_model().objects.in_bulk(
        ["admin", "lead", "agent", "agent2", "reasons"], field_name="username"
    )
    assert set(users) == {"admin", "lead", "agent", "agent2", "reasons"}
    for username, user in users.items():
        assert user.is_staff
        assert user.check_password(username)
    assert users["admin"].is_superuser
    assert not users["lead"].is_superuser
    assert users["lead"].groups.filter(name="Supervisor").exists()
    assert users["agent"].groups.filter(name="Agent").exists()
    assert users["reasons"].groups.filter(name="Reason manager").exists()
    agent = users["agent"].agent_profile
    assert set(agent.queues.values_list("code", flat=True)) == {"support", "complaints"}
    assert agent.languages == ["vi", "en"]
    agent2 = users["agent2"].agent_profile
    assert set(agent2.queues.values_list("code", flat=True)) == {"sales", "warranty"}
    assert "customers" in output and "Logins" in output


def test_seed_demo_creates_queues_reasons_segments_and_channels():
    seed()

    assert set(Queue.objects.values_list("code", flat=True)) >= {
        "sales",
        "complaints",
        "warranty",
        "support",
    }
    tracking = InteractionReason.objects.select_related("parent").get(code="order-tracking")
    assert (tracking.parent.name_vi, tracking.parent.name_en) == ("Đơn hàng", "Orders")
    assert (tracking.name_vi, tracking.name_en) == ("Theo dõi đơn hàng", "Order tracking")
    categories = InteractionReason.objects.filter(parent__isnull=True)
    assert set(categories.values_list("code", flat=True)) >= {
        "orders",
        "warranty",
        "billing",
        "complaint",
    }
    assert not categories.annotate(n=Count("children")).filter(n=0).exists()
    assert Segment.objects.count() == 4
    assert set(Channel.objects.values_list("kind", flat=True)) == set(ChannelKind.values)
    assert get_channel(ChannelKind.WEB_FORM).default_queue.code == "support"


def test_seed_demo_creates_vietnamese_customers_with_normalised_phones():
    seed()

    customers = Customer.objects.all()
    assert customers.count() >= 30
    assert all(c.phone.startswith("+84") and c.phone[1:].isdigit() for c in customers)
    assert customers.filter(name="Nguyễn Thị Lan", phone="+84912345678").exists()
    # Found again by the channel adapters through their identities.
    assert CustomerIdentity.objects.filter(kind=ChannelKind.PHONE).count() == customers.count()
    assert CustomerIdentity.objects.filter(kind=ChannelKind.EMAIL).count() == customers.count()


def test_seed_demo_writes_the_knowledge_base_in_vietnamese_and_english():
    seed()

    published = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    vi = published.filter(language="vi")
    en = published.filter(language="en")
    assert vi.count() >= 5
    assert en.count() == vi.count()
    for article in en.select_related("translation_of"):
        assert article.translation_of is not None
        assert article.translation_of.language == "vi"
        assert article.translation_of.category_id == article.category_id
        assert article.published_at is not None
    assert Article.objects.filter(status=ArticleStatus.DRAFT).count() == 1
    assert Article.objects.filter(status=ArticleStatus.INTERNAL).count() == 1
    assert set(Category.objects.values_list("slug", flat=True)) >= {
        "don-hang",
        "giao-hang",
        "bao-hanh",
        "thanh-toan",
        "doi-tra",
    }


def test_seed_demo_story_tickets_went_through_the_services():
    seed()

    # The stories; the three months of history behind them are bulk-written (tested below).
    tickets = Ticket.objects.exclude(interactions__external_id__startswith=HISTORY_MARKER)
    assert 20 <= tickets.count() <= 40
    # Services write history rows and the first response time; a raw insert would not.
    assert Ticket.history.filter(history_type="+", id__in=tickets).count() == tickets.count()
    assert tickets.filter(first_responded_at__isnull=False).count() >= 10
    statuses = set(tickets.values_list("status", flat=True))
    assert statuses >= {"new", "open", "pending", "on_hold", "solved", "closed"}
    assert len(set(tickets.values_list("channel", flat=True))) >= 7
    messages = TicketMessage.objects.all()
    assert messages.filter(kind=MessageKind.INTERNAL).exists()
    assert messages.filter(kind=MessageKind.PUBLIC, author_type=AuthorType.AGENT).exists()
    assert messages.filter(kind=MessageKind.PUBLIC, author_type=AuthorType.CUSTOMER).count() >= 20
    assert tickets.filter(tags__isnull=False).exists()
    assert tickets.filter(reason__isnull=False).count() == tickets.count()
    # Every assignee works the queue of the ticket they hold.
    for ticket in tickets.filter(assignee__isnull=False).select_related("assignee"):
        assert ticket.assignee.agent_profile.queues.filter(pk=ticket.queue_id).exists()


def test_the_designs_phone_call_is_three_events_two_actions_one_interaction():
    seed()

    call = Interaction.objects.get(external_id=PHONE_EXAMPLE_CALL_ID)
    assert call.channel.kind == ChannelKind.PHONE
    assert call.outcome == Outcome.RETAINED
    assert call.ticket is not None and call.ticket.customer_id == call.customer_id
    assert [a.kind for a in call.actions.all()] == [ActionKind.IVR, ActionKind.AGENT]
    assert call.events.count() == 3
    assert set(call.events.values_list("kind", flat=True)) == {"ivr_key_press"}
    assert Event.objects.filter(action__interaction=call, action__kind=ActionKind.IVR).count() == 3
    assert Interaction.objects.filter(ticket=call.ticket).count() == 1


def test_seed_demo_twice_changes_nothing():
    seed()
    first = counts()

    output = seed()

    assert counts() == first
    assert "nothing new" in output


def test_if_empty_does_nothing_when_a_ticket_exists():
    TicketFactory()

    output = seed(if_empty=True)

    assert not get_user_model().objects.filter(username="admin").exists()
    assert Ticket.objects.count() == 1
    assert "not seeded" in output


def test_if_empty_seeds_an_empty_database():
    seed(if_empty=True)

    assert get_user_model().objects.filter(username="admin").exists()
    assert Ticket.objects.exists()


def test_bulk_load_creates_exactly_the_tickets_asked_for_with_valid_rows():
    seed()
    before = set(Ticket.objects.values_list("pk", flat=True))
    customers_before = Customer.objects.count()

    # A batch size that leaves a remainder, so the last partial batch is covered too.
    seed(tickets=500, batch_size=120)

    new = Ticket.objects.exclude(pk__in=before)
    assert new.count() == 500
    references = list(Ticket.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references))
    assert Customer.objects.count() - customers_before == 50
    # Foreign keys hold (SQLite and PostgreSQL defer the check to commit, which a test never
    # reaches, so ask for it now).
    connection.check_constraints()
    queue_ids = set(Queue.objects.values_list("pk", flat=True))
    now = timezone.now()
    rows = new.values(
        "pk",
        "queue_id",
        "customer_id",
        "reason__parent_id",
        "reason_id",
        "status",
        "created_at",
        "first_responded_at",
        "solved_at",
        "closed_at",
    )
    for row in rows:
        assert row["queue_id"] in queue_ids
        assert row["reason_id"] is None or row["reason__parent_id"] is not None
        assert now - timezone.timedelta(days=366) < row["created_at"] <= now
        if row["status"] == TicketStatus.NEW:
            assert row["first_responded_at"] is None
        else:
            assert row["created_at"] <= row["first_responded_at"] <= now
        if row["status"] == TicketStatus.CLOSED:
            assert row["first_responded_at"] <= row["solved_at"] <= row["closed_at"] <= now
    first_messages = TicketMessage.objects.filter(ticket__in=new)
    assert first_messages.count() == 500
    assert not first_messages.exclude(author_customer_id=F("ticket__customer_id")).exists()
    assert set(first_messages.values_list("kind", "author_type")) == {
        (MessageKind.PUBLIC, AuthorType.CUSTOMER)
    }
    assert new.filter(tags__isnull=False).exists()
    for ticket in new.filter(assignee__isnull=False).select_related("assignee")[:50]:
        assert ticket.assignee.agent_profile.queues.filter(pk=ticket.queue_id).exists()
    assert len({row["status"] for row in rows}) >= 4
    # The search column is written as Ticket.save writes it: accent-free search finds them.
    sample = new.select_related("customer").first()
    assert sample.search_text == ticket_search_text(
        reference=sample.reference, subject=sample.subject, customer=sample.customer
    )
    assert sample in Ticket.objects.filter(search_q(fold(sample.customer.name)))


def test_demo_tickets_are_found_by_accent_free_search():
    seed()
    ticket = Ticket.objects.filter(subject__contains="–").select_related("customer").last()
    assert ticket.search_text == ticket_search_text(
        reference=ticket.reference, subject=ticket.subject, customer=ticket.customer
    )
    assert ticket in Ticket.objects.filter(search_q(fold(ticket.subject)))


# --- A living helpdesk: time, SLA, people, feedback, journeys ---------------------------------


def test_seed_demo_runs_on_a_vietnamese_office_calendar_with_sla_policies_and_online_agents():
    output = seed()

    office = BusinessCalendar.objects.get(name=OFFICE_CALENDAR)
    assert (office.time_zone, office.holiday_country, office.always_open) == (
        "Asia/Ho_Chi_Minh",
        "VN",
        False,
    )
    hours = {(h.weekday, h.opens.hour, h.closes.hour) for h in office.hours.all()}
    # A lunch break on weekdays, Saturday morning only, Sunday closed.
    assert {(0, 8, 12), (0, 13, 17), (5, 8, 12)} <= hours
    assert not office.hours.filter(weekday=6).exists()
    assert office.closed.exists()
    policies = list(SLAPolicy.objects.prefetch_related("targets"))
    assert len(policies) >= 3
    standard = next(p for p in policies if not p.priorities and not p.queues.exists())
    assert {t.priority for t in standard.targets.all()} == set(Priority.values)
    urgent = next(p for p in policies if p.priorities == [Priority.URGENT])
    assert urgent.calendar.always_open and urgent.position < standard.position
    online = AgentProfile.objects.filter(presence=Presence.ONLINE)
    assert online.count() >= 3
    assert not online.filter(capacity=0).exists()
    assert all(p.skills.exists() and p.queues.exists() for p in online)
    assert QueueSurveySettings.objects.filter(delay_minutes__lte=5).exists()
    assert "ready in" in output and "agent3/agent3" in output


def test_seed_demo_history_spreads_over_months_with_consistent_times_and_sla_events():
    seed()
    now = timezone.now()

    tickets = Ticket.objects.all()
    assert 200 <= tickets.count() <= 600
    span = tickets.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert span["last"] - span["first"] >= timedelta(days=60)
    assert span["last"] <= now
    for t in tickets.values(
        "created_at", "first_responded_at", "solved_at", "closed_at", "updated_at", "status"
    ):
        stamps = [t["created_at"], t["first_responded_at"], t["solved_at"], t["closed_at"]]
        present = [s for s in stamps if s is not None]
        assert present == sorted(present) and present[-1] <= now
        assert t["updated_at"] >= present[-1] - timedelta(seconds=1)
    assert not TicketMessage.objects.filter(created_at__lt=F("ticket__created_at")).exists()
    assert not TicketMessage.objects.filter(created_at__gt=now).exists()
    assert len(set(tickets.values_list("channel", flat=True))) >= 8
    assert set(tickets.values_list("customer__segment__code", flat=True)) >= {
        "prefers-hybrid",
        "prefers-people",
        "digital-first",
        "channel-loyal",
    }
    assert set(tickets.values_list("priority", flat=True)) == set(Priority.values)
    assert tickets.values("assignee").distinct().count() >= 4  # three agents and nobody yet
    # Breaches happened, were recorded once and already mailed; others are about to happen.
    breaches = SLAEvent.objects.filter(kind=SLAEventKind.BREACH)
    assert breaches.count() >= 10
    assert not breaches.filter(notified_at__isnull=True).exists()
    assert tickets.filter(sla_breached=True, status__in=OPEN_STATUSES).exists()
    assert tickets.filter(
        status__in=OPEN_STATUSES,
        first_responded_at__isnull=True,
        first_response_due_at__gt=now,
        first_response_due_at__lte=now + timedelta(hours=1),
    ).exists()
    # Nothing is left for the sweep to record as if it happened now.
    assert not tickets.filter(sla_next_check_at__lte=now).exists()
    # Reopened: solved, then open again.
    reopened = set()
    for ticket_id, rows in groupby(
        Ticket.history.order_by("id", "history_date").values_list("id", "status"),
        key=lambda row: row[0],
    ):
        statuses = [status for _id, status in rows]
        if any(a == "solved" and b == "open" for a, b in pairwise(statuses)):
            reopened.add(ticket_id)
    assert len(reopened) >= 3
    # The demo's quick clocks agree with the SLA engine's own.
    for ticket in tickets.select_related("customer").order_by("?")[:40]:
        fresh = Ticket.objects.select_related("customer").get(pk=ticket.pk)
        sla.start(fresh)
        assert fresh.sla_policy_id == ticket.sla_policy_id
        assert fresh.first_response_due_at == ticket.first_response_due_at
        assert fresh.resolution_due_at == ticket.resolution_due_at


def test_seed_demo_has_feedback_bot_and_phone_journeys_and_an_empty_outbox():
    seed()
    now = timezone.now()

    responses = SurveyResponse.objects.select_related("invitation")
    assert responses.count() >= 30
    assert {r.invitation.kind for r in responses} == set(SurveyKind.values)
    assert responses.exclude(comment="").count() >= 10
    assert not responses.filter(created_at__gt=now).exists()
    # The chatbot settled some chats alone and handed others to a person.
    contained = Action.objects.filter(kind=ActionKind.BOT, outcome=Outcome.RESOLVED)
    assert contained.filter(interaction__ticket__isnull=True).exists()
    assert Action.objects.filter(kind=ActionKind.BOT, outcome=Outcome.TRANSFERRED).exists()
    # A phone call through the IVR, in a customer's journey across channels.
    call = Interaction.objects.filter(
        channel__kind=ChannelKind.PHONE, actions__kind=ActionKind.IVR, ticket__isnull=False
    ).first()
    assert call is not None and call.events.filter(kind__contains="key_press").exists()
    assert (
        Interaction.objects.filter(customer=call.customer)
        .exclude(channel__kind=ChannelKind.PHONE)
        .exists()
    )
    # Callers who gave up in the IVR queue came back on another channel within a week.
    abandons = Interaction.objects.filter(
        channel__kind=ChannelKind.PHONE, outcome=Outcome.ABANDONED
    )
    assert abandons.count() >= 5
    for call in abandons:
        assert (
            Interaction.objects.filter(
                customer=call.customer,
                started_at__gt=call.started_at,
                started_at__lte=call.started_at + timedelta(days=7),
            )
            .exclude(channel__kind=ChannelKind.PHONE)
            .exists()
        )
    # History is not outbox: nothing waits to be sent, no survey is overdue, no breach unmailed.
    assert OutboundMessage.objects.exists()
    assert not OutboundMessage.objects.exclude(status=OutboundStatus.SENT).exists()
    assert due_outbound_ids() == []
    assert due_invitation_ids() == []
    assert unnotified_breach_ids(older_than=timedelta(0)) == []
    # One survey is due later: the one a lead can send now, and it does leave.
    later = SurveyInvitation.objects.get(status=InvitationStatus.SCHEDULED, due_at__gt=now)
    lead = get_user_model().objects.get(username="lead")
    assert send_invitation_now(invitation=later, by=lead) == InvitationStatus.SENT
    # Past surveys kept the one-survey-per-customer rule: the others were skipped as recent.
    assert SurveyInvitation.objects.filter(skip_reason=SkipReason.RECENT).exists()


def test_seed_demo_if_empty_twice_is_a_no_op():
    seed(if_empty=True)
    first = counts()

    output = seed(if_empty=True)

    assert counts() == first
    assert "not seeded" in output


def test_admin_login_page_lists_every_demo_login_where_the_demo_runs(client, settings):
    settings.CIM_DEMO_LOGINS = True
    page = client.get("/admin/login/").content.decode()
    for username in ("admin", "lead", "agent", "agent2", "agent3", "reasons"):
        assert f"<code>{username}</code> / <code>{username}</code>" in page

    settings.CIM_DEMO_LOGINS = False
    assert "<code>lead</code>" not in client.get("/admin/login/").content.decode()


def test_demo_has_work_log_and_a_full_dashboard():
    from datetime import date, timedelta

    from django.contrib.auth import get_user_model

    from cim_site.analytics.metrics import operations_metrics
    from tickets.models_activity import Activity

    seed()
    assert Activity.objects.exists()
    lead = get_user_model().objects.get(username="lead")
    today = date.today()
    figures = operations_metrics(
        user=lead, date_from=today - timedelta(days=30), date_to=today, group_by="channel"
    )
    assert figures["totals"]["tickets_created"] > 0
    assert len(figures["results"]) >= 3
    count = Activity.objects.count()
    seed()
    assert Activity.objects.count() == count
