"""Minutes: a section remembers when a coordinator edited it (rebuilding a draft keeps
edited sections), and addenda to approved minutes are append-only in the database: the
audit trail's triggers refuse UPDATE and DELETE on them (and TRUNCATE of a non-empty table
on PostgreSQL), and panel.db_roles takes UPDATE and DELETE back from the app role because
the table is in audit.triggers.APPEND_ONLY_TABLES.

SQLite drops a table's triggers when it rebuilds the table to alter it: a later migration
that alters meetings_minutesaddendum must install them again (audit.triggers.install)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from audit import triggers

TABLES = ("meetings_minutesaddendum",)


def forwards(apps, schema_editor):
    triggers.install(schema_editor.connection, tables=TABLES)


def backwards(apps, schema_editor):
    triggers.remove(schema_editor.connection, tables=TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0003_hearing_agreed_actions"),
        # The shared trigger function (PostgreSQL) is (re)created by install; the audit
        # tables' own migrations come first all the same.
        ("audit", "0006_checkpoints"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="minutessection",
            name="edited_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="minutessection",
            name="edited_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
