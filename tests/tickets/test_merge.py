import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from channels.models import Interaction
from feedback.models import InvitationStatus, SkipReason, SurveyInvitation
from tests.concurrency import postgres_only
from tests.factories import AgentFactory, ChannelFactory, CustomerFactory
from tickets import relations, services
from tickets.errors import TicketError, TicketErrorCode
from tickets.links import status_url
from tickets.models import (
    Attachment,
    AuthorType,
    LinkKind,
    MessageKind,
    Ticket,
    TicketLink,
    TicketMessage,
    TicketStatus,
)


def _ticket(customer, queue, subject="s", tags=()):
    return services.create_ticket(
        customer=customer, subject=subject, body=f"body of {subject}", queue=queue, tags=tags
    )


@pytest.fixture
def pair(customer, queue):
    return _ticket(customer, queue, "target", tags=["a"]), _ticket(customer, queue, "dup", ["b"])


def test_merge_moves_messages_attachments_tags_and_journey(pair, agent, customer):
    target, source = pair
    upload = SimpleUploadedFile("note.txt", b"hello", content_type="text/plain")
    note = services.add_customer_message(ticket=source, body="with file", attachments=[upload])
    channel = ChannelFactory()
    interaction = Interaction.objects.create(customer=customer, ticket=source, channel=channel)

    result = relations.merge_tickets(target=target, sources=[source], by=agent)

    assert result.messages_moved == 2
    assert TicketMessage.objects.get(pk=note.pk).ticket_id == target.pk
    assert Attachment.objects.select_related("message").get().message.ticket_id == target.pk
    assert set(target.tags.values_list("name", flat=True)) == {"a", "b"}
    interaction.refresh_from_db()
    assert interaction.ticket_id == target.pk
    source.refresh_from_db()
    assert source.merged_into_id == target.pk
    assert source.status == TicketStatus.CLOSED
    # Each side says what happened, in its thread and in its history.
    assert target.reference in source.messages.get().body
    assert source.messages.get().kind == MessageKind.INTERNAL
    assert target.messages.filter(author_type=AuthorType.SYSTEM).count() == 1
    assert source.history.first().history_change_reason == f"merged into {target.reference}"
    assert target.history.first().history_change_reason == f"merged {source.reference}"


def test_merge_cancels_open_surveys_and_sla_of_the_sources(pair, agent):
    target, source = pair
    Ticket.objects.filter(pk=source.pk).update(
        first_response_due_at="2030-01-01T00:00Z",
        resolution_due_at="2030-01-02T00:00Z",
        sla_next_check_at="2029-12-31T00:00Z",
    )
    invitation = SurveyInvitation.objects.create(
        kind="csat", customer=source.customer, ticket=source, status=InvitationStatus.SCHEDULED
    )
    relations.merge_tickets(target=target, sources=[source], by=agent)
    source.refresh_from_db()
    assert source.first_response_due_at is None
    assert source.resolution_due_at is None
    assert source.sla_next_check_at is None
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.CANCELLED
    assert invitation.skip_reason == SkipReason.MERGED_OR_SPAM


def test_merge_of_another_customers_ticket_needs_confirmation(customer, queue, agent):
    target = _ticket(customer, queue, "mine")
    other = _ticket(CustomerFactory(), queue, "theirs")
    with pytest.raises(TicketError) as caught:
        relations.merge_tickets(target=target, sources=[other], by=agent)
    assert caught.value.code == TicketErrorCode.MERGE_OTHER_CUSTOMER
    assert Ticket.objects.get(pk=other.pk).merged_into_id is None
    relations.merge_tickets(target=target, sources=[other], by=agent, allow_other_customers=True)
    assert Ticket.objects.get(pk=other.pk).merged_into_id == target.pk


def test_merge_refused_for_an_agent_without_all_the_queues(customer, queue, other_queue, agent):
    target = _ticket(customer, queue, "here")
    elsewhere = _ticket(customer, other_queue, "there")
    with pytest.raises(TicketError) as caught:
        relations.merge_tickets(target=target, sources=[elsewhere], by=agent)
    assert caught.value.code == TicketErrorCode.MERGE_FORBIDDEN
    assert TicketMessage.objects.filter(ticket=elsewhere).count() == 1


def test_nothing_half_merged_when_one_source_is_refused(customer, queue, agent):
    target = _ticket(customer, queue, "t")
    good = _ticket(customer, queue, "good")
    closed = _ticket(customer, queue, "closed")
    services.close_ticket(ticket=closed, by=agent)
    with pytest.raises(TicketError) as caught:
        relations.merge_tickets(target=target, sources=[good, closed], by=agent)
    assert caught.value.code == TicketErrorCode.TICKET_CLOSED
    good.refresh_from_db()
    assert good.merged_into_id is None and good.status == TicketStatus.NEW
    assert good.messages.count() == 1
    assert target.messages.count() == 1


@pytest.mark.parametrize("case", ["self", "empty", "merged_target", "merged_source"])
def test_merge_refuses_bad_input(pair, agent, customer, queue, case):
    target, source = pair
    if case == "self":
        args = {"target": target, "sources": [target]}
    elif case == "empty":
        args = {"target": target, "sources": []}
    else:
        third = _ticket(customer, queue, "third")
        relations.merge_tickets(target=third, sources=[source], by=agent)
        source.refresh_from_db()
        args = (
            {"target": source, "sources": [target]}
            if case == "merged_target"
            else {"target": target, "sources": [source]}
        )
    with pytest.raises(TicketError):
        relations.merge_tickets(by=agent, **args)


def test_merge_of_many_tickets_keeps_the_history_reason_in_its_column(customer, queue, agent):
    target = _ticket(customer, queue, "t")
    sources = [_ticket(customer, queue, f"s{i}") for i in range(12)]
    result = relations.merge_tickets(target=target, sources=sources, by=agent)
    assert len(result.merged) == 12 and result.messages_moved == 12
    assert len(target.history.first().history_change_reason) <= 100


def test_merge_can_tell_the_customer_through_the_reply_service(pair, agent):
    target, source = pair
    relations.merge_tickets(target=target, sources=[source], by=agent, notify_customer=True)
    public = target.messages.filter(kind=MessageKind.PUBLIC, author_type=AuthorType.AGENT).get()
    assert source.reference in public.body and target.reference in public.body


def test_merged_reference_points_to_the_target(pair, agent, client, admin_user):
    target, source = pair
    relations.merge_tickets(target=target, sources=[source], by=agent)
    client.force_login(admin_user)
    page = client.get(reverse("admin:tickets_ticket_change", args=[source.pk]))
    assert page.status_code == 302
    assert page["Location"] == reverse("admin:tickets_ticket_change", args=[target.pk])
    status_page = client.get(status_url(source, absolute=False))
    assert status_page.status_code == 302
    assert status_page["Location"] == status_url(target, absolute=False)
    api = client.get(f"/api/v1/tickets/{source.pk}/")
    assert api.json()["merged_into"] == {"id": target.pk, "reference": target.reference}


def test_find_by_reference_takes_a_prefix_without_dash(pair, agent):
    target, _source = pair
    found = relations.find_by_reference(user=agent, text=target.reference.replace("-", "")[:6])
    assert found == target
    with pytest.raises(TicketError):
        relations.find_by_reference(user=agent, text="ZZ")


def test_link_is_symmetric_audited_and_unlinkable(pair, agent):
    target, source = pair
    link = relations.link_tickets(ticket=source, other=target, by=agent, kind=LinkKind.DUPLICATE)
    views = [relations.link_view(x, target) for x in relations.links_of(target)]
    assert [(v["other"], v["kind"], v["outgoing"]) for v in views] == [(source, "duplicate", False)]
    views = [relations.link_view(x, source) for x in relations.links_of(source)]
    assert [(v["other"], v["kind"], v["outgoing"]) for v in views] == [(target, "duplicate", True)]
    # Linking again from the other side replaces the link, never a second row.
    relations.link_tickets(ticket=target, other=source, by=agent, kind=LinkKind.RELATED)
    assert TicketLink.objects.count() == 1
    assert source.history.first().history_change_reason.startswith("linked from")
    relations.unlink_tickets(link=TicketLink.objects.get(), by=agent)
    relations.unlink_tickets(link=link, by=agent)  # again: nothing to do, no error
    assert not TicketLink.objects.exists()
    with pytest.raises(TicketError):
        relations.link_tickets(ticket=target, other=target, by=agent)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_crossed_merges_do_not_deadlock(customer, queue):
    agent = AgentFactory(username="racer", queues=[queue])
    a, b, c = (_ticket(customer, queue, n) for n in "abc")
    barrier = threading.Barrier(2)
    outcomes = []

    def work(i):
        from django.db import connections

        try:
            barrier.wait()
            target, sources = ((a, [b, c]), (c, [b, a]))[i]
            relations.merge_tickets(target=target, sources=sources, by=agent)
            outcomes.append("merged")
        except TicketError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # One wins; the other sees merged tickets under its locks and refuses cleanly.
    assert sorted(map(str, outcomes)) == ["merge_invalid", "merged"]
    merged = Ticket.objects.filter(merged_into__isnull=False).count()
    assert merged == 2


# --- admin ------------------------------------------------------------------------------------


@pytest.fixture
def agent_client(client, agent, other_agent):
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    importlib.import_module("cim_site.migrations.0001_groups").create_groups(apps, None)
    for user in (agent, other_agent):
        user.groups.add(Group.objects.get(name="Agent"))
    client.force_login(agent)
    return client


def test_bulk_merge_shows_what_moves_then_merges(agent_client, customer, queue):
    keep, dup, other = (_ticket(customer, queue, n) for n in ("keep", "dup", "other"))
    stranger = _ticket(CustomerFactory(name="Khách khác"), queue, "stranger")
    url = reverse("admin:tickets_ticket_changelist")
    chosen = {"action": "merge_action", "_selected_action": [keep.pk, dup.pk, other.pk]}
    page = agent_client.post(url, chosen)
    assert page.status_code == 200
    text = page.content.decode()
    assert dup.reference in text and 'name="cim_merge_confirm"' in text
    assert 'name="allow_other_customers"' not in text
    done = agent_client.post(url, {**chosen, "cim_merge_confirm": "1", "target": keep.pk})
    assert done.status_code == 302
    assert set(Ticket.objects.filter(merged_into=keep).values_list("pk", flat=True)) == {
        dup.pk,
        other.pk,
    }
    # Two customers: the page asks for the confirmation; without it nothing happens.
    mixed = {"action": "merge_action", "_selected_action": [keep.pk, stranger.pk]}
    assert 'name="allow_other_customers"' in agent_client.post(url, mixed).content.decode()
    agent_client.post(url, {**mixed, "cim_merge_confirm": "1", "target": keep.pk})
    assert Ticket.objects.get(pk=stranger.pk).merged_into_id is None


def test_ticket_page_merge_into_and_link_by_reference(agent_client, customer, queue, other_queue):
    keep, dup, rel = (_ticket(customer, queue, n) for n in ("keep", "dup", "rel"))
    hidden = _ticket(customer, other_queue, "hidden")
    link_url = reverse("admin:tickets_ticket_link", args=[keep.pk])
    agent_client.post(link_url, {"reference": rel.reference, "kind": "caused_by"})
    assert TicketLink.objects.filter(from_ticket=keep, to_ticket=rel, kind="caused_by").exists()
    page = agent_client.get(reverse("admin:tickets_ticket_change", args=[rel.pk]))
    assert keep.reference in page.content.decode()
    # Another queue's ticket is not found by reference, and its pages are 404 for this agent.
    agent_client.post(link_url, {"reference": hidden.reference})
    assert TicketLink.objects.count() == 1
    assert (
        agent_client.post(reverse("admin:tickets_ticket_link", args=[hidden.pk])).status_code == 404
    )
    merge_url = reverse("admin:tickets_ticket_merge", args=[dup.pk])
    answer = agent_client.post(merge_url, {"reference": keep.reference[:6]})
    assert answer["Location"] == reverse("admin:tickets_ticket_change", args=[keep.pk])
    assert Ticket.objects.get(pk=dup.pk).merged_into_id == keep.pk
