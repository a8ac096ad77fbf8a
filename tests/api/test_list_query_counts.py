"""Every list endpoint runs the same number of SQL queries for 3 rows as for 15: no N+1."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from channels import services as channel_services
from channels.models import ActionKind
from customers import services as customer_services
from customers.models import ChannelKind
from tests.factories import ChannelFactory, ReasonFactory
from tickets import sla_config
from tickets.models import BusinessCalendar

pytestmark = pytest.mark.django_db


def _customers(n, queue):
    for i in range(n):
        customer = customer_services.create_customer(
            name=f"K{i}", email=f"k{i}-{n}@example.vn", phone=f"09{n:02d}{i:06d}"
        )
        customer_services.add_identity(
            customer=customer, kind=ChannelKind.ZALO, address=f"z{n}-{i}"
        )


def _interactions(n, queue):
    channel = ChannelFactory(kind=ChannelKind.PHONE, default_queue=queue)
    for i in range(n):
        customer = customer_services.create_customer(email=f"i{i}-{n}@example.vn")
        interaction, _ = channel_services.record_interaction(
            customer=customer, channel=channel, reason=ReasonFactory(), external_id=f"c{n}-{i}"
        )
        action = channel_services.record_action(interaction=interaction, kind=ActionKind.IVR)
        channel_services.record_event(action=action, kind="key_press", data={"key": "1"})


def _reasons(n, queue):
    for _ in range(n):
        ReasonFactory()


def _calendars(n, queue):
    from datetime import time

    for i in range(n):
        sla_config.save_calendar(
            calendar=None,
            name=f"cal {n}-{i}",
            time_zone="Asia/Ho_Chi_Minh",
            always_open=False,
            holiday_country="VN",
            hours=[
                sla_config.HoursRow(weekday=d, opens=time(8), closes=time(17)) for d in range(5)
            ],
            closed_dates=[],
        )


def _policies(n, queue):
    calendar = BusinessCalendar.objects.create(name=f"p{n}", always_open=True)
    for i in range(n):
        sla_config.save_policy(
            policy=None,
            name=f"policy {i}",
            calendar=calendar,
            targets=[
                sla_config.TargetRow(priority=p, first_response_minutes=30, resolution_minutes=60)
                for p in (1, 2, 3, 4)
            ],
            queues=[queue],
        )


CASES = [
    ("/api/v1/customers/", _customers),
    ("/api/v1/interactions/", _interactions),
    ("/api/v1/events/", _interactions),
    ("/api/v1/reasons/", _reasons),
    ("/api/v1/sla-calendars/", _calendars),
    ("/api/v1/sla-policies/", _policies),
]


@pytest.mark.parametrize("url,make", CASES, ids=[c[0] for c in CASES])
def test_list_query_count_does_not_grow_with_rows(url, make, supervisor, queue):
    client = APIClient()
    client.force_login(supervisor)

    def count():
        client.get(url)  # warm caches (session, permission lookups)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        return len(queries)

    make(3, queue)
    few = count()
    make(12, queue)
    assert count() == few
