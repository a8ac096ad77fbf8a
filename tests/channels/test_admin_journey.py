"""The staff side: walk-ins recorded by hand, the journey on the customer page, interactions on
the ticket page, failed input processed again, replies through another identity."""

import pytest
from django.utils import timezone

from channels.email_intake import receive_email
from channels.models import (
    ActionKind,
    InboundMessage,
    InboundStatus,
    Interaction,
    OutboundMessage,
)
from customers.models import ChannelKind, CustomerIdentity
from tests.channels.conftest import eml, process_waiting
from tests.factories import ChannelFactory, ReasonFactory
from tickets import services as ticket_services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


def test_walk_in_is_recorded_by_hand_with_reason_and_outcome(staff, customer, queue, admin_user):
    shop = ChannelFactory(code="shop", kind=ChannelKind.WALK_IN, default_queue=queue)
    reason = ReasonFactory()
    response = staff.post(
        "/admin/channels/interaction/add/",
        {
            "customer": customer.pk,
            "channel": shop.pk,
            "direction": "inbound",
            "reason": reason.pk,
            "outcome": "resolved",
            "started_at_0": timezone.localdate().isoformat(),
            "started_at_1": "10:00:00",
            "note": "Came to the shop to change a SIM.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    interaction = Interaction.objects.get()
    assert (interaction.reason, interaction.outcome, interaction.agent) == (
        reason,
        "resolved",
        admin_user,
    )
    assert interaction.actions.get().kind == ActionKind.AGENT
    assert interaction.events.count() == 1


def test_walk_in_refuses_a_category_as_reason(staff, customer, queue):
    shop = ChannelFactory(code="shop", kind=ChannelKind.WALK_IN, default_queue=queue)
    category = ReasonFactory().parent
    response = staff.post(
        "/admin/channels/interaction/add/",
        {
            "customer": customer.pk,
            "channel": shop.pk,
            "direction": "inbound",
            "reason": category.pk,
            "outcome": "",
            "started_at_0": "2026-11-02",
            "started_at_1": "10:00:00",
        },
    )
    assert response.status_code == 200  # the form comes back with the error
    assert not Interaction.objects.exists()


def test_customer_page_shows_the_journey_newest_first(
    staff, email_channel, django_assert_max_num_queries
):
    for n in range(3):
        receive_email(
            channel=email_channel,
            raw=f"From: lan@example.vn\r\nSubject: s{n}\r\nMessage-ID: <cj{n}@x>\r\n"
            f"Date: Tue, 0{n + 3} Nov 2026 09:00:00 +0700\r\n\r\nhi\r\n".encode(),
        )
    process_waiting()
    ticket = Ticket.objects.order_by("created_at").first()
    page = staff.get(f"/admin/customers/customer/{ticket.customer_id}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="interactions-group"' in html  # the journey inline
    html = html[html.index('id="interactions-group"') :]
    references = [t.reference for t in Ticket.objects.order_by("-created_at")]
    positions = [html.index(ref) for ref in references]
    assert positions == sorted(positions)


def test_ticket_page_shows_its_interactions(staff, email_channel):
    receive_email(channel=email_channel, raw=eml("plain_utf8_qp.eml"))
    process_waiting()
    ticket = Ticket.objects.get()
    page = staff.get(f"/admin/tickets/ticket/{ticket.pk}/change/")
    assert page.status_code == 200
    assert 'class="module cim-interactions"' in page.content.decode()
    assert "Support mail" in page.content.decode()


def test_failed_input_is_listed_and_processed_again_from_the_admin(
    staff, email_channel, django_capture_on_commit_callbacks
):
    inbound, _ = receive_email(
        channel=email_channel,
        raw=b"From: a@example.vn\r\nSubject: x\r\nMessage-ID: <f@x>\r\n\r\nhi",
    )
    InboundMessage.objects.filter(pk=inbound.pk).update(status=InboundStatus.FAILED, error="boom")
    listing = staff.get("/admin/channels/inboundmessage/?status=failed")
    assert b"boom" in listing.content
    assert staff.get(f"/admin/channels/inboundmessage/{inbound.pk}/change/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            "/admin/channels/inboundmessage/",
            {"action": "process_again", "_selected_action": [inbound.pk]},
        )
    assert InboundMessage.objects.get(pk=inbound.pk).status == InboundStatus.PROCESSED


def test_reply_from_the_ticket_page_can_go_through_another_identity(
    staff, email_channel, zalo_channel, admin_user
):
    receive_email(channel=email_channel, raw=eml("plain_utf8_qp.eml"))
    process_waiting()
    ticket = Ticket.objects.get()
    zalo = CustomerIdentity.objects.create(
        customer=ticket.customer, kind=ChannelKind.ZALO, address="zalo-an"
    )
    OutboundMessage.objects.all().delete()
    response = staff.post(
        f"/admin/tickets/ticket/{ticket.pk}/change/",
        {
            "status": "open",
            "priority": ticket.priority,
            "queue": ticket.queue_id,
            "reply_kind": "public",
            "reply_via": zalo.pk,
            "reply_body": "Đã gửi qua Zalo.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    outbound = OutboundMessage.objects.get()
    assert (outbound.kind, outbound.to_address) == (ChannelKind.ZALO, "zalo-an")
    ticket_services.reply(ticket=ticket, by=admin_user, body="Default route")
    assert OutboundMessage.objects.latest("pk").kind == ChannelKind.EMAIL


def test_chat_session_and_inbound_pages_render(staff, queue):
    from tests.channels.data import make_channel_rows

    rows = make_channel_rows(queue=queue)
    for url in (
        "/admin/channels/chatsession/",
        f"/admin/channels/chatsession/{rows['chat_session'].pk}/change/",
        "/admin/channels/inboundmessage/",
        f"/admin/channels/inboundmessage/{rows['inbound'].pk}/change/",
    ):
        assert staff.get(url).status_code == 200, url
