from django.db import DatabaseError, migrations, models, transaction


def fill_search_text(apps, schema_editor):
    # The folding is a pure function; tickets.search holds the one definition of it.
    from tickets.search import ticket_search_text

    Ticket = apps.get_model("tickets", "Ticket")
    batch = []
    rows = Ticket.objects.select_related("customer").only(
        "id", "reference", "subject", "customer__name", "customer__email", "customer__phone"
    )
    for ticket in rows.iterator(chunk_size=2000):
        ticket.search_text = ticket_search_text(
            reference=ticket.reference, subject=ticket.subject, customer=ticket.customer
        )
        batch.append(ticket)
        if len(batch) >= 2000:
            Ticket.objects.bulk_update(batch, ["search_text"])
            batch = []
    Ticket.objects.bulk_update(batch, ["search_text"])


def add_trigram_index(apps, schema_editor):
    """PostgreSQL only: a trigram index lets LIKE '%word%' use an index. Creating the extension
    needs a privilege a managed database may not grant; search then still works, unindexed."""
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(
                "CREATE INDEX IF NOT EXISTS ticket_search_trgm ON tickets_ticket "
                "USING gin (search_text gin_trgm_ops)"
            )
    except DatabaseError:
        pass


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS ticket_search_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0004_sla_label"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.RunPython(add_trigram_index, drop_trigram_index),
    ]
