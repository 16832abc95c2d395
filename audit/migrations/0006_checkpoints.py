"""The keyed, lock-free trail: events get their writing transaction's id (PostgreSQL) and a
nullable prev_hash (set only on the legacy section, the events already written); the
checkpoints that seal them get their own append-only table. No event is rewritten."""

import audit.models
from django.db import migrations, models

from audit import triggers

TABLES = ("audit_auditeventobject", "audit_auditevent", "audit_auditcheckpoint")


def forwards(apps, schema_editor):
    # SQLite rebuilds a table to alter it, which drops its triggers: (re)install them all.
    triggers.remove_legacy(schema_editor.connection)
    triggers.install(schema_editor.connection, tables=TABLES)


def backwards(apps, schema_editor):
    triggers.remove(schema_editor.connection, tables=TABLES)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_listed_objects")]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sealed_at", models.DateTimeField()),
                ("key_id", models.CharField(max_length=20)),
                ("from_xid", models.BigIntegerField()),
                ("from_id", models.BigIntegerField()),
                ("to_xid", models.BigIntegerField()),
                ("to_id", models.BigIntegerField()),
                ("event_count", models.PositiveIntegerField()),
                ("legacy_last_id", models.BigIntegerField(blank=True, null=True)),
                ("legacy_last_hash", models.CharField(blank=True, max_length=64)),
                ("mac", models.CharField(max_length=64)),
            ],
            options={"ordering": ["id"]},
        ),
        # Added without a default first, so existing (legacy) rows keep NULL: a volatile
        # default on ADD COLUMN would fill them all with the migration's own transaction id.
        migrations.AddField(
            model_name="auditevent",
            name="xid",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="xid",
            field=models.BigIntegerField(
                blank=True, db_default=audit.models.CurrentTransactionId(), null=True
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("prev_hash__isnull", True)),
                fields=["xid", "id"],
                name="audit_seal_order",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
