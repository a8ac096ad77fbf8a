from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import ChannelFactory, ReasonFactory, SegmentFactory
from tickets import services
from tickets.models import BusinessCalendar, Priority, SLAPolicy, SLATarget

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=HCM)


@pytest.fixture
def policy(db):
    """24/7, first response 60 min, resolution 480 min, pending pauses the clock."""
    calendar = BusinessCalendar.objects.create(name="24/7", always_open=True, holiday_country="")
    policy = SLAPolicy.objects.create(name="Standard", calendar=calendar)
    for priority in Priority.values:
        SLATarget.objects.create(
            policy=policy, priority=priority, first_response_minutes=60, resolution_minutes=480
        )
    return policy


@pytest.fixture
def reasons(db):
    return (
        ReasonFactory(code="late", name_vi="Giao trễ", name_en="Late delivery"),
        ReasonFactory(code="refund", name_vi="Hoàn tiền", name_en="Refund"),
    )


@pytest.fixture
def segment(db):
    return SegmentFactory(code="vip", name="VIP")


@pytest.fixture
def channels(queue):
    return {
        kind: ChannelFactory(kind=kind, code=kind.replace("_", "-"), default_queue=queue)
        for kind in ("email", "phone", "web_chat")
    }


class Clock:
    """Runs service calls at given local times."""

    def __call__(self, when: datetime, fn, /, **kwargs):
        with time_machine.travel(when, tick=False):
            return fn(**kwargs)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def open_ticket(clock, queue):
    def make(customer, when, *, reason=None, channel="email"):
        return clock(
            when,
            services.create_ticket,
            customer=customer,
            subject="Đơn hàng",
            body="Tôi cần hỗ trợ.",
            queue=queue,
            channel=channel,
            reason=reason,
        )

    return make
