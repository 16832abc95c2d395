"""Merges of intelligence records are append-only in the database: the audit trail's
triggers refuse UPDATE and DELETE on them (and TRUNCATE of a non-empty table on
PostgreSQL), and panel.db_roles takes UPDATE and DELETE back from the app role because the
table is in audit.triggers.APPEND_ONLY_TABLES. Undoing a merge is a new row.

SQLite drops a table's triggers when it rebuilds the table to alter it: a later migration
that alters intelligence_merge must install them again (audit.triggers.install)."""

from django.db import migrations

from audit import triggers

TABLES = ("intelligence_merge",)


def forwards(apps, schema_editor):
    triggers.install(schema_editor.connection, tables=TABLES)


def backwards(apps, schema_editor):
    triggers.remove(schema_editor.connection, tables=TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("intelligence", "0002_police_grants"),
        # The shared trigger function (PostgreSQL) is (re)created by install.
        ("audit", "0008_verification_runs"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
