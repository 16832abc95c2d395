"""Police see their areas' intelligence from the start: a grant row for each police agency
in each area it serves. A row, not a rule: an administrator may revoke it or grant another
agency, and this migration's choice of police is a default, made once."""

from django.db import migrations


def grant_police(apps, schema_editor):
    Agency = apps.get_model("panel", "Agency")
    IntelligenceGrant = apps.get_model("intelligence", "IntelligenceGrant")
    for agency in Agency.objects.filter(kind="police").prefetch_related("areas"):
        for area in agency.areas.all():
            IntelligenceGrant.objects.get_or_create(area=area, agency=agency)


class Migration(migrations.Migration):
    dependencies = [
        ("intelligence", "0001_initial"),
        ("panel", "0004_api_token_names"),
    ]

    operations = [migrations.RunPython(grant_police, migrations.RunPython.noop)]
