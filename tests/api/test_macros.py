"""The macros API: the list an agent may use, upkeep by owner or lead, applying to a ticket."""

import pytest

from tests.factories import AgentFactory
from tickets import services
from tickets.models import AgentSignature, Macro, MacroVisibility, Priority, TicketStatus

pytestmark = pytest.mark.django_db

LIST = "/api/v1/macros/"


def apply_url(ticket):
    return f"/api/v1/tickets/{ticket.pk}/apply-macro/"


def macro(**fields):
    values = {"name_vi": "Chào", "visibility": MacroVisibility.EVERYONE}
    values.update(fields)
    return Macro.objects.create(**values)


def test_list_shows_only_usable_macros_with_usage_most_used_first(
    api, agent, other_agent, queue, other_queue, django_assert_max_num_queries
):
    everyone = macro(name_vi="Chung", usage_count=1)
    mine = macro(visibility=MacroVisibility.PERSONAL, owner=agent, name_vi="Riêng", usage_count=5)
    macro(visibility=MacroVisibility.PERSONAL, owner=other_agent)
    macro(visibility=MacroVisibility.QUEUE, queue=other_queue)
    for n in range(5):
        macro(visibility=MacroVisibility.QUEUE, queue=queue, name_vi=f"Hàng {n}")
    client = api(agent)
    with django_assert_max_num_queries(6):
        response = client.get(LIST)
    assert response.status_code == 200
    ids = [row["id"] for row in response.json()]
    assert ids[0] == mine.pk and everyone.pk in ids and len(ids) == 7
    assert response.json()[0]["usage_count"] == 5


def test_create_personal_and_refuse_bad_placeholder_or_global(api, agent):
    client = api(agent)
    ok = client.post(
        LIST, {"name_vi": "Cảm ơn", "reply_vi": "Cảm ơn {{ customer.name }}"}, format="json"
    )
    assert ok.status_code == 201, ok.json()
    assert Macro.objects.get(pk=ok.json()["id"]).owner == agent
    bad = client.post(LIST, {"name_vi": "Sai", "reply_vi": "{{ customer.email }}"}, format="json")
    assert bad.status_code == 400
    assert "reply_vi" in bad.json()["fields"]
    glob = client.post(LIST, {"name_vi": "Chung", "visibility": "everyone"}, format="json")
    assert glob.status_code == 403
    assert not Macro.objects.filter(name_vi__in=["Sai", "Chung"]).exists()


def test_patch_and_delete_by_owner_or_lead_only(api, agent, queue, supervisor):
    colleague = AgentFactory(queues=[queue])
    own = macro(visibility=MacroVisibility.PERSONAL, owner=agent)
    shared = macro(visibility=MacroVisibility.QUEUE, queue=queue)
    client = api(agent)
    assert client.patch(f"{LIST}{own.pk}/", {"name_vi": "Mới"}, format="json").status_code == 200
    assert client.patch(f"{LIST}{shared.pk}/", {"name_vi": "X"}, format="json").status_code == 403
    # Another agent's personal macro is not even visible.
    assert api(colleague).delete(f"{LIST}{own.pk}/").status_code == 404
    queue.lead = colleague
    queue.save()
    assert (
        api(colleague).patch(f"{LIST}{shared.pk}/", {"name_vi": "Y"}, format="json").status_code
        == 200
    )
    assert client.delete(f"{LIST}{own.pk}/").status_code == 204
    assert api(supervisor).delete(f"{LIST}{shared.pk}/").status_code == 204


def test_apply_returns_ticket_reply_and_sent(api, agent, make_ticket):
    ticket = make_ticket()
    AgentSignature.objects.create(user=agent, signature_vi="Lan")
    m = macro(reply_vi="Mã {{ ticket.reference }}", set_priority=Priority.HIGH)
    response = api(agent).post(apply_url(ticket), {"macro": m.pk}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["reply"] == f"Mã {ticket.reference}"
    assert body["sent"] is False
    assert body["ticket"]["priority"] == Priority.HIGH
    sent = api(agent).post(apply_url(ticket), {"macro": m.pk, "send": True}, format="json")
    assert sent.json()["sent"] is True
    assert ticket.messages.last().body == f"Mã {ticket.reference}\n\nLan"


def test_apply_404_for_unseen_ticket_or_macro(api, agent, other_agent, make_ticket):
    ticket = make_ticket()
    m = macro()
    assert (
        api(other_agent).post(apply_url(ticket), {"macro": m.pk}, format="json").status_code == 404
    )
    hidden = macro(visibility=MacroVisibility.PERSONAL, owner=other_agent)
    assert (
        api(agent).post(apply_url(ticket), {"macro": hidden.pk}, format="json").status_code == 404
    )
    assert api(agent).post(apply_url(ticket), {"macro": 999999}, format="json").status_code == 404
    assert api(agent).post(apply_url(ticket), {"macro": "x"}, format="json").status_code == 400


def test_apply_409_on_forbidden_transition_changes_nothing(api, agent, make_ticket):
    ticket = make_ticket()
    services.close_ticket(ticket=ticket, by=agent)
    m = macro(set_status=TicketStatus.SOLVED, set_priority=Priority.URGENT)
    response = api(agent).post(apply_url(ticket), {"macro": m.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "ticket_closed"
    ticket.refresh_from_db()
    assert ticket.priority != Priority.URGENT


def test_apply_403_when_macro_moves_to_an_unseen_queue(api, agent, other_queue, make_ticket):
    ticket = make_ticket()
    m = macro(set_queue=other_queue)
    response = api(agent).post(apply_url(ticket), {"macro": m.pk}, format="json")
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.queue != other_queue


def test_schema_documents_macros(api, supervisor):
    schema = (
        api(supervisor).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    )
    assert "/api/v1/macros/" in schema["paths"]
    apply = schema["paths"]["/api/v1/tickets/{id}/apply-macro/"]["post"]
    assert {"200", "404", "409"} <= set(apply["responses"])
