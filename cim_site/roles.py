"""What each staff group may do, kept in step with the models after every migrate.

The groups are created by cim_site/migrations/0001_groups.py; permissions of models added later
are granted here by a post_migrate hook. Grants are only ever added, so a permission an
administrator gave a group by hand is left alone."""

from typing import Any

AGENT = "Agent"
SUPERVISOR = "Supervisor"
REASON_MANAGER = "Reason manager"

# Supervisors may do everything in the product's apps.
SUPERVISOR_APPS = ("customers", "tickets", "channels", "feedback", "knowledge_base")

# (app_label, model, actions)
GRANTS: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    AGENT: [
        ("customers", "customer", ("view",)),
        ("customers", "organization", ("view",)),
        ("customers", "customeridentity", ("view",)),
        # Agents open tickets (a phone call, a walk-in) in the admin and the API alike.
        ("tickets", "ticket", ("view", "add", "change")),
        ("tickets", "ticketmessage", ("view", "add")),
        ("tickets", "interactionreason", ("view",)),
        ("tickets", "queue", ("view",)),
        ("tickets", "tag", ("view",)),
        # their own profile only (the admin narrows the rows): presence and capacity
        ("tickets", "agentprofile", ("view", "change")),
        ("tickets", "slaevent", ("view",)),
        # their own saved views (the admin narrows the rows; sharing is for leads)
        ("tickets", "savedview", ("view", "add", "change", "delete")),
        ("channels", "channel", ("view",)),
        # They set what they know after a contact (reason, outcome, note), in both places.
        ("channels", "interaction", ("view", "change")),
        ("channels", "event", ("view",)),
        # Everyone reads the SLA set-up their clocks run on; supervisors change it.
        ("tickets", "businesscalendar", ("view",)),
        ("tickets", "slapolicy", ("view",)),
        # Their own notifications (the selector narrows the rows); reading one changes it.
        ("tickets", "notification", ("view", "change")),
        ("knowledge_base", "category", ("view",)),
        ("knowledge_base", "article", ("view",)),
        # their own quality reviews only (the admin narrows the rows)
        ("feedback", "qareview", ("view",)),
        ("feedback", "scorecard", ("view",)),
        # surveys and sentiment of their queues' tickets (cim_site.permissions narrows the rows)
        ("feedback", "surveyinvitation", ("view",)),
        ("feedback", "surveyresponse", ("view",)),
        ("feedback", "messagesentiment", ("view",)),
        # macros: their personal ones, and the queue's if they lead it (the admin narrows rows);
        # their own signature
        ("tickets", "macro", ("view", "add", "change", "delete")),
        ("tickets", "agentsignature", ("view", "add", "change")),
        # the work they log on their queues' tickets (after-contact work, call-backs …)
        ("tickets", "activity", ("view", "add")),
        ("tickets", "activitykind", ("view",)),
    ],
    REASON_MANAGER: [("tickets", "interactionreason", ("view", "add", "change"))],
}


def sync_group_permissions(**kwargs: Any) -> None:
    from django.contrib.auth.models import Group, Permission

    using = kwargs.get("using", "default")
    groups = {g.name: g for g in Group.objects.using(using).filter(name__in=[*GRANTS, SUPERVISOR])}
    for name, grants in GRANTS.items():
        group = groups.get(name)
        if group is None:
            continue
        for app_label, model, actions in grants:
            codenames = [f"{action}_{model}" for action in actions]
            group.permissions.add(
                *Permission.objects.using(using).filter(
                    content_type__app_label=app_label,
                    content_type__model=model,
                    codename__in=codenames,
                )
            )
    supervisor = groups.get(SUPERVISOR)
    if supervisor is not None:
        supervisor.permissions.add(
            *Permission.objects.using(using).filter(content_type__app_label__in=SUPERVISOR_APPS)
        )
