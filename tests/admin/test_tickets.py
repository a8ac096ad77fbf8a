"""The ticket pages: who sees what, and every change going through tickets.services."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.constants import SUCCESS, WARNING
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from channels.models import OutboundMessage
from tests.factories import AgentFactory, CustomerFactory, ReasonFactory, TicketFactory
from tickets import services
from tickets.models import (
    Attachment,
    AuthorType,
    MessageKind,
    Priority,
    Tag,
    Ticket,
    TicketMessage,
    TicketStatus,
)

from .conftest import make_ticket

CHANGELIST = reverse("admin:tickets_ticket_changelist")


def change_url(ticket):
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def form_data(ticket, **overrides):
    """What the change form posts back when the user edits nothing."""
    ticket.refresh_from_db()
    data = {
        "status": ticket.status,
        "priority": ticket.priority,
        "queue": ticket.queue_id,
        "assignee": ticket.assignee_id or "",
        "reason": ticket.reason_id or "",
        "tags": [tag.pk for tag in ticket.tags.all()],
        "reply_kind": MessageKind.PUBLIC,
        "reply_body": "",
    }
    data.update(overrides)
    return data


def messages_of(response):
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


# --- who sees what -------------------------------------------------------------------------


def test_agent_changelist_lists_only_tickets_of_their_queues(
    client, agent_in_group, ticket, other_ticket
):
    client.force_login(agent_in_group)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [ticket]
    assert other_ticket.subject not in response.content.decode()


def test_supervisor_changelist_lists_every_queue(client, supervisor, groups, ticket, other_ticket):
    supervisor.groups.add(groups["Supervisor"])
    client.force_login(supervisor)
    response = client.get(CHANGELIST)
    assert set(response.context["cl"].result_list) == {ticket, other_ticket}


def test_agent_cannot_open_another_queues_ticket(client, agent_in_group, other_ticket):
    client.force_login(agent_in_group)
    response = client.get(change_url(other_ticket), follow=True)
    assert response.redirect_chain[0][0] == reverse("admin:index")
    assert other_ticket.subject not in response.content.decode()
    history = reverse("admin:tickets_ticket_history", args=[other_ticket.pk])
    assert client.get(history).status_code == 404


def test_agent_cannot_change_another_queues_ticket(client, agent_in_group, other_ticket):
    client.force_login(agent_in_group)
    client.post(change_url(other_ticket), form_data(other_ticket, reply_body="Xin chào"))
    other_ticket.refresh_from_db()
    assert other_ticket.status == TicketStatus.NEW
    assert other_ticket.messages.count() == 1


def test_agent_actions_skip_tickets_of_other_queues(client, agent_in_group, ticket, other_ticket):
    client.force_login(agent_in_group)
    client.post(
        CHANGELIST,
        {"action": "solve", "_selected_action": [ticket.pk, other_ticket.pk]},
    )
    ticket.refresh_from_db()
    other_ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SOLVED
    assert other_ticket.status == TicketStatus.NEW


# --- the thread ------------------------------------------------------------------------------


def test_change_page_shows_thread_with_customer_text_escaped(superuser_client, customer, queue):
    ticket = services.create_ticket(
        customer=customer,
        subject="<b>Tiêu đề</b>",
        body="<script>alert('xss')</script>\nDòng hai",
        queue=queue,
    )
    services.add_internal_note(ticket=ticket, by=None, body="Ghi chú nội bộ")
    response = superuser_client.get(change_url(ticket))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert('xss')</script>" not in html
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;<br>Dòng hai" in html
    assert "<b>Tiêu đề</b>" not in html
    assert "Ghi chú nội bộ" in html
    assert len(response.context["thread"]) == 2


def test_thread_is_fetched_in_a_constant_number_of_queries(superuser_client, ticket, agent):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert superuser_client.get(change_url(ticket)).status_code == 200
        return len(ctx)

    services.reply(ticket=ticket, by=agent, body="Một")
    few = count()
    for n in range(6):
        services.add_internal_note(ticket=ticket, by=agent, body=f"Ghi chú {n}")
        services.reply(
            ticket=ticket,
            by=agent,
            body=f"Trả lời {n}",
            attachments=[SimpleUploadedFile(f"a{n}.txt", b"x", content_type="text/plain")],
        )
    assert count() == few


# --- reply and internal note -----------------------------------------------------------------


def test_public_reply_posts_through_the_reply_service(client, agent_in_group, ticket):
    client.force_login(agent_in_group)
    response = client.post(
        change_url(ticket), form_data(ticket, reply_body="Chúng tôi đã gửi lại hàng.")
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    message = ticket.messages.order_by("-id").first()
    assert message.body == "Chúng tôi đã gửi lại hàng."
    assert message.kind == MessageKind.PUBLIC
    assert message.author_type == AuthorType.AGENT
    assert message.author_user == agent_in_group
    # What only the service does: the first reply opens the ticket, stamps the first response,
    # takes the ticket for the agent and hands the reply to the customer's channel.
    assert ticket.status == TicketStatus.OPEN
    assert ticket.first_responded_at is not None
    assert ticket.assignee == agent_in_group
    assert OutboundMessage.objects.filter(message=message).exists()


def test_reply_with_a_status_leaves_the_ticket_in_that_status(client, agent_in_group, ticket):
    client.force_login(agent_in_group)
    client.post(
        change_url(ticket),
        form_data(ticket, reply_body="Anh gửi giúp em mã đơn nhé?", status=TicketStatus.PENDING),
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING
    assert (
        ticket.messages.filter(kind=MessageKind.PUBLIC, author_type=AuthorType.AGENT).count() == 1
    )


def test_internal_note_posts_through_the_note_service(client, agent_in_group, ticket):
    client.force_login(agent_in_group)
    client.post(
        change_url(ticket),
        form_data(ticket, reply_body="Khách VIP, ưu tiên.", reply_kind=MessageKind.INTERNAL),
    )
    ticket.refresh_from_db()
    note = ticket.messages.order_by("-id").first()
    assert note.kind == MessageKind.INTERNAL
    assert note.author_user == agent_in_group
    assert ticket.status == TicketStatus.NEW
    assert ticket.first_responded_at is None
    assert not OutboundMessage.objects.filter(message=note).exists()


def test_reply_attachment_is_stored_and_downloadable_by_staff_of_the_queue(
    client, agent_in_group, other_agent_in_group, ticket
):
    client.force_login(agent_in_group)
    upload = SimpleUploadedFile("hoa-don.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    client.post(
        change_url(ticket),
        form_data(ticket, reply_body="Hoá đơn đính kèm.", reply_attachments=upload),
    )
    attachment = Attachment.objects.get(message__ticket=ticket)
    assert attachment.filename == "hoa-don.pdf"

    page = client.get(change_url(ticket)).content.decode()
    url = reverse("admin:tickets_ticket_attachment", args=[attachment.pk])
    assert url in page

    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"

    client.force_login(other_agent_in_group)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the admin login


def test_missing_attachment_is_not_found(superuser_client):
    url = reverse("admin:tickets_ticket_attachment", args=[999999])
    assert superuser_client.get(url).status_code == 404


def test_attachment_of_a_forbidden_type_is_a_form_error(client, agent_in_group, ticket):
    client.force_login(agent_in_group)
    upload = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/x-msdownload")
    response = client.post(
        change_url(ticket), form_data(ticket, reply_body="Xem file", reply_attachments=upload)
    )
    assert response.status_code == 200
    assert "reply_attachments" in response.context["adminform"].form.errors
    assert ticket.messages.count() == 1
    assert not Attachment.objects.exists()


def test_reply_to_a_closed_ticket_is_refused_on_the_form(client, agent_in_group, ticket):
    services.close_ticket(ticket=ticket, by=None)
    client.force_login(agent_in_group)
    response = client.post(change_url(ticket), form_data(ticket, reply_body="Còn đó không?"))
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert ticket.messages.count() == 1


# --- handling fields ---------------------------------------------------------------------------


def test_handling_fields_change_through_services(client, agent_in_group, queue, ticket):
    reason = ReasonFactory()
    colleague = AgentFactory(username="colleague", queues=[queue])
    client.force_login(agent_in_group)
    response = client.post(
        change_url(ticket),
        form_data(
            ticket,
            status=TicketStatus.ON_HOLD,
            priority=Priority.URGENT,
            assignee=colleague.pk,
            reason=reason.pk,
        ),
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee, ticket.reason) == (
        TicketStatus.ON_HOLD,
        Priority.URGENT,
        colleague,
        reason,
    )
    reasons = set(ticket.history.values_list("history_change_reason", flat=True))
    assert {"status → on_hold", "priority set", "reason set", "assigned to colleague"} <= reasons
    assert set(
        ticket.history.exclude(history_change_reason="created").values_list(
            "history_user", flat=True
        )
    ) == {agent_in_group.pk}


def test_tags_are_added_and_removed_through_services(superuser_client, customer, queue):
    ticket = services.create_ticket(
        customer=customer, subject="Tags", body="x", queue=queue, tags=["cu"]
    )
    new = Tag.objects.create(name="moi")
    superuser_client.post(change_url(ticket), form_data(ticket, tags=[new.pk]))
    assert list(ticket.tags.values_list("name", flat=True)) == ["moi"]
    reasons = set(ticket.history.values_list("history_change_reason", flat=True))
    assert {"tag moi added", "tag cu removed"} <= reasons


def test_moving_to_another_queue_drops_an_assignee_who_does_not_work_it(
    superuser_client, agent, other_queue, ticket
):
    services.assign_ticket(ticket=ticket, agent=agent, by=None)
    superuser_client.post(change_url(ticket), form_data(ticket, queue=other_queue.pk))
    ticket.refresh_from_db()
    assert ticket.queue == other_queue
    assert ticket.assignee is None


def test_forbidden_status_change_is_a_form_error_and_changes_nothing(superuser_client, ticket):
    services.close_ticket(ticket=ticket, by=None)
    response = superuser_client.post(
        change_url(ticket), form_data(ticket, status=TicketStatus.OPEN, priority=Priority.HIGH)
    )
    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.priority == Priority.NORMAL


def test_service_refusal_rolls_back_the_whole_save_and_shows_on_the_field(
    superuser_client, agent, other_queue, ticket
):
    # The agent works the ticket's current queue, so the form accepts them; but the same save
    # moves the ticket to a queue they do not work, and assign_ticket (which runs after
    # move_ticket and set_priority) refuses.
    response = superuser_client.post(
        change_url(ticket),
        form_data(ticket, priority=Priority.HIGH, queue=other_queue.pk, assignee=agent.pk),
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "does not work the queue" in " ".join(form.errors["assignee"])
    # The page comes back with what the user typed.
    assert form["priority"].value() == str(Priority.HIGH)
    ticket.refresh_from_db()
    assert ticket.queue_id != other_queue.pk
    assert ticket.priority == Priority.NORMAL
    assert ticket.assignee is None


def test_assignee_choices_are_the_agents_of_the_queue(superuser_client, agent, other_agent, ticket):
    form = superuser_client.get(change_url(ticket)).context["adminform"].form
    assert list(form.fields["assignee"].queryset) == [agent]


def test_history_revert_is_refused(superuser_client, ticket):
    version = ticket.history.first()
    url = reverse("admin:tickets_ticket_simple_history", args=[ticket.pk, version.history_id])
    assert superuser_client.get(url).status_code == 200
    assert superuser_client.post(url, form_data(ticket)).status_code == 403


# --- adding ---------------------------------------------------------------------------------


def test_add_form_creates_the_ticket_through_create_ticket(superuser_client, admin_user, queue):
    customer = CustomerFactory()
    response = superuser_client.post(
        reverse("admin:tickets_ticket_add"),
        {
            "customer": customer.pk,
            "queue": queue.pk,
            "subject": "Gọi điện hỏi bảo hành",
            "channel": "phone",
            "priority": "",
            "reason": "",
            "body": "Khách hỏi thời hạn bảo hành máy lạnh.",
            "_continue": "1",
        },
    )
    ticket = Ticket.objects.get(subject="Gọi điện hỏi bảo hành")
    assert response.status_code == 302
    assert response["Location"] == change_url(ticket)
    assert ticket.created_by == admin_user
    assert ticket.status == TicketStatus.NEW
    assert ticket.channel == "phone"
    first = ticket.messages.get()
    assert first.author_customer == customer
    assert first.body == "Khách hỏi thời hạn bảo hành máy lạnh."


def test_add_form_without_a_message_is_a_form_error(superuser_client, customer, queue):
    response = superuser_client.post(
        reverse("admin:tickets_ticket_add"),
        {"customer": customer.pk, "queue": queue.pk, "subject": "x", "channel": "phone"},
    )
    assert response.status_code == 200
    assert "body" in response.context["adminform"].form.errors
    assert not Ticket.objects.exists()


def test_agents_cannot_add_tickets(client, agent_in_group):
    client.force_login(agent_in_group)
    assert client.get(reverse("admin:tickets_ticket_add")).status_code == 403


# --- actions -------------------------------------------------------------------------------


def run_action(client, action, *tickets):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [t.pk for t in tickets]}, follow=True
    )


def test_assign_to_me_action(client, agent_in_group, customer, queue):
    tickets = [make_ticket(customer=customer, queue=queue) for _ in range(2)]
    client.force_login(agent_in_group)
    response = run_action(client, "assign_to_me", *tickets)
    assert {t.assignee for t in Ticket.objects.all()} == {agent_in_group}
    assert (SUCCESS, "2 ticket(s) assigned to you.") in messages_of(response)


@pytest.mark.parametrize(
    ("action", "expected"),
    [("solve", TicketStatus.SOLVED), ("close", TicketStatus.CLOSED)],
)
def test_solve_and_close_actions(superuser_client, ticket, action, expected):
    response = run_action(superuser_client, action, ticket)
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == expected


def test_reopen_action_reopens_a_solved_ticket(superuser_client, ticket):
    services.solve_ticket(ticket=ticket, by=None)
    run_action(superuser_client, "reopen", ticket)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.solved_at is None


def test_forbidden_transition_in_an_action_warns_and_changes_nothing(
    superuser_client, customer, queue
):
    closed = make_ticket(customer=customer, queue=queue, subject="Đã đóng")
    services.close_ticket(ticket=closed, by=None)
    open_ticket = make_ticket(customer=customer, queue=queue, subject="Đang mở")
    before = closed.history.count()

    response = run_action(superuser_client, "reopen", closed, open_ticket)

    assert response.status_code == 200
    closed.refresh_from_db()
    open_ticket.refresh_from_db()
    assert closed.status == TicketStatus.CLOSED
    assert open_ticket.status == TicketStatus.NEW
    assert closed.history.count() == before
    warnings = [text for level, text in messages_of(response) if level == WARNING]
    assert len(warnings) == 2
    assert any(closed.reference in text and "closed" in text for text in warnings)
    assert not [level for level, _text in messages_of(response) if level == SUCCESS]


def test_assign_to_me_for_someone_outside_the_queue_is_a_warning(superuser_client, ticket):
    response = run_action(superuser_client, "assign_to_me", ticket)
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert [level for level, _text in messages_of(response)] == [WARNING]


# --- query counts ----------------------------------------------------------------------------


def _changelist_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(ctx), response


def _make_rich_tickets(n, queue, agent):
    reason = ReasonFactory(code="delivery-late")
    tag, _ = Tag.objects.get_or_create(name="vip")
    for _ in range(n):
        ticket = TicketFactory(queue=queue, assignee=agent, reason=reason)
        ticket.tags.add(tag)


@pytest.mark.parametrize("user_kind", ["superuser", "agent"])
def test_ticket_changelist_query_count_does_not_grow_with_tickets(
    client, admin_user, agent_in_group, queue, django_assert_num_queries, user_kind
):
    user = admin_user if user_kind == "superuser" else agent_in_group
    client.force_login(user)
    _make_rich_tickets(5, queue, agent_in_group)
    few, response = _changelist_queries(client)
    assert response.context["cl"].result_count == 5

    _make_rich_tickets(25, queue, agent_in_group)
    with django_assert_num_queries(few):
        response = client.get(CHANGELIST)
    assert response.context["cl"].result_count == 30


def test_message_model_is_not_edited_in_the_admin():
    # Messages are written only by the services; there is no admin page that could edit one.
    from django.contrib import admin

    assert TicketMessage not in admin.site._registry
