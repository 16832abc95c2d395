"""When a held review was recorded (Review.recorded_at), so the chronology shows the date
it was held and when it was recorded instead of inventing 12:00 UTC on the held date.

Reviews held before this migration get the time of their "held" audit event (every hold
records one). Without one it stays empty and the chronology shows the held date alone: a
review's creation time is when it was scheduled, not when it was recorded as held."""

import datetime as dt

from django.db import migrations, models


def fill_recorded_at(apps, schema_editor):
    Review = apps.get_model("cases", "Review")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    # The migrating connection (the owner's, if any); the tests pass None.
    db = schema_editor.connection.alias if schema_editor else "default"
    held = list(
        Review.objects.using(db)
        .filter(status="held", recorded_at__isnull=True)
        .values_list("pk", flat=True)
    )
    for start in range(0, len(held), 500):  # within SQLite's limit on query parameters
        ids = [str(pk) for pk in held[start : start + 500]]
        found: dict[int, dt.datetime] = {}
        events = (
            AuditEvent.objects.using(db)
            .filter(object_type="cases.review", verb="updated", object_id__in=ids)
            .order_by("id")
        )
        for event in events.iterator():
            pk = int(event.object_id)
            if pk not in found and (event.changes or {}).get("status") == ["upcoming", "held"]:
                found[pk] = event.at
        for pk, recorded_at in found.items():
            Review.objects.using(db).filter(pk=pk).update(recorded_at=recorded_at)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_append_only_triggers"),
        ("cases", "0010_recompute_child_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="recorded_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(fill_recorded_at, migrations.RunPython.noop),
    ]
