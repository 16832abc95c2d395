"""Make the audit table append-only in the database itself: UPDATE and DELETE (and on
PostgreSQL TRUNCATE of a non-empty table) are refused whoever runs them."""

from django.db import migrations

from audit import triggers


# The events table only: later tables get theirs in the migration that makes them.
TABLES = ("audit_auditevent",)


def forwards(apps, schema_editor):
    triggers.install(schema_editor.connection, tables=TABLES)


def backwards(apps, schema_editor):
    triggers.remove(schema_editor.connection, tables=TABLES)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
