from tickets import services
from tickets.models import TicketStatus


def test_create_and_reply(customer, queue, agent):
    ticket = services.create_ticket(customer=customer, subject="Hi", body="Help", queue=queue)
    assert ticket.status == TicketStatus.NEW
    services.reply(ticket=ticket, by=agent, body="On it")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.assignee == agent
    assert ticket.first_responded_at is not None
