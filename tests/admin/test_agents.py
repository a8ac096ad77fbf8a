"""Agent profiles in the staff UI."""

from django.urls import reverse

from tickets.models import AgentProfile, Presence


def test_presence_actions_go_through_set_presence(superuser_client, agent):
    profile = AgentProfile.objects.get(user=agent)
    superuser_client.post(
        reverse("admin:tickets_agentprofile_changelist"),
        {"action": "mark_online", "_selected_action": [profile.pk]},
    )
    profile.refresh_from_db()
    assert profile.presence == Presence.ONLINE
    assert profile.presence_changed_at is not None


def test_user_page_shows_the_agent_profile_inline(superuser_client, agent):
    response = superuser_client.get(reverse("admin:auth_user_change", args=[agent.pk]))
    assert response.status_code == 200
    models = [inline.formset.model for inline in response.context["inline_admin_formsets"]]
    assert models == [AgentProfile]
