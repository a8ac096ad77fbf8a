"""Reason insights, agent × segment matrix, drill-down, live tiles, the refresh task and the
demo hooks, on the scenario of test_metrics."""

import random
from datetime import date

import pytest
from django.test import RequestFactory

from channels.models import Interaction
from cim_site.analytics.admin_filters import DrilldownFilter
from cim_site.analytics.drilldown import drill_ticket_ids, ticket_list_url
from cim_site.analytics.live import live_tiles
from cim_site.analytics.metrics import agent_segment_matrix, reason_insights
from cim_site.analytics.models import TicketFact
from cim_site.tasks import refresh_analytics_task
from tickets.models import Presence, Ticket

from .test_metrics import JANUARY, scenario  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_reason_insights(scenario, supervisor, reasons):  # noqa: F811
    late, refund = reasons
    data = reason_insights(user=supervisor, **JANUARY)
    assert [(r["key"], r["tickets"], r["previous"]) for r in data["top_reasons"]] == [
        (late.pk, 3, 0),
        (refund.pk, 2, 0),
    ]
    assert data["top_reasons"][0]["trend"] is None
    assert data["tickets_without_reason"] == 1
    assert data["tickets"] == 6
    assert [(r["reason"], r["channel"], r["tickets"]) for r in data["reason_by_channel"]] == [
        (late.pk, "email", 3),
        (refund.pk, "email", 2),
        (None, "email", 1),
    ]
    # Fewer than 5 solved tickets per reason: not ranked.
    assert data["worst_fcr"] == []


def test_agent_segment_matrix(scenario, supervisor, agent, segment):  # noqa: F811
    data = agent_segment_matrix(user=supervisor, **JANUARY)
    cells = {(c["agent"], c["segment"]): c for c in data["cells"]}
    vip, plain = cells[(agent.pk, segment.pk)], cells[(agent.pk, None)]
    assert (vip["solved"], vip["resolution_minutes_median"], vip["fcr_rate"]) == (3, 120.0, 0.3333)
    assert (plain["solved"], plain["resolution_minutes_median"], plain["fcr_rate"]) == (
        2,
        135.0,
        0.5,
    )
    assert data["hard_problems"] == [
        {
            "agent": agent.pk,
            "agent_label": agent.get_full_name() or agent.username,
            "solved": 5,
            "hard_solved": 0,
            "hard_share": 0.0,
        }
    ]
    TicketFact.objects.filter(reopens=1).update(transfers=1)
    hard = agent_segment_matrix(user=supervisor, **JANUARY)["hard_problems"][0]
    assert hard["hard_solved"] == 1


def test_drilldown_reads_the_same_facts(scenario, supervisor, reasons):  # noqa: F811
    t1, t2, t3, t4, t5, t6 = scenario["tickets"]
    late, _refund = reasons

    def ids(**kwargs):
        url = ticket_list_url(**JANUARY, **kwargs)
        value = url.split("drill=")[1].replace("%3A", ":")
        return list(drill_ticket_ids(value))

    def pks(*tickets):
        return {t.pk for t in tickets}

    assert {r["ticket_id"] for r in ids(metric="fcr_rate")} == pks(t1, t2, t4)
    assert {r["ticket_id"] for r in ids(metric="fcr_rate", group_by="reason", key=late.pk)} == pks(
        t1, t2, t4
    )
    assert {
        r["ticket_id"] for r in ids(metric="tickets_created", group_by="day", key="2026-01-05")
    } == pks(t1)
    assert {r["ticket_id"] for r in ids(metric="backlog")} == pks(t6)
    assert {r["ticket_id"] for r in ids(metric="reopen_rate")} == pks(t4)
    assert {r["ticket_id"] for r in ids(metric="sla_first_response_compliance")} == pks(t3, t6)
    assert {r["ticket_id"] for r in ids(metric="tickets_created", group_by="reason")} == pks(t6)


def test_drilldown_filter_filters_the_changelist(scenario, supervisor):  # noqa: F811
    t1, t2, t3, t4, t5, t6 = scenario["tickets"]
    url = ticket_list_url(metric="reopen_rate", **JANUARY)
    request = RequestFactory().get(url)
    request.user = supervisor
    params = {k: request.GET.getlist(k) for k in request.GET}
    spec = DrilldownFilter(request, params, Ticket, None)
    assert spec.has_output()
    assert list(spec.queryset(request, Ticket.objects.all())) == [t4]
    bad = RequestFactory().get("/", {"drill": "nonsense"})
    spec = DrilldownFilter(bad, {"drill": ["nonsense"]}, Ticket, None)
    assert spec.queryset(bad, Ticket.objects.all()).count() == 0


def test_live_tiles(scenario, supervisor, agent, other_agent):  # noqa: F811
    agent.agent_profile.presence = Presence.ONLINE
    agent.agent_profile.save()
    assert live_tiles(user=supervisor) == {
        "open_backlog": 1,
        "unassigned": 1,
        "breaching_within_1h": 0,
        "agents_online": 1,
    }
    assert live_tiles(user=other_agent) == {
        "open_backlog": 0,
        "unassigned": 0,
        "breaching_within_1h": 0,
        "agents_online": 0,
    }


def test_refresh_task_twice_gives_the_same_rows(scenario, channels):  # noqa: F811
    first = refresh_analytics_task()
    facts = list(TicketFact.objects.order_by("ticket_id").values("ticket_id", "fcr", "reopens"))
    second = refresh_analytics_task()
    assert (
        list(TicketFact.objects.order_by("ticket_id").values("ticket_id", "fcr", "reopens"))
        == facts
    )
    assert first["tickets"] == 6
    assert second["days"] == 9


def test_demo_hooks(scenario, channels):  # noqa: F811
    from cim_site.analytics.demo import rebuild_all, seed_demo_activities

    for ticket in scenario["tickets"]:
        Interaction.objects.create(
            customer=ticket.customer, ticket=ticket, channel=channels["phone"]
        )
    written = seed_demo_activities(random.Random(4))
    assert 0 < written <= 6
    rebuild_all()
    assert TicketFact.objects.count() == 6
    assert date.today() >= TicketFact.objects.order_by("created_date").first().created_date
