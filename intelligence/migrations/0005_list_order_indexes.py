"""The links and sightings lists' order as indexes: newest first, the first page read from
the index instead of sorting every row (found by the benchmark at 100,000 cases)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("intelligence", "0004_erasure"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="link",
            index=models.Index(fields=["-recorded_at", "-id"], name="link_recorded"),
        ),
        migrations.AddIndex(
            model_name="sighting",
            index=models.Index(fields=["-seen_at", "-id"], name="sighting_seen"),
        ),
    ]
