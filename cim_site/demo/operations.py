"""How the demo business runs: its business calendar, SLA policies, survey rules and who is at
work. Reference data keyed on natural keys, so a second seed changes nothing."""

from __future__ import annotations

from datetime import date, time
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from feedback.models import CESReason, LowScoreAction, QueueSurveySettings
from tickets.models import (
    AgentProfile,
    BusinessCalendar,
    ClosedDate,
    OpeningHours,
    Presence,
    Priority,
    SLAPolicy,
    SLATarget,
    Weekday,
)

if TYPE_CHECKING:
    from . import World

OFFICE_CALENDAR = "Giờ hành chính Việt Nam · Vietnam office hours"
ALWAYS_OPEN_CALENDAR = "Trực 24/7 · Around the clock"

# Mon–Fri with a lunch break, Saturday morning. Public holidays (Tết included) come from the
# `holidays` package (country VN); the company adds its own closed days below.
OFFICE_HOURS: tuple[tuple[int, time, time], ...] = (
    *(
        (day, opens, closes)
        for day in (
            Weekday.MONDAY,
            Weekday.TUESDAY,
            Weekday.WEDNESDAY,
            Weekday.THURSDAY,
            Weekday.FRIDAY,
        )
        for opens, closes in ((time(8), time(12)), (time(13, 30), time(17, 30)))
    ),
    (Weekday.SATURDAY, time(8), time(12)),
)


def company_closed_dates(today: date) -> list[tuple[date, str]]:
    """Days the company closes beyond the public holidays, this year and next."""
    return [
        (date(year, month, day), name)
        for year in (today.year, today.year + 1)
        for month, day, name in (
            (12, 31, "Kiểm kê cuối năm · Year-end stocktake"),
            (6, 15, "Ngày thành lập công ty · Company day"),
        )
    ]


# (name, position, calendar, queue codes, priorities, targets: priority → minutes
# (first response, next response, resolution)). The first match by position wins.
POLICIES: tuple[dict[str, Any], ...] = (
    {
        "name": "Khẩn cấp 24/7 · Urgent, around the clock",
        "position": 10,
        "calendar": ALWAYS_OPEN_CALENDAR,
        "priorities": [Priority.URGENT],
        "targets": {Priority.URGENT: (30, 60, 8 * 60)},
    },
    {
        "name": "Khiếu nại · Complaints",
        "position": 20,
        "calendar": OFFICE_CALENDAR,
        "queues": ("complaints",),
        "escalate_to_queue": "complaints",
        "targets": {
            Priority.LOW: (4 * 60, 8 * 60, 3 * 8 * 60),
            Priority.NORMAL: (2 * 60, 4 * 60, 2 * 8 * 60),
            Priority.HIGH: (60, 2 * 60, 8 * 60),
        },
    },
    {
        "name": "Tiêu chuẩn · Standard",
        "position": 100,
        "calendar": OFFICE_CALENDAR,
        "targets": {
            Priority.LOW: (8 * 60, 16 * 60, 5 * 8 * 60),
            Priority.NORMAL: (4 * 60, 8 * 60, 3 * 8 * 60),
            Priority.HIGH: (2 * 60, 4 * 60, 8 * 60),
            Priority.URGENT: (60, 2 * 60, 4 * 60),
        },
    },
)

# Queue → (wait after solving in minutes, low CSAT action). Short waits so the demo shows a
# survey minutes after a ticket is solved; warranty waits two hours so the customer has tried
# the repaired item (and a lead can "send now" from the admin).
SURVEY_RULES = {
    "support": (5, LowScoreAction.ALERT),
    "sales": (5, LowScoreAction.NONE),
    "complaints": (5, LowScoreAction.REOPEN),
    "warranty": (120, LowScoreAction.ALERT),
}
# At most one survey per customer in this many days (the product's default is 30; the demo's
# customers write often).
QUIET_DAYS = 14
# Reasons whose survey asks "how easy was it?" (CES) instead of CSAT.
CES_REASONS = ("order-change-address", "invoice-request", "payment-methods")

# username → capacity; every demo agent is online when the demo starts.
CAPACITY = {"agent": 12, "agent2": 10, "agent3": 8}


def seed_sla(world: World) -> None:
    office, created = BusinessCalendar.objects.get_or_create(
        name=OFFICE_CALENDAR, defaults={"time_zone": "Asia/Ho_Chi_Minh", "holiday_country": "VN"}
    )
    world.count("business calendars", created)
    if created:
        OpeningHours.objects.bulk_create(
            OpeningHours(calendar=office, weekday=day, opens=opens, closes=closes)
            for day, opens, closes in OFFICE_HOURS
        )
        ClosedDate.objects.bulk_create(
            ClosedDate(calendar=office, date=day, name=name)
            for day, name in company_closed_dates(timezone.localdate())
        )
    always, created = BusinessCalendar.objects.get_or_create(
        name=ALWAYS_OPEN_CALENDAR,
        defaults={"time_zone": "Asia/Ho_Chi_Minh", "always_open": True, "holiday_country": ""},
    )
    world.count("business calendars", created)
    calendars = {office.name: office, always.name: always}
    for spec in POLICIES:
        policy = SLAPolicy.objects.filter(name=spec["name"]).first()
        if policy is not None:
            continue
        policy = SLAPolicy.objects.create(
            name=spec["name"],
            position=spec["position"],
            calendar=calendars[spec["calendar"]],
            priorities=[int(p) for p in spec.get("priorities", ())],
            escalate_to_queue=world.queues.get(spec.get("escalate_to_queue", "")),
        )
        policy.queues.set([world.queues[code] for code in spec.get("queues", ())])
        SLATarget.objects.bulk_create(
            SLATarget(
                policy=policy,
                priority=priority,
                first_response_minutes=first,
                next_response_minutes=following,
                resolution_minutes=resolution,
            )
            for priority, (first, following, resolution) in spec["targets"].items()
        )
        world.count("SLA policies", True)


def seed_survey_rules(world: World) -> None:
    for code, (delay, low_action) in SURVEY_RULES.items():
        _rules, created = QueueSurveySettings.objects.get_or_create(
            queue=world.queues[code],
            defaults={
                "delay_minutes": delay,
                "low_score_action": low_action,
                "quiet_days": QUIET_DAYS,
            },
        )
        world.count("queue survey settings", created)
    for code in CES_REASONS:
        _row, created = CESReason.objects.get_or_create(reason=world.reasons[code])
        world.count("CES reasons", created)


def put_agents_online(world: World) -> None:
    """Last step: online agents take new work the moment the demo starts (the routing sweep
    hands them waiting tickets too). Done after the stories so their assignments stay as told."""
    now = timezone.now()
    users = get_user_model().objects.filter(username__in=CAPACITY)
    for profile in AgentProfile.objects.filter(user__in=users).select_related("user"):
        capacity = CAPACITY[profile.user.username]
        if profile.presence == Presence.ONLINE and profile.capacity == capacity:
            continue
        profile.presence = Presence.ONLINE
        profile.presence_changed_at = now
        profile.capacity = capacity
        profile.save(update_fields=["presence", "presence_changed_at", "capacity"])
        world.count("agents online", True)
