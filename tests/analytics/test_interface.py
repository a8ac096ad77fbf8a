from datetime import date

import pytest

from cim_site.analytics.drilldown import ticket_list_url
from cim_site.analytics.live import live_tiles
from cim_site.analytics.metrics import (
    GROUPS,
    JOURNEY_FIELDS,
    OPERATIONS_FIELDS,
    agent_segment_matrix,
    backlog_age_buckets,
    journey_metrics,
    operations_metrics,
    reason_insights,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("group_by", GROUPS)
def test_empty_period_gives_zeros_and_nulls(supervisor, group_by):
    data = operations_metrics(
        user=supervisor, date_from=date(2026, 1, 1), date_to=date(2026, 1, 31), group_by=group_by
    )
    assert set(data["totals"]) == set(OPERATIONS_FIELDS)
    assert data["totals"]["tickets_created"] == 0
    assert data["totals"]["fcr_rate"] is None
    assert data["totals"]["aht_minutes"] is None
    journey = journey_metrics(
        user=supervisor, date_from=date(2026, 1, 1), date_to=date(2026, 1, 31), group_by=group_by
    )
    assert set(journey["totals"]) == set(JOURNEY_FIELDS)
    assert journey["totals"]["channel_switch_rate"] is None
    if group_by == "day":
        assert len(data["results"]) == 31
        assert data["results"][0]["key"] == "2026-01-01"
    if group_by == "week":
        assert data["results"][0]["key"] == "2025-12-29"


def test_other_selectors_answer_on_an_empty_database(supervisor):
    period = {"date_from": date(2026, 1, 1), "date_to": date(2026, 1, 31)}
    assert reason_insights(user=supervisor, **period)["tickets"] == 0
    assert agent_segment_matrix(user=supervisor, **period)["cells"] == []
    assert backlog_age_buckets(user=supervisor)["total"] == 0
    assert live_tiles(user=supervisor) == {
        "open_backlog": 0,
        "unassigned": 0,
        "breaching_within_1h": 0,
        "agents_online": 0,
    }
    url = ticket_list_url(metric="tickets_solved", key=3, group_by="queue", **period)
    assert url.startswith("/")
    assert "drill=tickets_solved%3Aqueue%3A3%3A2026-01-01%3A2026-01-31" in url
