import pytest
from django.contrib.auth.models import Group

from tickets.models import AgentProfile, Presence

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client(client, agent):
    agent.groups.add(Group.objects.get(name="Agent"))
    client.force_login(agent)
    return client


def test_agent_sees_and_changes_only_their_own_profile(agent_client, agent, other_agent):
    changelist = agent_client.get("/admin/tickets/agentprofile/")
    assert changelist.status_code == 200
    assert list(changelist.context["cl"].result_list) == [agent.agent_profile]
    other = agent_client.get(f"/admin/tickets/agentprofile/{other_agent.agent_profile.pk}/change/")
    assert other.status_code == 302  # not theirs: sent back to the index


def test_agent_goes_online_with_the_action(agent_client, agent):
    profile = agent.agent_profile
    response = agent_client.post(
        "/admin/tickets/agentprofile/",
        {"action": "mark_online", "_selected_action": [profile.pk]},
    )
    assert response.status_code == 302
    assert AgentProfile.objects.get(pk=profile.pk).presence == Presence.ONLINE


def test_agent_cannot_give_themselves_queues(agent_client, agent, other_queue):
    profile = agent.agent_profile
    page = agent_client.get(f"/admin/tickets/agentprofile/{profile.pk}/change/")
    assert "queues" not in page.context["adminform"].form.fields
    assert "capacity" in page.context["adminform"].form.fields


def test_groups_follow_models_added_after_the_groups_migration():
    supervisor = Group.objects.get(name="Supervisor")
    agent = Group.objects.get(name="Agent")
    assert supervisor.permissions.filter(codename="change_slapolicy").exists()
    assert agent.permissions.filter(codename="change_agentprofile").exists()
    assert not agent.permissions.filter(codename="change_slapolicy").exists()
