"""Finding a child (cases.search) at 100,000 children: on PostgreSQL, trigram indexes on
the folded name keys a search looks in, so "a word anywhere in the name"
(``name_key LIKE '%word%'``, ``known_as_key LIKE '%word%'``) is an index scan, not a read
of every child.

pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner, which runs migrate
(README "Database roles"), may create it without being a superuser. The indexes are not
in the model's Meta (a GinIndex there would break SQLite, where the same search is a LIKE
over the keys): this migration makes them on PostgreSQL and does nothing on SQLite.

Only the whole-name key and the known-as key: the whole-name key is the first and last
keys joined, so a word in either is in it; the first and last keys are only compared for
the ranking, on the rows already found.
"""

from django.db import migrations

# index name -> column of cases_child
TRIGRAM_INDEXES = {
    "child_name_key_trgm": "name_key",
    "child_known_as_key_trgm": "known_as_key",
}


def create_trigram_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON cases_child USING gin ({column} gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor) -> None:
    # The extension stays: dropping it could break anything else that came to use it.
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0015_child_ethnicity_code"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
