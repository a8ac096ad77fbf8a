import hashlib
import itertools
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tests.concurrency import in_threads, postgres_only
from tests.factories import (
    AgentFactory,
    CustomerFactory,
    QueueFactory,
    ReasonCategoryFactory,
    ReasonFactory,
)
from tickets import services
from tickets.errors import TicketError, TicketErrorCode
from tickets.models import (
    AuthorType,
    MessageKind,
    Priority,
    Ticket,
    TicketIdempotencyKey,
    TicketMessage,
    TicketStatus,
)

S = TicketStatus

# The workflow as the business states it; the service table must match it exactly.
ALLOWED = {
    (S.NEW, S.OPEN), (S.NEW, S.PENDING), (S.NEW, S.ON_HOLD), (S.NEW, S.SOLVED), (S.NEW, S.CLOSED),
    (S.OPEN, S.PENDING), (S.OPEN, S.ON_HOLD), (S.OPEN, S.SOLVED), (S.OPEN, S.CLOSED),
    (S.PENDING, S.OPEN), (S.PENDING, S.ON_HOLD), (S.PENDING, S.SOLVED), (S.PENDING, S.CLOSED),
    (S.ON_HOLD, S.OPEN), (S.ON_HOLD, S.PENDING), (S.ON_HOLD, S.SOLVED), (S.ON_HOLD, S.CLOSED),
    (S.SOLVED, S.OPEN), (S.SOLVED, S.CLOSED),
}  # fmt: skip


@pytest.fixture
def ticket(customer, queue):
    return services.create_ticket(
        customer=customer, subject="Đơn hàng chưa tới", body="Tôi chưa nhận được hàng", queue=queue
    )


def _ticket_in(status, customer, queue):
    ticket = services.create_ticket(customer=customer, subject="s", body="b", queue=queue)
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    ticket.refresh_from_db()
    return ticket


def test_create_ticket_writes_first_customer_message_and_history(customer, queue):
    ticket = services.create_ticket(
        customer=customer, subject="  Hỏi về bảo hành ", body="Máy hỏng", queue=queue, tags=["VIP"]
    )
    assert ticket.status == S.NEW
    assert ticket.subject == "Hỏi về bảo hành"
    assert ticket.language == customer.language
    assert len(ticket.reference) == 9 and ticket.reference[4] == "-"
    [message] = ticket.messages.all()
    assert (message.kind, message.author_type, message.author_customer) == (
        MessageKind.PUBLIC,
        AuthorType.CUSTOMER,
        customer,
    )
    assert list(ticket.tags.values_list("name", flat=True)) == ["vip"]
    assert ticket.history.count() == 1


def test_create_ticket_takes_queue_default_priority(customer):
    urgent_queue = QueueFactory(code="complaints", default_priority=Priority.HIGH)
    ticket = services.create_ticket(customer=customer, subject="s", body="b", queue=urgent_queue)
    assert ticket.priority == Priority.HIGH


@pytest.mark.parametrize("subject,body,field", [("", "b", "subject"), ("s", "  \x00 ", "body")])
def test_create_ticket_rejects_empty_text_and_saves_nothing(customer, queue, subject, body, field):
    with pytest.raises(TicketError) as err:
        services.create_ticket(customer=customer, subject=subject, body=body, queue=queue)
    assert err.value.code == TicketErrorCode.EMPTY_MESSAGE
    assert err.value.field == field
    assert Ticket.objects.count() == 0


@override_settings(CIM_MESSAGE_MAX_CHARS=10)
def test_create_ticket_rejects_too_long_body(customer, queue):
    with pytest.raises(TicketError) as err:
        services.create_ticket(customer=customer, subject="s", body="x" * 11, queue=queue)
    assert err.value.code == TicketErrorCode.MESSAGE_TOO_LONG
    assert Ticket.objects.count() == 0


def test_create_ticket_rejects_inactive_queue(customer):
    closed = QueueFactory(code="old", is_active=False)
    with pytest.raises(TicketError) as err:
        services.create_ticket(customer=customer, subject="s", body="b", queue=closed)
    assert err.value.field == "queue"


def test_create_ticket_rejects_category_as_reason(customer, queue):
    with pytest.raises(TicketError) as err:
        services.create_ticket(
            customer=customer, subject="s", body="b", queue=queue, reason=ReasonCategoryFactory()
        )
    assert err.value.code == TicketErrorCode.INVALID_REASON
    assert Ticket.objects.count() == 0


def test_create_ticket_same_idempotency_key_returns_same_ticket(customer, queue, agent):
    kwargs = dict(customer=customer, subject="s", body="b", queue=queue, by=agent)
    first = services.create_ticket(**kwargs, idempotency_key="k-1")
    again = services.create_ticket(**kwargs, idempotency_key="k-1")
    other = services.create_ticket(**kwargs, idempotency_key="k-2")
    assert again.pk == first.pk
    assert other.pk != first.pk
    assert Ticket.objects.count() == 2
    assert TicketIdempotencyKey.objects.count() == 2


def test_idempotency_keys_belong_to_their_user(customer, queue, agent, other_agent):
    kwargs = dict(customer=customer, subject="s", body="b", queue=queue, idempotency_key="same")
    mine = services.create_ticket(**kwargs, by=agent)
    theirs = services.create_ticket(**kwargs, by=other_agent)
    assert mine.pk != theirs.pk


@pytest.mark.parametrize("old,new", list(itertools.product(S.values, S.values)))
def test_transition_table(customer, queue, agent, old, new):
    ticket = _ticket_in(old, customer, queue)
    if old == new:
        services.change_status(ticket=ticket, to=new, by=agent)
        assert Ticket.objects.get(pk=ticket.pk).status == old
    elif (old, new) in ALLOWED:
        services.change_status(ticket=ticket, to=new, by=agent)
        assert Ticket.objects.get(pk=ticket.pk).status == new
    else:
        with pytest.raises(TicketError) as err:
            services.change_status(ticket=ticket, to=new, by=agent)
        expected = (
            TicketErrorCode.TICKET_CLOSED if old == S.CLOSED else TicketErrorCode.INVALID_TRANSITION
        )
        assert err.value.code == expected
        assert Ticket.objects.get(pk=ticket.pk).status == old


def test_change_status_rejects_unknown_status(ticket, agent):
    with pytest.raises(TicketError):
        services.change_status(ticket=ticket, to="archived", by=agent)


def test_solve_then_reopen_clears_solved_at_and_records_actor(ticket, agent):
    services.solve_ticket(ticket=ticket, by=agent)
    ticket.refresh_from_db()
    assert ticket.solved_at is not None
    latest = ticket.history.first()
    assert latest.history_user == agent
    services.reopen_ticket(ticket=ticket, by=agent, note="Khách báo lỗi lại")
    ticket.refresh_from_db()
    assert ticket.status == S.OPEN
    assert ticket.solved_at is None
    assert ticket.messages.filter(kind=MessageKind.INTERNAL, body="Khách báo lỗi lại").exists()


def test_reopen_rejects_ticket_that_is_not_solved(ticket, agent):
    with pytest.raises(TicketError) as err:
        services.reopen_ticket(ticket=ticket, by=agent)
    assert err.value.code == TicketErrorCode.INVALID_TRANSITION


def test_close_stamps_closed_and_solved(ticket, agent):
    services.close_ticket(ticket=ticket, by=agent)
    ticket.refresh_from_db()
    assert ticket.closed_at is not None and ticket.solved_at is not None


def test_solving_twice_is_harmless(ticket, agent):
    services.solve_ticket(ticket=ticket, by=agent)
    solved_at = Ticket.objects.get(pk=ticket.pk).solved_at
    services.solve_ticket(ticket=ticket, by=agent)
    assert Ticket.objects.get(pk=ticket.pk).solved_at == solved_at


def test_status_signal_fires_once_per_real_change(ticket, agent):
    from tickets.signals import ticket_status_changed

    seen = []

    def receiver(sender, ticket, old_status, new_status, by, **kwargs):
        seen.append((old_status, new_status, by))

    ticket_status_changed.connect(receiver)
    try:
        services.solve_ticket(ticket=ticket, by=agent)
        services.solve_ticket(ticket=ticket, by=agent)
    finally:
        ticket_status_changed.disconnect(receiver)
    assert seen == [(S.NEW, S.SOLVED, agent)]


def test_first_reply_opens_ticket_stamps_first_response_and_takes_it(ticket, agent):
    services.reply(ticket=ticket, by=agent, body="Chúng tôi đang kiểm tra")
    ticket.refresh_from_db()
    assert ticket.status == S.OPEN
    assert ticket.assignee == agent
    first = ticket.first_responded_at
    assert first is not None
    services.reply(ticket=ticket, by=agent, body="Thêm thông tin")
    ticket.refresh_from_db()
    assert ticket.first_responded_at == first


def test_reply_with_status_pending(ticket, agent):
    services.reply(ticket=ticket, by=agent, body="Cho xin mã đơn hàng", status=S.PENDING)
    assert Ticket.objects.get(pk=ticket.pk).status == S.PENDING


def test_reply_by_someone_outside_the_queue_does_not_take_the_ticket(ticket, other_agent):
    services.reply(ticket=ticket, by=other_agent, body="Trả lời hộ")
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_reply_to_closed_ticket_is_refused(ticket, agent):
    services.close_ticket(ticket=ticket, by=agent)
    with pytest.raises(TicketError) as err:
        services.reply(ticket=ticket, by=agent, body="hi")
    assert err.value.code == TicketErrorCode.TICKET_CLOSED
    assert ticket.messages.count() == 1


def test_internal_note_does_not_count_as_response(ticket, agent):
    services.add_internal_note(ticket=ticket, by=agent, body="Kiểm tra kho")
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None
    assert ticket.status == S.NEW
    assert ticket.messages.filter(kind=MessageKind.INTERNAL).count() == 1


@pytest.mark.parametrize("start", [S.PENDING, S.SOLVED])
def test_customer_message_reopens_waiting_or_solved_ticket(customer, queue, start):
    ticket = _ticket_in(start, customer, queue)
    services.add_customer_message(ticket=ticket, body="Vẫn chưa được")
    assert Ticket.objects.get(pk=ticket.pk).status == S.OPEN


@pytest.mark.parametrize("start", [S.NEW, S.OPEN, S.ON_HOLD])
def test_customer_message_keeps_other_statuses(customer, queue, start):
    ticket = _ticket_in(start, customer, queue)
    services.add_customer_message(ticket=ticket, body="Thêm thông tin")
    assert Ticket.objects.get(pk=ticket.pk).status == start


def test_customer_message_on_closed_ticket_is_refused(customer, queue):
    ticket = _ticket_in(S.CLOSED, customer, queue)
    with pytest.raises(TicketError) as err:
        services.add_customer_message(ticket=ticket, body="hello")
    assert err.value.code == TicketErrorCode.TICKET_CLOSED


def test_assign_to_agent_of_the_queue(ticket, agent, admin_user):
    services.assign_ticket(ticket=ticket, agent=agent, by=admin_user)
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert ticket.history.first().history_user == admin_user
    services.assign_ticket(ticket=ticket, agent=None, by=admin_user)
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_assign_rejects_agent_of_another_queue(ticket, other_agent, admin_user):
    with pytest.raises(TicketError) as err:
        services.assign_ticket(ticket=ticket, agent=other_agent, by=admin_user)
    assert err.value.code == TicketErrorCode.AGENT_NOT_IN_QUEUE
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_assign_rejects_non_staff_and_inactive(ticket, queue, admin_user):
    outsider = AgentFactory(username="outsider", is_staff=False, queues=[queue])
    gone = AgentFactory(username="gone", is_active=False, queues=[queue])
    for user in (outsider, gone):
        with pytest.raises(TicketError) as err:
            services.assign_ticket(ticket=ticket, agent=user, by=admin_user)
        assert err.value.code == TicketErrorCode.NOT_AN_AGENT


def test_move_to_queue_the_assignee_does_not_work_unassigns(ticket, agent, other_queue, admin_user):
    services.assign_ticket(ticket=ticket, agent=agent, by=admin_user)
    services.move_ticket(ticket=ticket, queue=other_queue, by=admin_user)
    ticket.refresh_from_db()
    assert ticket.queue == other_queue
    assert ticket.assignee is None


def test_set_reason_accepts_active_reason_only(ticket, agent):
    reason = ReasonFactory()
    services.set_reason(ticket=ticket, reason=reason, by=agent)
    assert Ticket.objects.get(pk=ticket.pk).reason == reason
    retired = ReasonFactory(is_active=False)
    with pytest.raises(TicketError):
        services.set_reason(ticket=ticket, reason=retired, by=agent)
    assert Ticket.objects.get(pk=ticket.pk).reason == reason


def test_set_priority_rejects_unknown(ticket, agent):
    services.set_priority(ticket=ticket, priority=Priority.URGENT, by=agent)
    assert Ticket.objects.get(pk=ticket.pk).priority == Priority.URGENT
    with pytest.raises(TicketError):
        services.set_priority(ticket=ticket, priority=9, by=agent)


def test_tags_are_normalised_and_removable(ticket, agent):
    services.add_tag(ticket=ticket, name="Giao Hàng Chậm", by=agent)
    services.add_tag(ticket=ticket, name="giao-hàng-chậm", by=agent)
    assert list(ticket.tags.values_list("name", flat=True)) == ["giao-hàng-chậm"]
    services.remove_tag(ticket=ticket, name="Giao hàng chậm", by=agent)
    assert ticket.tags.count() == 0
    with pytest.raises(TicketError):
        services.add_tag(ticket=ticket, name="!!!", by=agent)


def test_attachment_is_stored_with_hash(ticket, agent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("hoa-don.pdf", b"%PDF-1.4 demo", content_type="application/pdf")
    message = services.reply(ticket=ticket, by=agent, body="Hóa đơn", attachments=[upload])
    [attachment] = message.attachments.all()
    assert attachment.filename == "hoa-don.pdf"
    assert attachment.size == len(b"%PDF-1.4 demo")
    assert attachment.sha256 == hashlib.sha256(b"%PDF-1.4 demo").hexdigest()
    assert attachment.content_type == "application/pdf"
    assert "hoa-don" not in attachment.file.name  # stored under a random name


@pytest.mark.parametrize(
    "name,content,code",
    [
        ("virus.exe", b"MZ", TicketErrorCode.ATTACHMENT_TYPE),
        ("big.pdf", b"x" * 2048, TicketErrorCode.ATTACHMENT_TOO_LARGE),
    ],
)
def test_bad_attachment_rejects_whole_reply(ticket, agent, settings, tmp_path, name, content, code):
    settings.MEDIA_ROOT = tmp_path
    settings.CIM_ATTACHMENT_MAX_BYTES = 1024
    upload = SimpleUploadedFile(name, content)
    with pytest.raises(TicketError) as err:
        services.reply(ticket=ticket, by=agent, body="file", attachments=[upload])
    assert err.value.code == code
    assert TicketMessage.objects.filter(ticket=ticket).count() == 1
    assert Ticket.objects.get(pk=ticket.pk).status == S.NEW


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_idempotency_key_make_one_ticket():
    queue = QueueFactory(code="idem", auto_assign=False)
    agent = AgentFactory(username="integration", queues=[queue])
    customer = CustomerFactory()
    barrier = threading.Barrier(4)
    made = []

    def work(i):
        barrier.wait()
        ticket = services.create_ticket(
            customer=customer, subject="s", body="b", queue=queue, by=agent, idempotency_key="k"
        )
        made.append(ticket.pk)

    in_threads(4, work)
    assert len(set(made)) == 1 and len(made) == 4
    assert Ticket.objects.filter(queue=queue).count() == 1
