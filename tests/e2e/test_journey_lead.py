"""Journey 5, in a real browser at 1366×768: a team lead finds the feedback report from the
admin's Feedback section, reads it by day, sees alerts by their label and edits a queue's survey
settings; a reason manager keeps the contact-reason list (a new category and reason, an edit, a
deactivation)."""

import importlib
import re

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group
from django.test import TestCase

from feedback.models import QueueSurveySettings
from tests.e2e.conftest import save_screenshot
from tests.factories import AgentFactory, CustomerFactory, QueueFactory, UserFactory
from tests.feedback.data import make_feedback_rows
from tickets import services
from tickets.models import InteractionReason

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def groups(db):
    importlib.import_module("cim_site.migrations.0001_groups").create_groups(global_apps, None)
    return {group.name: group for group in Group.objects.all()}


@pytest.fixture
def lead(groups):
    user = UserFactory(username="lead", first_name="Hoa", last_name="Lê")
    user.groups.add(groups["Supervisor"])
    return user


@pytest.fixture
def feedback(lead, groups):
    queue = QueueFactory(code="warranty", name="Bảo hành")
    agent = AgentFactory(username="agent", queues=[queue])
    agent.groups.add(groups["Agent"])
    ticket = services.create_ticket(
        customer=CustomerFactory(name="Phạm Thu", email="thu@example.vn"),
        subject="Máy lạnh không mát",
        body="Máy lạnh chạy nhưng không mát.",
        queue=queue,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        rows = make_feedback_rows(ticket=ticket, agent=agent, reviewer=lead)
    return {"queue": queue, **rows}


def _log_in(page, username, next_url):
    page.goto(f"/admin/login/?next={next_url}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("pw")
    page.locator("input[type=submit]").click()
    page.wait_for_url(f"**{next_url}")


def _no_missing_files(page):
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    return missing


def test_lead_reads_the_feedback_report_and_edits_survey_settings(
    new_page, lead, feedback, request
):
    page = new_page(locale="en-US", viewport=DESKTOP)
    missing = _no_missing_files(page)
    _log_in(page, "lead", "/admin/feedback/")

    # The report is listed in the Feedback section, first.
    page.locator("#content-main").get_by_role("link", name="Customer feedback report").click()
    page.wait_for_url("**/admin/feedback/surveyinvitation/report/")
    report = page.locator("#feedback-report")
    assert report.locator(".feedback-chart svg").count() >= 4
    assert "Bảo hành" in report.locator("table").inner_text()
    save_screenshot(page, request, "report-by-queue")

    # By day: local dates, not ISO timestamps.
    page.locator("select[name=group_by]").select_option("day")
    page.locator("#feedback-report form button[type=submit]").click()
    page.wait_for_url("**group_by=day**")
    first_cell = report.locator("table tbody th").first.inner_text()
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", first_cell.strip()), first_cell
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", report.inner_text())
    # Each chart label ends left of where its bar and value begin.
    for bar in report.locator("svg g.bar").all()[:8]:
        label = bar.locator("text.label").bounding_box()
        value = bar.locator("text.value").bounding_box()
        rect = bar.locator("rect").bounding_box()
        assert label["x"] + label["width"] <= min(rect["x"], value["x"]) + 0.5
    save_screenshot(page, request, "report-by-day")

    # The alert raised by the low score reads as words.
    page.locator("#nav-sidebar").get_by_role("link", name="Feedback alerts").click()
    page.wait_for_url("**/admin/feedback/alert/")
    assert "Low satisfaction score" in page.locator("#result_list").inner_text()
    assert "low_csat" not in page.locator("#result_list").inner_text()

    # Survey settings of the queue.
    page.locator("#nav-sidebar").get_by_role("link", name="Queue survey settings").click()
    page.wait_for_url("**/admin/feedback/queuesurveysettings/")
    page.locator("#result_list").get_by_role("link", name="Bảo hành").click()
    page.locator("#id_delay_minutes").fill("45")
    page.locator("#id_low_score_threshold").fill("2")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/feedback/queuesurveysettings/")
    assert page.locator(".messagelist .success").count() == 1
    settings_row = QueueSurveySettings.objects.get(queue=feedback["queue"])
    assert (settings_row.delay_minutes, settings_row.low_score_threshold) == (45, 2)

    # The chat sessions page: the bot's figures add up and say what the list below counts.
    page.locator("#nav-sidebar").get_by_role("link", name="Chat sessions").click()
    page.wait_for_url("**/admin/channels/chatsession/")
    figures = {
        name: int(page.locator(f'#bot-metrics [data-count="{name}"]').inner_text().split()[0])
        for name in ("sessions", "deflected", "handed_off", "undecided")
    }
    assert figures["sessions"] == sum(v for k, v in figures.items() if k != "sessions")
    assert page.locator("#chat-list-scope").is_visible()
    assert missing == [], missing


def test_an_empty_report_period_explains_itself(new_page, lead, groups):
    page = new_page(locale="vi-VN", viewport=DESKTOP)
    _log_in(page, "lead", "/admin/feedback/surveyinvitation/report/?days=7")
    empty = page.locator("#report-empty")
    assert "7 ngày" in empty.inner_text()
    assert page.locator("#feedback-report .feedback-chart").count() == 0


def test_reason_manager_adds_edits_and_deactivates_reasons(new_page, groups, request):
    manager = UserFactory(username="reasons")
    manager.groups.add(groups["Reason manager"])
    page = new_page(locale="en-US", viewport=DESKTOP)
    missing = _no_missing_files(page)
    _log_in(page, "reasons", "/admin/tickets/interactionreason/")

    # A category.
    page.locator(".object-tools a.addlink").click()
    page.locator("#id_name_en").fill("Warranty")
    page.locator("#id_name_vi").fill("Bảo hành")
    assert page.locator("#id_code").input_value() == "warranty"  # filled from the name
    page.locator("input[name=_addanother]").click()
    page.wait_for_url("**/admin/tickets/interactionreason/add/")
    category = InteractionReason.objects.get(code="warranty", parent__isnull=True)

    # A reason under it.
    page.locator("#id_parent").select_option(str(category.pk))
    page.locator("#id_name_en").fill("Repair takes too long")
    page.locator("#id_name_vi").fill("Sửa chữa quá lâu")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/tickets/interactionreason/")
    reason = InteractionReason.objects.get(parent=category)
    rows = page.locator("#result_list tbody tr")
    assert "Warranty › Repair takes too long" in rows.all_inner_texts()[-1].replace("\xa0", " ")

    # Edit it.
    page.locator("#result_list").get_by_role(
        "link", name=re.compile("Repair takes too long")
    ).click()
    page.locator("#id_name_en").fill("Repair is late")
    page.locator("input[name=_continue]").click()
    page.wait_for_load_state()
    assert page.locator(".messagelist .success").count() == 1

    # Deactivate it: it leaves the active list but stays for the tickets that used it.
    page.locator("#id_is_active").uncheck()
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/tickets/interactionreason/")
    reason.refresh_from_db()
    assert (reason.name_en, reason.is_active) == ("Repair is late", False)
    page.goto("/admin/tickets/interactionreason/?is_active__exact=1")
    assert "Repair is late" not in page.locator("#changelist").inner_text()
    page.goto("/admin/tickets/interactionreason/?is_active__exact=0")
    assert "Repair is late" in page.locator("#result_list").inner_text()
    # A reason manager keeps the list; they do not delete from it.
    assert page.locator("select[name=action] option[value=delete_selected]").count() == 0
    save_screenshot(page, request, "inactive-reasons")
    assert missing == [], missing
