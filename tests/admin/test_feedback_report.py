"""The feedback report: reachable from the admin's app list, periods as local dates, charts whose
labels never run into their values, a clear message when there is nothing to show; alert types
by their label."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from feedback.charts import MAX_LABEL_CHARS, bar_chart
from feedback.models import Alert, SurveyInvitation

REPORT = reverse("admin:feedback_report")
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def test_report_is_linked_from_the_feedback_section_and_the_sidebar(superuser_client, full_data):
    app_index = superuser_client.get(reverse("admin:app_list", args=["feedback"]))
    assert f'href="{REPORT}"' in app_index.content.decode()
    # The sidebar of any admin page lists it too.
    page = superuser_client.get(reverse("admin:feedback_alert_changelist"))
    sidebar = page.content.decode().split('id="nav-sidebar"')[1]
    assert f'href="{REPORT}"' in sidebar


def test_report_link_is_shown_only_to_who_may_open_it(client, agent, full_data):
    from tests.factories import UserFactory

    nobody = UserFactory(username="no-perms")
    client.force_login(nobody)
    response = client.get(reverse("admin:app_list", args=["feedback"]), follow=True)
    assert REPORT not in response.content.decode()


def test_day_grouping_shows_local_dates(superuser_client, full_data):
    invitation = SurveyInvitation.objects.filter(sent_at__isnull=False).first()
    # 20:30 UTC is already the next day in Hà Nội.
    sent = datetime(2026, 3, 4, 20, 30, tzinfo=ZoneInfo("UTC"))
    SurveyInvitation.objects.filter(pk=invitation.pk).update(sent_at=sent)
    html = superuser_client.get(REPORT, {"group_by": "day", "days": 3650}).content.decode()
    assert "2026-03-05T00:00:00" not in html and "2026-03-04T" not in html
    assert "05/03/2026" in html or "03/05/2026" in html


def test_month_and_kind_groups_have_readable_labels(superuser_client, full_data):
    html = superuser_client.get(REPORT, {"group_by": "kind", "days": 3650}).content.decode()
    assert "Customer satisfaction (CSAT)" in html
    html = superuser_client.get(REPORT, {"group_by": "month", "days": 3650}).content.decode()
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", html)


def test_an_empty_period_says_so(superuser_client, db):
    html = superuser_client.get(REPORT, {"days": 7}).content.decode()
    assert 'id="report-empty"' in html
    assert "No surveys were sent in the last 7 days." in html
    assert 'id="qa-empty"' in html
    assert 'class="feedback-chart"' not in html


def test_chart_labels_stay_clear_of_bars_and_values():
    long = "Hàng đợi khiếu nại về bảo hành sản phẩm điện máy miền Nam"
    svg = str(bar_chart([(long, 100.0), ("NPS", -40.0), ("Trống", None)], unit=""))
    bars = re.findall(
        r'<title>(.*?)</title><text class="label" x="([\d.]+)"[^>]*text-anchor="end">(.*?)</text>'
        r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*></rect>'
        r'<text class="value" x="([\d.]+)"[^>]*>(.*?)</text>',
        svg,
    )
    assert len(bars) == 3
    width = float(re.search(r'viewBox="0 0 ([\d.]+)', svg).group(1))
    for _title, label_end, label, rect_x, rect_width, value_x, value in bars:
        # Labels end before the plot area starts and are cut to fit; the full text is the tooltip.
        assert len(label) <= MAX_LABEL_CHARS
        assert float(label_end) < min(float(rect_x), float(value_x))
        # Values start after their bar and leave room for their own text inside the chart.
        assert float(value_x) >= float(rect_x) + float(rect_width)
        assert float(value_x) + 8 * len(value) <= width
    assert bars[0][0] == long and bars[0][2].endswith("…")


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Low satisfaction score"), ("vi", "Điểm hài lòng thấp")],
)
def test_alert_type_is_shown_by_its_label(superuser_client, full_data, settings, language, label):
    settings.LANGUAGE_CODE = language
    assert Alert.objects.filter(kind="low_csat").exists()
    with translation.override(language):
        html = superuser_client.get(
            reverse("admin:feedback_alert_changelist"), HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
    assert label in html
    assert ">low_csat<" not in html


def test_a_lead_opens_the_report_and_edits_survey_settings(client, supervisor, full_data, queue):
    from feedback.models import QueueSurveySettings

    client.force_login(supervisor)
    assert client.get(REPORT).status_code == 200
    assert client.get(reverse("admin:feedback_alert_changelist")).status_code == 200
    settings_row = QueueSurveySettings.objects.get(queue=queue)
    url = reverse("admin:feedback_queuesurveysettings_change", args=[settings_row.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {
        name: value
        for name, value in page.context["adminform"].form.initial.items()
        if value is not None
    }
    data.update({"queue": queue.pk, "delay_minutes": 45, "csat_enabled": "on"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    settings_row.refresh_from_db()
    assert settings_row.delay_minutes == 45
    # Deleting stays with the model permission: the Supervisor group has it (cim_site/roles.py
    # grants supervisors the feedback app), a staff user with no group does not.
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="no-role"))
    delete = reverse("admin:feedback_queuesurveysettings_delete", args=[settings_row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403


def test_an_agent_still_cannot_open_the_report(client, agent_in_group):
    client.force_login(agent_in_group)
    assert client.get(REPORT).status_code == 403
