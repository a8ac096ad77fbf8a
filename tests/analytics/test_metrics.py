"""Every metric definition on hand-built scenarios, with exact expected numbers. The figures
are read through the facts and rollups (refresh_changed), as the API reads them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from channels.models import Action, ActionKind, Event, Interaction, Outcome
from cim_site.analytics.journey import preferred_channel_of
from cim_site.analytics.metrics import journey_metrics, operations_metrics
from cim_site.analytics.refresh import rebuild_all
from tests.factories import CustomerFactory
from tickets import services
from tickets.models_activity import ActivityKind

from .conftest import at

pytestmark = pytest.mark.django_db
JANUARY = {"date_from": date(2026, 1, 1), "date_to": date(2026, 1, 31)}


@pytest.fixture
def scenario(policy, queue, agent, reasons, segment, clock, open_ticket):
    """Six tickets in January 2026 (times in Asia/Ho_Chi_Minh):
    T1 C1 late: reply +30, solved +60 — not FCR: C1 opens T2 (late) the next day;
    T2 C1 late: replies +10 and +20, solved +120 — not FCR: two replies;
    T3 C2 refund: reply +120 (first response target missed), solved +180 — FCR;
    T4 C2 late: reply +5, solved +30, customer writes at +60 (reopened), solved +90 — not FCR;
    T5 C1 refund: reply +20 as pending (clock paused 09:20–15:00), customer at 15:00, solved
       20:00 (+660 calendar minutes; resolution due moved from 17:00 to 22:40: met) — FCR;
    T6 C2: open, no reply (first response and resolution targets missed, in the backlog)."""
    late, refund = reasons
    c1 = CustomerFactory(email="c1@example.vn", segment=segment)
    c2 = CustomerFactory(email="c2@example.vn")

    def reply(t, when, **kw):
        return clock(when, services.reply, ticket=t, by=agent, body="Chào anh/chị", **kw)

    def solve(t, when):
        return clock(when, services.solve_ticket, ticket=t, by=agent)

    t1 = open_ticket(c1, at(2026, 1, 5, 9), reason=late)
    reply(t1, at(2026, 1, 5, 9, 30))
    solve(t1, at(2026, 1, 5, 10))
    t2 = open_ticket(c1, at(2026, 1, 6, 9), reason=late)
    reply(t2, at(2026, 1, 6, 9, 10))
    reply(t2, at(2026, 1, 6, 9, 20))
    solve(t2, at(2026, 1, 6, 11))
    t3 = open_ticket(c2, at(2026, 1, 7, 9), reason=refund)
    reply(t3, at(2026, 1, 7, 11))
    solve(t3, at(2026, 1, 7, 12))
    t4 = open_ticket(c2, at(2026, 1, 8, 9), reason=late)
    reply(t4, at(2026, 1, 8, 9, 5))
    solve(t4, at(2026, 1, 8, 9, 30))
    clock(at(2026, 1, 8, 10), services.add_customer_message, ticket=t4, body="Vẫn chưa được")
    solve(t4, at(2026, 1, 8, 10, 30))
    t5 = open_ticket(c1, at(2026, 1, 9, 9), reason=refund)
    reply(t5, at(2026, 1, 9, 9, 20), status="pending")
    clock(at(2026, 1, 9, 15), services.add_customer_message, ticket=t5, body="Đây ạ")
    solve(t5, at(2026, 1, 9, 20))
    t6 = open_ticket(c2, at(2026, 1, 10, 9))
    rebuild_all()
    return {"tickets": (t1, t2, t3, t4, t5, t6), "customers": (c1, c2)}


def test_ticket_metrics_of_the_scenario(scenario, supervisor):
    totals = operations_metrics(user=supervisor, group_by="week", **JANUARY)["totals"]
    assert totals["tickets_created"] == 6
    assert totals["tickets_solved"] == 5
    assert totals["backlog"] == 1
    assert totals["first_response_minutes_median"] == 20.0
    assert totals["first_response_minutes_p90"] == 120.0
    assert totals["first_response_business_minutes_median"] == 20.0
    assert totals["resolution_minutes_median"] == 120.0
    assert totals["resolution_minutes_p90"] == 660.0
    assert totals["resolution_business_minutes_median"] == 120.0
    assert totals["fcr_rate"] == 0.4
    assert totals["reopen_rate"] == 0.2
    assert totals["sla_first_response_compliance"] == round(4 / 6, 4)
    assert totals["sla_resolution_compliance"] == round(5 / 6, 4)
    assert totals["escalations"] == 0
    assert totals["contacts"] == 0
    assert totals["aht_minutes"] is None


def test_fcr_window_setting_changes_the_repeat_contact_rule(scenario, supervisor, settings):
    # T2 opened 23 h after T1 was solved: with a 0-day window it is no repeat contact.
    settings.CIM_FCR_WINDOW_DAYS = 0
    rebuild_all()
    totals = operations_metrics(user=supervisor, group_by="day", **JANUARY)["totals"]
    assert totals["fcr_rate"] == 0.6


def test_metrics_by_reason_and_by_day(scenario, supervisor, reasons):
    late, refund = reasons
    by_reason = operations_metrics(user=supervisor, group_by="reason", **JANUARY)["results"]
    rows = {r["key"]: r for r in by_reason}
    assert rows[late.pk]["tickets_solved"] == 3
    assert rows[late.pk]["fcr_rate"] == 0.0
    assert rows[refund.pk]["fcr_rate"] == 1.0
    assert rows[None]["tickets_created"] == 1
    assert rows[None]["label"]
    assert rows[refund.pk]["label"] in {"Refund", "Hoàn tiền"}
    by_day = operations_metrics(user=supervisor, group_by="day", **JANUARY)["results"]
    assert [r["tickets_created"] for r in by_day[4:10]] == [1, 1, 1, 1, 1, 1]
    assert by_day[8]["resolution_minutes_median"] == 660.0
    # Backlog at the end of each day: T6 from the 10th on.
    assert [r["backlog"] for r in by_day[8:11]] == [0, 1, 1]


def test_agent_sees_only_their_queues(scenario, other_agent, agent):
    mine = operations_metrics(user=agent, group_by="queue", **JANUARY)["totals"]
    assert mine["tickets_created"] == 6
    theirs = operations_metrics(user=other_agent, group_by="queue", **JANUARY)
    assert theirs["totals"]["tickets_created"] == 0
    assert theirs["results"] == []


def test_handle_time_bot_and_ivr(channels, agent, supervisor, queue, open_ticket):
    """Bot: contained (C1), not contained as C2 opened a ticket 9 h later, handed off (C3).
    IVR: C1 abandons then writes an email the next day; C2 talks 6 min to an agent, who logs
    2 min of wrap-up on the call and 4 min of research on a ticket."""
    c1, c2, c3 = (CustomerFactory(email=f"c{i}@example.vn") for i in (1, 2, 3))
    chat, phone, email = channels["web_chat"], channels["phone"], channels["email"]

    def contact(customer, channel, when, **kw):
        return Interaction.objects.create(customer=customer, channel=channel, started_at=when, **kw)

    def act(interaction, kind, when, minutes=0, events=0, **kw):
        action = Action.objects.create(
            interaction=interaction,
            kind=kind,
            started_at=when,
            ended_at=when + timedelta(minutes=minutes),
            **kw,
        )
        for _ in range(events):
            Event.objects.create(action=action, interaction=interaction, kind="x", occurred_at=when)
        return action

    act(contact(c1, chat, at(2026, 1, 12, 10)), ActionKind.BOT, at(2026, 1, 12, 10), 3, 4,
        outcome=Outcome.RESOLVED)  # fmt: skip
    act(contact(c2, chat, at(2026, 1, 12, 11)), ActionKind.BOT, at(2026, 1, 12, 11), 2, 2,
        outcome=Outcome.RESOLVED)  # fmt: skip
    open_ticket(c2, at(2026, 1, 12, 20))
    act(contact(c3, chat, at(2026, 1, 12, 12)), ActionKind.BOT, at(2026, 1, 12, 12), 1, 2,
        outcome=Outcome.TRANSFERRED)  # fmt: skip
    call = contact(c1, phone, at(2026, 1, 13, 9), outcome=Outcome.ABANDONED)
    act(call, ActionKind.IVR, at(2026, 1, 13, 9), 1, 3)
    contact(c1, email, at(2026, 1, 14, 8))
    talk = contact(c2, phone, at(2026, 1, 13, 9), agent=agent)
    act(talk, ActionKind.IVR, at(2026, 1, 13, 9), 1, 2)
    act(talk, ActionKind.AGENT, at(2026, 1, 13, 9, 1), 6, 1, agent=agent)
    wrap, research = (
        ActivityKind.objects.get(code="wrap-up"),
        ActivityKind.objects.get(code="research"),
    )
    ticket = open_ticket(c3, at(2026, 1, 13, 10))
    services.log_activity(kind=wrap, agent=agent, interaction=talk, minutes=2)
    services.log_activity(
        kind=research,
        agent=agent,
        ticket=ticket,
        started_at=at(2026, 1, 13, 10, 0),
        ended_at=at(2026, 1, 13, 10, 4),
    )
    # The wrap-up was logged "now"; put it on the day of the call.
    from tickets.models_activity import Activity

    Activity.objects.filter(kind=wrap).update(created_at=at(2026, 1, 13, 9, 10))
    rebuild_all()

    ops = operations_metrics(user=supervisor, group_by="channel", **JANUARY)
    assert ops["totals"]["contacts"] == 6
    assert ops["totals"]["aht_minutes"] == 12.0
    assert ops["totals"]["acw_share"] == round(2 / 12, 4)
    journey = journey_metrics(user=supervisor, group_by="channel", **JANUARY)
    totals = journey["totals"]
    assert totals["bot_containment_rate"] == round(1 / 3, 4)
    assert totals["bot_handoff_rate"] == round(1 / 3, 4)
    assert totals["ivr_abandon_rate"] == 0.5
    assert totals["ivr_abandon_returned_rate"] == 1.0
    # 6 actions (3 bot, 2 IVR, 1 agent; the email has none), 14 events, 6 interactions.
    assert totals["events_per_action"] == round(14 / 6, 2)
    assert totals["actions_per_interaction"] == 1.0
    phone_row = next(r for r in journey["results"] if r["key"] == "phone")
    assert phone_row["ivr_abandon_rate"] == 0.5
    # C1: chat, phone, email once each (email last); C2: chat, phone (phone last); C3: chat.
    assert preferred_channel_of(customer_id=c1.pk, until=date(2026, 1, 31)) == "email"
    assert preferred_channel_of(customer_id=c3.pk, until=date(2026, 1, 31)) == "web_chat"
    assert preferred_channel_of(customer_id=c3.pk, until=date(2026, 12, 31)) is None
    assert {p["key"]: p["customers"] for p in journey["preferred_channels"]} == {
        "email": 1,
        "phone": 1,
        "web_chat": 1,
    }


def test_experience_journey_and_channel_switch(channels, supervisor, open_ticket, clock, agent):
    c1 = CustomerFactory()
    t1 = open_ticket(c1, at(2026, 1, 5, 9))
    t2 = open_ticket(c1, at(2026, 1, 6, 9), reason=None)
    for when, channel, ticket in (
        (at(2026, 1, 5, 9), "email", t1),
        (at(2026, 1, 5, 12), "phone", t1),
        (at(2026, 1, 6, 9), "email", t2),
    ):
        i = Interaction.objects.create(
            customer=c1, channel=channels[channel], started_at=when, ticket=ticket
        )
        Action.objects.create(interaction=i, kind=ActionKind.MESSAGE, started_at=when)
    clock(at(2026, 1, 5, 13), services.solve_ticket, ticket=t1, by=agent)
    rebuild_all()
    totals = journey_metrics(user=supervisor, group_by="day", **JANUARY)
    assert totals["totals"]["interactions_per_experience"] == 1.5
    assert totals["totals"]["channels_per_experience"] == 1.5
    assert totals["totals"]["actions_per_experience"] == 1.5
    assert totals["totals"]["channel_switch_rate"] == 0.5
    assert totals["resolution_touchpoints"][0]["key"] == "phone"


def test_activity_minutes_are_validated(agent, customer, queue):
    from tickets.errors import TicketError

    ticket = services.create_ticket(customer=customer, subject="x", body="y", queue=queue)
    kind = ActivityKind.objects.get(code="call-back")
    with pytest.raises(TicketError):
        services.log_activity(kind=kind, agent=agent, ticket=ticket)
    with pytest.raises(TicketError):
        services.log_activity(kind=kind, agent=agent, ticket=ticket, minutes=0)
    with pytest.raises(TicketError):
        services.log_activity(
            kind=kind,
            agent=agent,
            ticket=ticket,
            started_at=at(2026, 1, 1, 10),
            ended_at=at(2026, 1, 1, 9),
        )
    with pytest.raises(TicketError):
        services.log_activity(kind=kind, agent=agent, minutes=3)
    logged = services.log_activity(kind=kind, agent=agent, ticket=ticket, minutes=Decimal("2.5"))
    assert logged.minutes == Decimal("2.50")
