"""Make the audit table append-only in the database itself: UPDATE and DELETE (and on
PostgreSQL TRUNCATE of a non-empty table) are refused whoever runs them."""

from django.db import migrations

from audit import triggers


def forwards(apps, schema_editor):
    triggers.install(schema_editor.connection, tables=(triggers.TABLE,))


def backwards(apps, schema_editor):
    triggers.remove(schema_editor.connection, tables=(triggers.TABLE,))
    triggers.drop_function(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
