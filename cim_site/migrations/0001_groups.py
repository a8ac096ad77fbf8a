"""Staff groups and what each may do in the admin.

Object-level rules (an agent sees only the tickets of their queues) live in
tickets.selectors; these are the model-level permissions the admin checks first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

AGENT = "Agent"
SUPERVISOR = "Supervisor"
REASON_MANAGER = "Reason manager"

SUPERVISOR_APPS = ("customers", "tickets", "channels", "knowledge_base")

# (app_label, model, actions)
GROUP_PERMISSIONS = {
    AGENT: [
        ("customers", "customer", ("view",)),
        ("customers", "organization", ("view",)),
        ("customers", "customeridentity", ("view",)),
        ("tickets", "ticket", ("view", "change")),
        ("tickets", "ticketmessage", ("view", "add")),
        ("tickets", "interactionreason", ("view",)),
        ("tickets", "queue", ("view",)),
        ("tickets", "tag", ("view",)),
        ("channels", "channel", ("view",)),
        ("channels", "interaction", ("view",)),
        ("knowledge_base", "category", ("view",)),
        ("knowledge_base", "article", ("view",)),
    ],
    REASON_MANAGER: [
        ("tickets", "interactionreason", ("view", "add", "change")),
    ],
}


def _ensure_permissions(apps, using):
    # On a fresh database the post_migrate signal that creates permissions has not run yet, so
    # they are created here from the migration state. The stub app configs have no models
    # module, which create_permissions takes to mean "no models"; the flag is lent for the call.
    for app_config in apps.get_app_configs():
        had_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        try:
            create_permissions(app_config, verbosity=0, interactive=False, using=using, apps=apps)
        finally:
            app_config.models_module = had_module


def create_groups(apps, schema_editor):
    using = schema_editor.connection.alias if schema_editor is not None else "default"
    _ensure_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    for name, grants in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        wanted = []
        for app_label, model, actions in grants:
            for action in actions:
                wanted.append(
                    Permission.objects.using(using).get(
                        content_type__app_label=app_label,
                        content_type__model=model,
                        codename=f"{action}_{model}",
                    )
                )
        group.permissions.set(wanted)

    supervisor, _created = Group.objects.using(using).get_or_create(name=SUPERVISOR)
    supervisor.permissions.set(
        Permission.objects.using(using).filter(content_type__app_label__in=SUPERVISOR_APPS)
    )


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(
        name__in=[AGENT, SUPERVISOR, REASON_MANAGER]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0001_initial"),
        ("tickets", "0003_routing"),
        ("channels", "0001_initial"),
        ("knowledge_base", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
