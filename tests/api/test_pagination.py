from tests.factories import TicketFactory

URL = "/api/v1/tickets/"


def _walk(client, url, params):
    """Follows `next` links to the end; returns the ids in the order served."""
    seen = []
    response = client.get(url, params)
    while True:
        assert response.status_code == 200
        body = response.json()
        assert "count" not in body  # cursor pagination: no COUNT(*)
        seen += [row["id"] for row in body["results"]]
        if not body["next"]:
            return seen
        response = client.get(body["next"])


def test_cursor_next_link_walks_every_ticket_once(api, supervisor, queue):
    tickets = TicketFactory.create_batch(7, queue=queue)

    seen = _walk(api(supervisor), URL, {"page_size": 3})

    assert sorted(seen) == sorted(t.pk for t in tickets)
    assert len(seen) == len(set(seen)) == 7


def test_cursor_pages_are_stable_when_many_share_the_ordering_value(api, supervisor, queue):
    # Every ticket has the same priority: the id tie-break keeps pages from overlapping.
    tickets = TicketFactory.create_batch(9, queue=queue, priority=3)

    seen = _walk(api(supervisor), URL, {"page_size": 2, "ordering": "-priority"})

    assert seen == sorted((t.pk for t in tickets), reverse=True)


def test_next_link_keeps_the_filters(api, supervisor, queue, other_queue):
    TicketFactory.create_batch(4, queue=queue)
    TicketFactory.create_batch(4, queue=other_queue)

    first = api(supervisor).get(URL, {"page_size": 2, "queue": "sales"}).json()

    assert "queue=sales" in first["next"]
    assert len(_walk(api(supervisor), URL, {"page_size": 2, "queue": "sales"})) == 4


def test_page_size_is_capped(api, supervisor, queue):
    TicketFactory.create_batch(3, queue=queue)

    response = api(supervisor).get(URL, {"page_size": 100000})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


def test_garbage_cursor_is_a_404_not_a_500(api, supervisor):
    response = api(supervisor).get(URL, {"cursor": "not-base64!"})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_message_thread_pages_oldest_first(api, agent, make_ticket):
    from tickets import services

    ticket = make_ticket()
    for n in range(4):
        services.reply(ticket=ticket, by=agent, body=f"reply {n}")

    first = api(agent).get(f"{URL}{ticket.pk}/messages/", {"page_size": 2}).json()
    second = api(agent).get(first["next"]).json()

    assert [m["body"] for m in first["results"]] == ["Tôi chưa nhận được hàng.", "reply 0"]
    assert [m["body"] for m in second["results"]] == ["reply 1", "reply 2"]
