"""Load the two areas of the seed guidance with their front doors and police numbers.
Kept in step by slug, so re-running never duplicates them; an administrator may edit
them afterwards."""

from django.db import migrations

AREAS = [
    {
        "slug": "staffordshire",
        "name": "Staffordshire",
        "front_door_name": "First Response",
        "front_door_phone": "0800 1313 126",
    },
    {
        "slug": "stoke-on-trent",
        "name": "Stoke-on-Trent",
        "front_door_name": "Safeguarding and Referral Team",
        "front_door_phone": "01782 235100",
    },
]


def load_areas(apps, schema_editor):
    Area = apps.get_model("panel", "Area")
    db = schema_editor.connection.alias  # the migrating connection (the owner's, if any)
    for area in AREAS:
        Area.objects.using(db).update_or_create(
            slug=area["slug"],
            defaults={
                **area,
                "police_non_emergency": "101",
                "emergency": "999",
                "police_team": (
                    "Police Child Exploitation Team via 101; tag the incident report for that team"
                ),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("panel", "0001_initial")]
    operations = [migrations.RunPython(load_areas, migrations.RunPython.noop)]
