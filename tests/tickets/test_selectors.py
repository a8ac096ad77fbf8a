from tests.factories import TicketFactory
from tickets import selectors


def test_agent_sees_only_tickets_of_their_queues(agent, queue, other_queue):
    mine = TicketFactory(queue=queue)
    TicketFactory(queue=other_queue)
    assert list(selectors.visible_tickets(agent)) == [mine]
    assert selectors.can_view_ticket(agent, mine)


def test_supervisor_and_superuser_see_everything(supervisor, admin_user, queue, other_queue):
    TicketFactory(queue=queue)
    TicketFactory(queue=other_queue)
    assert selectors.visible_tickets(supervisor).count() == 2
    assert selectors.visible_tickets(admin_user).count() == 2


def test_staff_without_profile_and_non_staff_see_nothing(queue):
    from tests.factories import UserFactory

    TicketFactory(queue=queue)
    assert selectors.visible_tickets(UserFactory(username="plain")).count() == 0
    assert selectors.visible_tickets(UserFactory(username="cust", is_staff=False)).count() == 0


def test_inactive_supervisor_sees_nothing(supervisor, queue):
    TicketFactory(queue=queue)
    supervisor.is_active = False
    assert selectors.visible_tickets(supervisor).count() == 0


def test_thread_hides_internal_notes_for_customers(queue, agent, customer):
    from tickets import services

    ticket = services.create_ticket(customer=customer, subject="s", body="b", queue=queue)
    services.add_internal_note(ticket=ticket, by=agent, body="secret")
    services.reply(ticket=ticket, by=agent, body="public")
    bodies = [m.body for m in selectors.ticket_thread(ticket=ticket, include_internal=False)]
    assert bodies == ["b", "public"]
    assert len(selectors.ticket_thread(ticket=ticket)) == 3
