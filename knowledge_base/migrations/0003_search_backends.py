"""Database-specific search structures, created only where the database supports them, so the
same migration runs on PostgreSQL and on SQLite.

PostgreSQL: the unaccent extension and a GIN index on Article.search_vector.
SQLite: an FTS5 table (rowid = article id) over the folded search columns.
"""

from django.db import migrations

FTS_TABLE = "knowledge_base_article_fts"


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS article_search_vector_gin "
            "ON knowledge_base_article USING gin (search_vector)"
        )
    elif connection.vendor == "sqlite":
        try:
            schema_editor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} "
                "USING fts5(search_title, search_body, tokenize='unicode61 remove_diacritics 2')"
            )
        except Exception:  # noqa: S110 - an SQLite built without FTS5: search scans instead
            pass


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS article_search_vector_gin")
    elif connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("knowledge_base", "0002_kb_search_votes_questions")]

    operations = [migrations.RunPython(forwards, backwards)]
