"""Channels, journey records and the outbound queue in the staff UI."""

from django.contrib.messages import get_messages
from django.contrib.messages.constants import SUCCESS, WARNING
from django.urls import reverse

from channels.models import OutboundMessage, OutboundStatus
from customers.models import ChannelKind

OUTBOUND = reverse("admin:channels_outboundmessage_changelist")


def outbound(status, **fields):
    return OutboundMessage.objects.create(
        kind=ChannelKind.EMAIL, to_address="lan@example.vn", body="x", status=status, **fields
    )


def test_retry_puts_failed_messages_back_in_the_queue(superuser_client):
    failed = outbound(OutboundStatus.FAILED, attempts=5, last_error="smtp down")
    response = superuser_client.post(
        OUTBOUND, {"action": "retry", "_selected_action": [failed.pk]}, follow=True
    )
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboundStatus.QUEUED, 0)
    levels = [m.level for m in get_messages(response.wsgi_request)]
    assert levels == [SUCCESS]


def test_retry_of_a_sent_message_warns_and_changes_nothing(superuser_client):
    sent = outbound(OutboundStatus.SENT, attempts=1)
    response = superuser_client.post(
        OUTBOUND, {"action": "retry", "_selected_action": [sent.pk]}, follow=True
    )
    assert response.status_code == 200
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == (OutboundStatus.SENT, 1)
    assert [m.level for m in get_messages(response.wsgi_request)] == [WARNING]


def test_outbound_messages_are_read_only(superuser_client):
    message = outbound(OutboundStatus.FAILED)
    url = reverse("admin:channels_outboundmessage_change", args=[message.pk])
    response = superuser_client.get(url)
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert superuser_client.get(reverse("admin:channels_outboundmessage_add")).status_code == 403


def test_outbound_changelist_filters_by_status(superuser_client):
    failed = outbound(OutboundStatus.FAILED)
    outbound(OutboundStatus.SENT)
    response = superuser_client.get(OUTBOUND, {"status__exact": "failed"})
    assert list(response.context["cl"].result_list) == [failed]


def test_agent_can_read_interactions_but_not_outbound(client, agent_in_group, full_data):
    client.force_login(agent_in_group)
    interaction = full_data["interaction"]
    url = reverse("admin:channels_interaction_change", args=[interaction.pk])
    assert client.get(url).status_code == 200
    assert client.get(OUTBOUND).status_code == 403
