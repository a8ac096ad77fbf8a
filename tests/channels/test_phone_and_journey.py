"""Phone/IVR events from a PBX, bulk events, and the journey read back through the API."""

import hashlib
import hmac
import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from channels.models import ActionKind, Event, InboundMessage, Interaction, Outcome
from customers.models import ChannelKind
from tests.channels.conftest import process_waiting
from tests.factories import ChannelFactory, ReasonFactory

pytestmark = pytest.mark.django_db

CALL = {
    "call_id": "call-777",
    "from": "0912 345 678",
    "events": [
        {"type": "ivr_start", "at": "2026-11-02T09:00:00+07:00"},
        {"type": "key_press", "key": "2", "at": "2026-11-02T09:00:05+07:00"},
        {"type": "key_press", "key": "1", "at": "2026-11-02T09:00:09+07:00"},
        {"type": "key_press", "key": "3", "at": "2026-11-02T09:00:15+07:00"},
        {"type": "queue_enter", "queue": "cancel", "at": "2026-11-02T09:00:16+07:00"},
        {"type": "agent_answer", "agent": "agent", "at": "2026-11-02T09:01:00+07:00"},
    ],
    "ended_at": "2026-11-02T09:06:00+07:00",
    "outcome": "retained",
}


def _post(client, channel, payload, secret="pbx-secret"):  # noqa: S107 - test secret
    body = json.dumps(payload).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        reverse("hooks:phone", args=[channel.code]),
        data=body,
        content_type="application/json",
        HTTP_X_CIM_SIGNATURE=f"sha256={signature}",
    )


def test_the_design_example_is_3_events_2_actions_1_interaction(client, phone_channel, agent):
    response = _post(client, phone_channel, CALL)
    assert response.status_code == 202
    process_waiting()
    interaction = Interaction.objects.get()
    assert interaction.external_id == "call-777"
    assert interaction.customer.phone == "+84912345678"
    assert interaction.events.count() == 3
    assert interaction.actions.count() == 2
    ivr, talk = interaction.actions.order_by("started_at")
    assert (ivr.kind, talk.kind) == (ActionKind.IVR, ActionKind.AGENT)
    assert talk.agent == agent and interaction.agent == agent
    assert [e.data["key"] for e in interaction.events.order_by("occurred_at")] == ["2", "1", "3"]
    assert interaction.outcome == Outcome.RETAINED
    assert interaction.ended_at is not None


def test_posting_the_same_call_again_or_live_then_whole_changes_nothing(client, phone_channel):
    live = {**CALL, "events": CALL["events"][:3], "ended_at": None}
    _post(client, phone_channel, live)
    _post(client, phone_channel, CALL)
    _post(client, phone_channel, CALL)
    process_waiting()
    interaction = Interaction.objects.get()
    assert (interaction.events.count(), interaction.actions.count()) == (3, 2)


def test_events_processed_out_of_order_give_the_same_journey(client, phone_channel):
    shuffled = {**CALL, "events": list(reversed(CALL["events"]))}
    _post(client, phone_channel, shuffled)
    process_waiting()
    interaction = Interaction.objects.get()
    assert (interaction.events.count(), interaction.actions.count()) == (3, 2)


def test_hanging_up_in_the_queue_is_an_abandoned_call(client, phone_channel):
    call = {
        "call_id": "call-abandon",
        "from": "0987654321",
        "events": [
            {"type": "key_press", "key": "9", "at": "2026-11-02T10:00:00+07:00"},
            {"type": "queue_enter", "at": "2026-11-02T10:00:05+07:00"},
            {"type": "hangup", "at": "2026-11-02T10:03:00+07:00"},
        ],
    }
    _post(client, phone_channel, call)
    process_waiting()
    interaction = Interaction.objects.get()
    assert interaction.outcome == Outcome.ABANDONED
    waiting = interaction.actions.get(kind=ActionKind.QUEUE)
    assert waiting.outcome == Outcome.ABANDONED and waiting.agent is None


@pytest.mark.parametrize(
    ("secret", "status"),
    [("wrong-secret", 403)],
)
def test_pbx_with_a_bad_signature_stores_nothing(client, phone_channel, secret, status):
    assert _post(client, phone_channel, CALL, secret=secret).status_code == status
    assert not InboundMessage.objects.exists()


def test_pbx_garbage_is_a_400_not_a_500(client, phone_channel):
    for payload in (
        {"call_id": "x"},
        {"calls": "nope"},
        [1, 2],
        {"call_id": "c", "from": "1", "events": [{"no": "type"}]},
    ):
        assert _post(client, phone_channel, payload).status_code == 400
    assert not InboundMessage.objects.exists()


def test_an_anonymous_caller_is_stored_as_failed_with_the_reason(client, phone_channel):
    _post(client, phone_channel, {**CALL, "call_id": "anon", "from": "anonymous"})
    assert set(process_waiting()) == {"failed"}
    assert "anonymous" in InboundMessage.objects.first().error


# --- API: journey, interactions, events ---------------------------------------------------------


@pytest.fixture
def api(supervisor):
    api = APIClient()
    api.force_authenticate(supervisor)
    return api


def test_bulk_events_from_a_web_tracker(api, queue):
    site = ChannelFactory(code="website", kind=ChannelKind.WEB_FORM, default_queue=queue)
    events = [
        {
            "id": f"pv-{n}",
            "channel": site.code,
            "interaction": "visit-1",
            "customer": {"kind": "email", "address": "lan@example.vn"},
            "type": "page_view",
            "action": "web",
            "data": {"path": f"/help/{n}"},
        }
        for n in range(3)
    ]
    response = api.post("/api/v1/events/bulk/", {"events": events}, format="json")
    assert response.status_code == 202, response.json()
    assert response.json() == {"accepted": 3, "duplicates": 0}
    again = api.post("/api/v1/events/bulk/", {"events": events}, format="json")
    assert again.json() == {"accepted": 0, "duplicates": 3}
    process_waiting()
    interaction = Interaction.objects.get(channel=site)
    assert (interaction.actions.count(), interaction.events.count()) == (1, 3)
    listed = api.get("/api/v1/events/", {"interaction": interaction.pk})
    assert len(listed.json()["results"]) == 3


@pytest.mark.parametrize(
    "bad",
    [
        {"events": []},
        {"events": [{"channel": "website"}]},
        {
            "events": [
                {
                    "channel": "nope",
                    "interaction": "v",
                    "type": "x",
                    "customer": {"kind": "email", "address": "a@b.vn"},
                }
            ]
        },
        {
            "events": [
                {
                    "channel": "website",
                    "interaction": "v",
                    "type": "x",
                    "action": "??",
                    "customer": {"kind": "email", "address": "a@b.vn"},
                }
            ]
        },
    ],
)
def test_bulk_events_refuse_bad_input_with_400(api, queue, bad):
    ChannelFactory(code="website", kind=ChannelKind.WEB_FORM, default_queue=queue)
    response = api.post("/api/v1/events/bulk/", bad, format="json")
    assert response.status_code == 400
    assert not InboundMessage.objects.exists()


def test_journey_lists_every_channel_newest_first_in_constant_queries(
    api, client, phone_channel, email_channel, django_assert_max_num_queries
):
    from channels.email_intake import receive_email

    _post(client, phone_channel, CALL)
    process_waiting()
    customer = Interaction.objects.get().customer
    from customers.services import add_identity

    add_identity(customer=customer, kind=ChannelKind.EMAIL, address="caller@example.vn")
    for n in range(3):
        receive_email(
            channel=email_channel,
            raw=f"From: caller@example.vn\r\nSubject: s{n}\r\nMessage-ID: <j{n}@x>\r\n"
            f"Date: Tue, 0{n + 3} Nov 2026 09:00:00 +0700\r\n\r\nhello {n}\r\n".encode(),
        )
    process_waiting()
    with django_assert_max_num_queries(8):
        response = api.get(f"/api/v1/customers/{customer.pk}/journey/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["channel_kind"] for r in rows] == ["email", "email", "email", "phone"]
    assert rows[-1]["action_count"] == 2 and rows[-1]["event_count"] == 3
    assert api.get("/api/v1/customers/999999/journey/").status_code == 404
    assert api.get("/api/v1/customers/abc/journey/").status_code == 404


def test_agent_sets_the_reason_of_a_call_afterwards(api, client, phone_channel):
    _post(client, phone_channel, CALL)
    process_waiting()
    interaction = Interaction.objects.get()
    reason = ReasonFactory(code="cancel-request")
    response = api.patch(
        f"/api/v1/interactions/{interaction.pk}/",
        {"reason": "cancel-request", "note": "Offered a discount"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    interaction.refresh_from_db()
    assert interaction.reason == reason and interaction.note == "Offered a discount"
    category = reason.parent
    refused = api.patch(
        f"/api/v1/interactions/{interaction.pk}/", {"reason": category.code}, format="json"
    )
    assert refused.status_code == 400


def test_agents_do_not_see_events_of_other_queues(client, phone_channel, other_agent):
    from tickets import services as ticket_services

    _post(client, phone_channel, CALL)
    process_waiting()
    interaction = Interaction.objects.get()
    ticket = ticket_services.create_ticket(
        customer=interaction.customer, subject="s", body="b", queue=phone_channel.default_queue
    )
    Interaction.objects.update(ticket=ticket)
    api = APIClient()
    api.force_authenticate(other_agent)
    assert api.get("/api/v1/events/").json()["results"] == []
    assert Event.objects.count() == 3
