"""Each action update records the action version it produced, so a stale form can be shown
exactly what changed while it was open."""

from django.db import migrations, models


def number_existing_updates(apps, schema_editor):
    # Until now every update bumped the action's version by one and an action starts at
    # version 1, so the n-th update (in order) produced version n + 1.
    ActionUpdate = apps.get_model("cases", "ActionUpdate")
    db = schema_editor.connection.alias  # the migrating connection (the owner's, if any)
    seen: dict[int, int] = {}
    for update in ActionUpdate.objects.using(db).order_by("action_id", "created_at", "id"):
        seen[update.action_id] = seen.get(update.action_id, 1) + 1
        update.action_version = seen[update.action_id]
        update.save(using=db, update_fields=["action_version"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_submission_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="actionupdate",
            name="action_version",
            field=models.PositiveIntegerField(default=1),
            preserve_default=False,
        ),
        migrations.RunPython(number_existing_updates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="actionupdate",
            constraint=models.UniqueConstraint(
                fields=("action", "action_version"), name="action_update_one_per_version"
            ),
        ),
    ]
