"""Drop DRF's authtoken table: its keys were stored in plain text and shown in the admin.

API tokens are now knox's (hashed, expiring, made by their owner: panel.ApiToken), so no
plain-text key may survive an upgrade. The old tokens stop working; their owners make new
ones under Your account > API tokens. DRF's migration records go too, so the app could be
added back cleanly. There is no way back: the keys are gone on purpose.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("panel", "0002_areas"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[
                "DROP TABLE IF EXISTS authtoken_token",
                "DELETE FROM django_migrations WHERE app = 'authtoken'",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
