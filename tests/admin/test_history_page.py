"""History pages read like the rest of the admin: local times and choice labels."""

import re

from django.urls import reverse

from tickets import services


def test_ticket_history_shows_local_times_and_status_labels(superuser_client, ticket, agent):
    services.reply(ticket=ticket, by=agent, body="Chúng tôi đang kiểm tra.")
    services.change_status(ticket=ticket, to="pending", by=agent)
    html = superuser_client.get(
        reverse("admin:tickets_ticket_history", args=[ticket.pk])
    ).content.decode()
    changes = " ".join(
        re.sub(r"\s+", " ", item)
        for item in re.findall(r"<li>(.*?)</li>", html.split('id="change-history"')[1], re.S)
    )
    assert "+00:00" not in changes and "None" not in changes
    assert "Open" in changes and "Pending" in changes
    assert " open " not in changes and " pending" not in changes
