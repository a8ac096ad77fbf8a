"""The ticket page's work log form with its wrap-up prompt, and the customer page's experiences."""

import pytest
from django.urls import reverse

from channels import journey
from channels.models import Outcome
from customers.models import ChannelKind
from tests.analytics.dashboard_data import seed_activity_kinds
from tests.factories import AgentFactory, ChannelFactory, CustomerFactory, QueueFactory
from tickets import services
from tickets.models import Activity, ActivityKind

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def setup(db):
    from django.contrib.auth.models import Group

    from cim_site.roles import sync_group_permissions

    Group.objects.get_or_create(name="Agent")
    seed_activity_kinds()
    sync_group_permissions()
    support = QueueFactory(code="support", name="Support")
    sales = QueueFactory(code="sales", name="Sales")
    agent = AgentFactory(username="lan", queues=[support])
    agent.groups.add(Group.objects.get(name="Agent"))
    customer = CustomerFactory(email="hoa@example.vn", name="Trần Thị Hoa")
    ticket = services.create_ticket(
        customer=customer, subject="Giao hàng chậm", body="Xin chào", queue=support
    )
    other = services.create_ticket(
        customer=customer, subject="Báo giá sỉ", body="Xin chào", queue=sales
    )
    return agent, customer, ticket, other


def change_url(ticket):
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def log_url(ticket):
    return reverse("tickets_ticket_log_work", args=[ticket.pk])


def test_ticket_page_has_the_work_log_form_outside_the_change_form(client, setup):
    agent, _customer, ticket, _other = setup
    client.force_login(agent)
    html = client.get(change_url(ticket)).content.decode()
    assert 'id="cim-activity"' in html
    assert f'action="{log_url(ticket)}"' in html
    # Not nested in the ticket's own <form>: the log form comes after it closes.
    assert html.index('id="cim-activity"') > html.index("</form>")


def test_logging_work_records_it_for_the_agent_and_returns_to_the_ticket(client, setup):
    agent, _customer, ticket, _other = setup
    research = ActivityKind.objects.exclude(code="wrap-up").filter(active=True).first()
    client.force_login(agent)
    response = client.post(
        log_url(ticket), {"kind": research.pk, "minutes": "12.5", "note": "Gọi kho"}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith(change_url(ticket))
    activity = Activity.objects.get()
    assert (activity.ticket, activity.agent, activity.kind) == (ticket, agent, research)
    assert float(activity.minutes) == 12.5
    html = response.content.decode()
    assert "Gọi kho" in html and "12.5" in html


def test_bad_minutes_are_explained_and_nothing_is_logged(client, setup):
    agent, _customer, ticket, _other = setup
    kind = ActivityKind.objects.filter(active=True).first()
    client.force_login(agent)
    response = client.post(log_url(ticket), {"kind": kind.pk, "minutes": "-3"}, follow=True)
    assert not Activity.objects.exists()
    assert "Minutes" in response.content.decode()


def test_an_agent_cannot_log_work_on_another_queues_ticket(client, setup):
    agent, _customer, _ticket, other = setup
    kind = ActivityKind.objects.filter(active=True).first()
    client.force_login(agent)
    assert client.post(log_url(other), {"kind": kind.pk, "minutes": "5"}).status_code == 404
    assert client.get(log_url(other)).status_code == 405
    assert not Activity.objects.exists()


def test_a_phone_contact_prompts_for_wrap_up_until_it_is_logged(client, setup):
    agent, customer, ticket, _other = setup
    phone = ChannelFactory(kind=ChannelKind.PHONE, default_queue=ticket.queue)
    call = journey.record_manual_interaction(
        customer=customer, channel=phone, by=agent, ticket=ticket, outcome=Outcome.RESOLVED
    )
    client.force_login(agent)
    html = client.get(change_url(ticket)).content.decode()
    assert 'class="cim-wrap-up"' in html
    assert f'name="interaction" value="{call.pk}"' in html
    wrap_up = ActivityKind.objects.get(code="wrap-up")
    client.post(log_url(ticket), {"kind": wrap_up.pk, "minutes": "4", "interaction": call.pk})
    assert Activity.objects.get().interaction == call
    assert 'class="cim-wrap-up"' not in client.get(change_url(ticket)).content.decode()


def test_customer_page_shows_experiences_the_user_may_see(client, setup):
    agent, customer, ticket, other = setup
    email = ChannelFactory(kind=ChannelKind.EMAIL, default_queue=ticket.queue)
    phone = ChannelFactory(kind=ChannelKind.PHONE, default_queue=ticket.queue)
    for channel in (email, phone):
        journey.record_manual_interaction(
            customer=customer, channel=channel, by=agent, ticket=ticket
        )
    client.force_login(agent)
    response = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    html = response.content.decode()
    assert 'id="cim-experiences"' in html
    assert ticket.reference in html and other.reference not in html
    assert "2 interactions" in html
    # The section adds no form, but the admin still finds its (empty) formset on save.
    assert 'name="tickets-2-TOTAL_FORMS"' in html or 'TOTAL_FORMS" value="0"' in html


def test_experiences_take_a_fixed_number_of_queries(setup, django_assert_max_num_queries):
    from cim_site.analytics.experiences import customer_experiences

    agent, customer, ticket, _other = setup
    for kind in (ChannelKind.EMAIL, ChannelKind.PHONE, ChannelKind.ZALO):
        channel = ChannelFactory(kind=kind, default_queue=ticket.queue)
        journey.record_manual_interaction(
            customer=customer, channel=channel, by=agent, ticket=ticket
        )
    # The user's queues (2, once per request), tickets, interactions, actions, facts.
    with django_assert_max_num_queries(6):
        experiences = customer_experiences(customer=customer, user=agent)
        assert [len(e.actions) for e in experiences] == [3]
        assert experiences[0].channels[1:] == ["Email", "Phone / IVR", "Zalo Official Account"]
