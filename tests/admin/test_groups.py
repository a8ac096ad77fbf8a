"""The staff groups the data migration creates, and what each may do."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

GROUPS = ("Agent", "Supervisor", "Reason manager")


def codes(group_name):
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=group_name).permissions.select_related("content_type")
    }


@pytest.mark.django_db
def test_migrations_create_the_groups_with_their_permissions():
    assert set(Group.objects.filter(name__in=GROUPS).values_list("name", flat=True)) == set(GROUPS)

    agent = codes("Agent")
    assert {
        "customers.view_customer",
        "customers.view_organization",
        "customers.view_customeridentity",
        "tickets.view_ticket",
        "tickets.change_ticket",
        "tickets.view_ticketmessage",
        "tickets.add_ticketmessage",
        "tickets.view_interactionreason",
        "tickets.view_queue",
        "tickets.view_tag",
        "tickets.view_agentprofile",
        "tickets.change_agentprofile",
        "tickets.view_slaevent",
        # their own saved views (issue 11)
        "tickets.view_savedview",
        "tickets.add_savedview",
        "tickets.change_savedview",
        "tickets.delete_savedview",
        "channels.view_channel",
        "channels.view_interaction",
        "knowledge_base.view_article",
        "knowledge_base.view_category",
        "feedback.view_qareview",
        "tickets.view_macro",
        "tickets.add_macro",
        "tickets.change_macro",
        "tickets.delete_macro",
        "tickets.view_agentsignature",
        "tickets.add_agentsignature",
        "tickets.change_agentsignature",
        "tickets.view_activity",
        "tickets.add_activity",
        "tickets.view_activitykind",
        # the same rights in the API (tests/test_permission_matrix.py)
        "tickets.add_ticket",
        "channels.change_interaction",
        "channels.view_event",
        "tickets.view_businesscalendar",
        "tickets.view_slapolicy",
        "tickets.view_notification",
        "tickets.change_notification",
        "feedback.view_scorecard",
        "feedback.view_surveyinvitation",
        "feedback.view_surveyresponse",
        "feedback.view_messagesentiment",
    } == agent

    assert codes("Reason manager") == {
        "tickets.view_interactionreason",
        "tickets.add_interactionreason",
        "tickets.change_interactionreason",
    }

    supervisor = codes("Supervisor")
    every = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(
            content_type__app_label__in=[
                "customers",
                "tickets",
                "channels",
                "feedback",
                "knowledge_base",
            ]
        ).select_related("content_type")
    }
    assert supervisor == every
    assert {"tickets.add_ticket", "tickets.delete_queue", "customers.change_customer"} <= supervisor
    assert not any(code.startswith("auth.") for code in supervisor)


@pytest.mark.django_db(transaction=True)
def test_groups_migration_reverses_and_reapplies():
    executor = MigrationExecutor(connection)
    # Back to every cim_site migration there is, not only the groups one: later migrations of
    # the app (analytics tables) must be there for the tests that run after this one.
    target = executor.loader.graph.leaf_nodes("cim_site")
    try:
        executor.migrate([("cim_site", None)])
        assert not Group.objects.filter(name__in=GROUPS).exists()
    finally:
        executor.loader.build_graph()
        executor.migrate(target)
    assert Group.objects.filter(name__in=GROUPS).count() == 3
    assert "tickets.change_ticket" in codes("Agent")
