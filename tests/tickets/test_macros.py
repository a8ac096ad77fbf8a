"""Macros: placeholders, escaping, each action, the one-transaction rule, visibility, usage
counts, signatures; and the admin's picker, apply endpoint and bulk action."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import AgentFactory, CustomerFactory, QueueFactory, ReasonFactory
from tickets import macros, services
from tickets.errors import TicketError, TicketErrorCode
from tickets.links import read_status_token
from tickets.models import (
    AgentSignature,
    Macro,
    MacroAssign,
    MacroVisibility,
    MessageKind,
    Priority,
    TicketStatus,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(queue):
    customer = CustomerFactory(name="Nguyễn Thị Lan", language="vi")
    return services.create_ticket(
        customer=customer, subject="Máy giặt kêu to", body="Máy kêu to.", queue=queue
    )


def make_macro(**fields):
    values = {"name_vi": "Chào", "visibility": MacroVisibility.EVERYONE}
    values.update(fields)
    macro = Macro(**values)
    macro.full_clean()
    macro.save()
    return macro


# --- placeholders -------------------------------------------------------------------------


def test_placeholders_are_filled_in_the_ticket_language(ticket, agent):
    agent.first_name, agent.last_name = "Minh", "Trần"
    agent.save()
    macro = make_macro(
        reply_vi="Chào {{ customer.name }}, mã {{ ticket.reference }}. {{agent.name}}",
        reply_en="Hello {{ customer.name }}",
    )
    result = macros.apply_macro(ticket=ticket, macro=macro, by=agent)
    assert result.reply_text == f"Chào Nguyễn Thị Lan, mã {ticket.reference}. Minh Trần"
    assert result.sent_message is None

    ticket.language = "en"
    ticket.save(update_fields=["language"])
    assert macros.apply_macro(ticket=ticket, macro=macro, by=agent).reply_text == (
        "Hello Nguyễn Thị Lan"
    )


def test_status_url_placeholder_is_the_customers_signed_link(ticket, agent):
    macro = make_macro(reply_vi="Theo dõi: {{ ticket.status_url }}")
    text = macros.apply_macro(ticket=ticket, macro=macro, by=agent).reply_text
    token = text.rsplit("/", 2)[-2]
    assert read_status_token(token) == ticket


@pytest.mark.parametrize(
    "text",
    [
        "{{ customer.email }}",
        "{{ customer.name|upper }}",
        "{% if x %}a{% endif %}",
        "{# note #}",
        "{{ settings.SECRET_KEY }}",
        "half {{ customer.name",
    ],
)
def test_unknown_placeholders_and_template_syntax_are_refused_on_save(text):
    macro = Macro(name_vi="X", visibility=MacroVisibility.EVERYONE, reply_vi=text)
    with pytest.raises(ValidationError) as caught:
        macro.full_clean()
    assert "reply_vi" in caught.value.message_dict


def test_values_are_substituted_once_and_escaped_for_html():
    values = {"customer.name": "<b>{{ agent.name }}</b>", "agent.name": "Minh"}
    text = "Hi {{ customer.name }}"
    assert macros.render_placeholders(text, values) == "Hi <b>{{ agent.name }}</b>"
    assert macros.render_placeholders(text, values, html=True) == (
        "Hi &lt;b&gt;{{ agent.name }}&lt;/b&gt;"
    )


# --- actions ----------------------------------------------------------------------------------


def test_each_action_is_applied_and_audited_with_the_macro_name(ticket, agent, queue):
    reason = ReasonFactory()
    colleague = AgentFactory(queues=[queue])
    services.add_tag(ticket=ticket, name="cu", by=agent)
    macro = make_macro(
        name_vi="Chờ khách",
        set_status=TicketStatus.PENDING,
        set_priority=Priority.HIGH,
        set_reason=reason,
        add_tags="bao-hanh, may-giat",
        remove_tags="cu",
        assign=MacroAssign.AGENT,
        assign_agent=colleague,
    )
    result = macros.apply_macro(ticket=ticket, macro=macro, by=agent)
    t = result.ticket
    assert (t.status, t.priority, t.reason, t.assignee) == (
        TicketStatus.PENDING,
        Priority.HIGH,
        reason,
        colleague,
    )
    assert set(t.tags.values_list("name", flat=True)) == {"bao-hanh", "may-giat"}
    rows = list(t.history.filter(history_change_reason="macro: Chờ khách"))
    assert len(rows) >= 6
    assert all(row.history_user == agent for row in rows)


def test_assign_to_the_applying_agent_and_move_queue(ticket, agent, queue):
    second = QueueFactory(code="warranty")
    agent.agent_profile.queues.add(second)
    agent._cim_queue_ids = None
    macro = make_macro(set_queue=second, assign=MacroAssign.ME)
    t = macros.apply_macro(ticket=ticket, macro=macro, by=agent).ticket
    assert (t.queue, t.assignee) == (second, agent)


def test_send_at_once_replies_with_the_status_and_signature(ticket, agent):
    AgentSignature.objects.create(user=agent, signature_vi="-- Minh, CSKH", signature_en="-- Minh")
    macro = make_macro(reply_vi="Đã xử lý.", set_status=TicketStatus.SOLVED, send_at_once=True)
    result = macros.apply_macro(ticket=ticket, macro=macro, by=agent)
    assert result.sent_message is not None
    assert result.sent_message.body == "Đã xử lý.\n\n-- Minh, CSKH"
    assert result.sent_message.kind == MessageKind.PUBLIC
    assert result.ticket.status == TicketStatus.SOLVED


def test_forbidden_transition_changes_nothing(ticket, agent):
    services.close_ticket(ticket=ticket, by=agent)
    macro = make_macro(set_priority=Priority.URGENT, set_status=TicketStatus.SOLVED)
    before = ticket.history.count()
    with pytest.raises(TicketError) as caught:
        macros.apply_macro(ticket=ticket, macro=macro, by=agent)
    assert caught.value.code == TicketErrorCode.TICKET_CLOSED
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL
    assert ticket.history.count() == before
    macro.refresh_from_db()
    assert macro.usage_count == 0


def test_a_late_refusal_undoes_the_earlier_actions(ticket, agent, other_agent):
    # Priority is set first; assigning someone outside the queue fails afterwards.
    macro = make_macro(
        set_priority=Priority.URGENT, assign=MacroAssign.AGENT, assign_agent=other_agent
    )
    with pytest.raises(TicketError):
        macros.apply_macro(ticket=ticket, macro=macro, by=agent)
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL
    assert ticket.assignee is None


def test_solved_to_pending_is_refused(ticket, agent):
    services.solve_ticket(ticket=ticket, by=agent)
    macro = make_macro(set_status=TicketStatus.PENDING)
    with pytest.raises(TicketError) as caught:
        macros.apply_macro(ticket=ticket, macro=macro, by=agent)
    assert caught.value.code == TicketErrorCode.INVALID_TRANSITION


def test_usage_is_counted_and_most_used_come_first(ticket, agent):
    rare = make_macro(name_vi="A hiếm")
    often = make_macro(name_vi="B thường")
    for _ in range(2):
        macros.apply_macro(ticket=ticket, macro=often, by=agent)
    macros.apply_macro(ticket=ticket, macro=rare, by=agent)
    often.refresh_from_db()
    assert often.usage_count == 2 and often.last_used_at is not None
    assert list(macros.usable_macros(agent)) == [often, rare]


# --- visibility and permissions --------------------------------------------------------------


def test_visibility(agent, other_agent, queue, other_queue):
    mine = make_macro(visibility=MacroVisibility.PERSONAL, owner=agent)
    ours = make_macro(visibility=MacroVisibility.QUEUE, queue=queue)
    theirs = make_macro(visibility=MacroVisibility.QUEUE, queue=other_queue)
    everyone = make_macro()
    make_macro(is_active=False)
    assert set(macros.usable_macros(agent)) == {mine, ours, everyone}
    assert set(macros.usable_macros(other_agent)) == {theirs, everyone}
    assert not macros.can_use_macro(other_agent, mine)


def test_an_agent_cannot_apply_a_macro_they_cannot_see(ticket, agent, other_agent):
    personal = make_macro(visibility=MacroVisibility.PERSONAL, owner=other_agent)
    with pytest.raises(TicketError) as caught:
        macros.apply_macro(ticket=ticket, macro=personal, by=agent)
    assert caught.value.code == TicketErrorCode.NOT_ALLOWED


def test_an_agent_cannot_apply_a_macro_to_another_queues_ticket(ticket, other_agent):
    with pytest.raises(TicketError):
        macros.apply_macro(ticket=ticket, macro=make_macro(), by=other_agent)


def test_a_macro_never_moves_a_ticket_into_a_queue_the_agent_cannot_see(ticket, agent, other_queue):
    macro = make_macro(set_queue=other_queue, set_priority=Priority.HIGH)
    with pytest.raises(TicketError) as caught:
        macros.apply_macro(ticket=ticket, macro=macro, by=agent)
    assert caught.value.code == TicketErrorCode.NOT_ALLOWED
    ticket.refresh_from_db()
    assert (ticket.queue_id, ticket.priority) != (other_queue.pk, Priority.HIGH)


def test_agents_keep_personal_macros_leads_their_queues(agent, queue, supervisor):
    own = macros.create_macro(by=agent, name_vi="Của tôi", visibility=MacroVisibility.PERSONAL)
    assert own.owner == agent
    with pytest.raises(TicketError):
        macros.create_macro(by=agent, name_vi="Chung", visibility=MacroVisibility.EVERYONE)
    with pytest.raises(TicketError):
        macros.create_macro(by=agent, name_vi="Hàng", visibility=MacroVisibility.QUEUE, queue=queue)
    queue.lead = agent
    queue.save()
    macros.create_macro(by=agent, name_vi="Hàng", visibility=MacroVisibility.QUEUE, queue=queue)
    everyone = macros.create_macro(
        by=supervisor, name_vi="Chung", visibility=MacroVisibility.EVERYONE
    )
    with pytest.raises(TicketError):
        macros.update_macro(macro=everyone, by=agent, name_vi="Đổi")


# --- signatures ---------------------------------------------------------------------------------


def test_signature_in_the_reply_language_and_not_on_notes(ticket, agent):
    AgentSignature.objects.create(user=agent, signature_vi="Trân trọng", signature_en="Regards")
    vi = services.reply(ticket=ticket, by=agent, body="Xin chào")
    assert vi.body == "Xin chào\n\nTrân trọng"
    note = services.add_internal_note(ticket=ticket, by=agent, body="Ghi chú")
    assert note.body == "Ghi chú"
    ticket.language = "en"
    ticket.save(update_fields=["language"])
    assert services.reply(ticket=ticket, by=agent, body="Hi").body == "Hi\n\nRegards"


# --- admin ----------------------------------------------------------------------------------------


@pytest.fixture
def agent_client(client, agent):
    import importlib

    from django.apps import apps as global_apps
    from django.contrib.auth.models import Group

    importlib.import_module("cim_site.migrations.0001_groups").create_groups(global_apps, None)
    from cim_site.roles import sync_group_permissions

    sync_group_permissions()
    agent.groups.add(Group.objects.get(name="Agent"))
    client.force_login(agent)
    return client


def test_ticket_page_lists_usable_macros_in_constant_queries(
    agent_client, ticket, agent, other_agent, django_assert_max_num_queries
):
    make_macro(name_vi="Dùng được")
    make_macro(name_vi="Của người khác", visibility=MacroVisibility.PERSONAL, owner=other_agent)
    url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    response = agent_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    # json_script writes non-ASCII letters as \u escapes.
    assert json.dumps("Dùng được")[1:-1] in page
    assert json.dumps("Của người khác")[1:-1] not in page
    assert "cim-pickers" in page
    with django_assert_max_num_queries(40) as first:
        agent_client.get(url)
    for n in range(10):
        make_macro(name_vi=f"Thêm {n}", reply_vi="x")
    with django_assert_max_num_queries(len(first.captured_queries)):
        agent_client.get(url)


def test_admin_apply_returns_the_reply_and_refuses_unseen(agent_client, ticket, other_agent):
    macro = make_macro(reply_vi="Chào {{ customer.name }}")
    url = reverse("admin:tickets_macro_apply", args=[ticket.pk])
    response = agent_client.post(url, {"macro": macro.pk})
    assert response.status_code == 200
    assert response.json() == {"reply": "Chào Nguyễn Thị Lan", "sent": False, "reload": False}
    hidden = make_macro(visibility=MacroVisibility.PERSONAL, owner=other_agent)
    assert agent_client.post(url, {"macro": hidden.pk}).status_code == 404
    assert agent_client.post(url, {"macro": "abc"}).status_code == 400
    other = services.create_ticket(
        customer=CustomerFactory(), subject="x", body="y", queue=QueueFactory(code="far")
    )
    far = reverse("admin:tickets_macro_apply", args=[other.pk])
    assert agent_client.post(far, {"macro": macro.pk}).status_code == 404


def test_admin_apply_forbidden_transition_is_409(agent_client, ticket, agent):
    services.close_ticket(ticket=ticket, by=agent)
    macro = make_macro(set_status=TicketStatus.OPEN)
    url = reverse("admin:tickets_macro_apply", args=[ticket.pk])
    response = agent_client.post(url, {"macro": macro.pk})
    assert response.status_code == 409
    assert response.json()["error"]


def test_bulk_apply_reports_per_ticket(agent_client, ticket, agent, queue):
    closed = services.create_ticket(
        customer=CustomerFactory(), subject="Đã đóng", body="x", queue=queue
    )
    services.close_ticket(ticket=closed, by=agent)
    macro = make_macro(name_vi="Ưu tiên cao", set_priority=Priority.HIGH)
    url = reverse("admin:tickets_ticket_changelist")
    picked = {"action": "apply_macro", "_selected_action": [ticket.pk, closed.pk]}
    page = agent_client.post(url, picked)
    assert page.status_code == 200
    assert "Ưu tiên cao" in page.content.decode()
    report = agent_client.post(url, {**picked, "macro": macro.pk, "apply": "1"})
    html = report.content.decode()
    assert "cim-macro-report" in html and "cim-refused" in html
    ticket.refresh_from_db()
    closed.refresh_from_db()
    assert ticket.priority == Priority.HIGH
    assert closed.priority == Priority.NORMAL


def test_admin_agent_creates_a_personal_macro_but_not_a_global_one(agent_client, agent):
    url = reverse("admin:tickets_macro_add")
    base = {"name_vi": "Cảm ơn", "reply_vi": "Cảm ơn {{ customer.name }}", "is_active": "on"}
    response = agent_client.post(url, {**base, "visibility": "personal"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Macro.objects.get(name_vi="Cảm ơn").owner == agent
    response = agent_client.post(url, {**base, "name_vi": "Chung", "visibility": "everyone"})
    assert response.status_code == 200
    assert not Macro.objects.filter(name_vi="Chung").exists()
    bad = agent_client.post(url, {**base, "name_vi": "Sai", "reply_vi": "{{ customer.email }}"})
    assert bad.status_code == 200
    assert "Unknown placeholder" in bad.content.decode() or "placeholder" in bad.content.decode()
