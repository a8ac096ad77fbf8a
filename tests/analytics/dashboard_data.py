"""Data for the dashboard tests: two queues, a lead who sees both, an agent of one, tickets on
several channels over the last days (some solved), and the analytics facts built from them."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.utils import timezone

from channels import journey
from channels.models import Outcome
from customers.models import ChannelKind
from tests.factories import (
    AgentFactory,
    ChannelFactory,
    CustomerFactory,
    QueueFactory,
    ReasonFactory,
    UserFactory,
)
from tickets import services
from tickets.models import Ticket


@dataclass
class DashboardData:
    lead: Any
    agent: Any
    support: Any
    sales: Any
    support_tickets: list[Ticket]
    sales_tickets: list[Ticket]


def refresh_facts() -> None:
    """Brings the analytics facts up to date the way the product's job does."""
    from cim_site.analytics.refresh import rebuild_all

    rebuild_all()


PASSWORD = "pw-dashboard-1"  # noqa: S105 - a test user's


def seed_activity_kinds() -> None:
    """The kinds the migration seeds; a transactional test before this one may have flushed them."""
    import importlib

    from django.apps import apps

    importlib.import_module("tickets.migrations.0005_activities").seed_kinds(apps, None)


def make_dashboard_data(password: str = PASSWORD) -> DashboardData:
    seed_activity_kinds()
    for name in ("Agent", "Supervisor"):
        Group.objects.get_or_create(name=name)
    from cim_site.roles import sync_group_permissions

    sync_group_permissions()
    support = QueueFactory(code="support", name="Hỗ trợ kỹ thuật")
    sales = QueueFactory(code="sales", name="Bán hàng")
    lead = UserFactory(username="lead", first_name="Trưởng", last_name="Nhóm")
    lead.groups.add(Group.objects.get(name="Supervisor"))
    agent = AgentFactory(
        username="agent-lan", first_name="Lan", last_name="Nguyễn", queues=[support]
    )
    agent.groups.add(Group.objects.get(name="Agent"))
    for user in (lead, agent):
        user.set_password(password)
        user.save()
    customer = CustomerFactory(email="hoa@example.vn", name="Trần Thị Hoa")
    reason = ReasonFactory(code="giao-hang-cham", name_vi="Giao hàng chậm", name_en="Late delivery")
    channels = [ChannelKind.EMAIL, ChannelKind.ZALO, ChannelKind.PHONE, ChannelKind.WEB_CHAT]
    inboxes = {kind: ChannelFactory(kind=kind, default_queue=support) for kind in channels}
    now = timezone.now()
    support_tickets, sales_tickets = [], []
    for day in range(12):
        for index, channel in enumerate(channels[: 1 + day % 4]):
            queue = support if (day + index) % 3 else sales
            subject = f"Đơn hàng {day}-{index} giao chậm" if queue is support else f"Báo giá {day}"
            ticket = services.create_ticket(
                customer=customer,
                subject=subject,
                body="Xin chào",
                queue=queue,
                channel=channel,
                reason=reason,
            )
            created = now - timedelta(days=day, hours=index + 1)
            Ticket.objects.filter(pk=ticket.pk).update(created_at=created)
            ticket.refresh_from_db()
            staff = agent if queue is support else lead
            # One contact on the ticket's channel; every third ticket also needed a phone call.
            contacts = [channel] + ([ChannelKind.PHONE] if day % 3 == 0 else [])
            for step, kind in enumerate(contacts):
                journey.record_manual_interaction(
                    customer=customer,
                    channel=inboxes[kind],
                    by=staff,
                    ticket=ticket,
                    started_at=created + timedelta(minutes=30 * step),
                    ended_at=created + timedelta(minutes=30 * step + 8),
                    outcome=Outcome.RESOLVED if step == len(contacts) - 1 else Outcome.TRANSFERRED,
                )
            if day % 2 == 0:
                if queue is support:
                    services.assign_ticket(ticket=ticket, agent=agent, by=lead)
                services.reply(ticket=ticket, body="Chúng tôi đang kiểm tra.", by=staff)
                services.solve_ticket(ticket=ticket, by=staff)
                Ticket.objects.filter(pk=ticket.pk).update(
                    first_responded_at=created + timedelta(minutes=20 + day),
                    solved_at=created + timedelta(hours=3 + day),
                )
            (support_tickets if queue is support else sales_tickets).append(ticket)
    refresh_facts()
    return DashboardData(lead, agent, support, sales, support_tickets, sales_tickets)
