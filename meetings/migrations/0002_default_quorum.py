"""Each existing area starts with the default quorum: police, children's social care, health
and education present. Data, editable by an administrator afterwards."""

from django.db import migrations

DEFAULT = ("police", "social_care", "health", "education")


def forwards(apps, schema_editor):
    alias = schema_editor.connection.alias
    Area = apps.get_model("panel", "Area")
    QuorumKind = apps.get_model("meetings", "QuorumKind")
    for area in Area.objects.using(alias).all():
        for kind in DEFAULT:
            QuorumKind.objects.using(alias).get_or_create(area=area, kind=kind)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial"), ("panel", "0002_areas")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
