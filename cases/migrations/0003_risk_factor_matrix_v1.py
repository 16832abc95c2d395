"""The Risk Factor Matrix (Staffordshire and Stoke-on-Trent style, Barnardo's-derived) as
tool version 1. A later version is a new row with new indicators; this one never changes
once assessments point at it."""

from django.db import migrations

SLUG = "risk-factor-matrix"

INDICATORS = [
    # (code, band, label, is_disclosure, minimum_level)
    ("domestic-abuse", "vulnerability", "Domestic abuse in the family", False, ""),
    ("looked-after", "vulnerability", "Looked after", False, ""),
    ("abuse-or-neglect", "vulnerability", "Abuse or neglect", False, ""),
    ("homeless", "vulnerability", "Homeless or sofa-surfing", False, ""),
    ("substance-misuse", "vulnerability", "Substance misuse", False, ""),
    ("learning-disability", "vulnerability", "Learning disability", False, "medium"),
    ("sen-mental-health", "vulnerability", "Special educational needs or mental health", False, ""),
    ("bereavement", "vulnerability", "Bereavement", False, ""),
    ("family-conflict", "vulnerability", "Family conflict", False, ""),
    ("migrant-asylum", "vulnerability", "Migrant or asylum status", False, ""),
    ("isolation", "vulnerability", "Isolation", False, ""),
    ("missing-late", "low", "Coming home late or going missing", False, ""),
    ("sexualised-risk", "low", "Sexualised dress or sexual risk-taking", False, ""),
    ("sexting", "low", "Sexting or cyberbullying", False, ""),
    ("unexplained-money", "low", "Money or goods not accounted for", False, ""),
    ("unknown-adults", "low", "Contact with unknown adults", False, ""),
    ("peers-in-cse", "low", "Peers involved in sexual exploitation", False, ""),
    ("reduced-family-contact", "low", "Reduced contact with family", False, ""),
    ("sti", "low", "Sexually transmitted infections", False, ""),
    ("drugs-alcohol", "low", "Drugs or alcohol", False, ""),
    ("self-image", "low", "Poor self-image, eating disorder or self-harm", False, ""),
    ("cars-unknown-adults", "medium", "Getting into cars with unknown adults", False, ""),
    ("adults-known-cse", "medium", "Associating with adults known for exploitation", False, ""),
    ("online-grooming", "medium", "Online grooming", False, ""),
    ("clipping", "medium", "Clipping (offering sex, then running off)", False, ""),
    ("withdrawn-disclosure", "medium", "Disclosed an assault, then withdrew it", False, ""),
    ("hotspots", "medium", "Seen at known hotspots", False, ""),
    ("older-partner", "medium", "An older boyfriend or girlfriend", False, ""),
    ("excluded", "medium", "Excluded from school", False, ""),
    ("overnight-absence", "medium", "Unexplained overnight absences", False, ""),
    ("placement-breakdown", "medium", "Placement breakdown", False, ""),
    ("disclosure", "high", "Disclosure of sexual exploitation", True, ""),
    ("trafficked", "high", "Abducted or moved between places (trafficking)", False, ""),
    ("persons-of-concern", "high", "Found in the company of persons of concern", False, ""),
    ("images-shared-by-adults", "high", "Sexual images shared by adults", False, ""),
    ("unexplained-injuries", "high", "Unexplained injuries", False, ""),
    ("controlled-by-adult", "high", "Being controlled by an adult", False, ""),
]


def load_tool(apps, schema_editor):
    RiskTool = apps.get_model("cases", "RiskTool")
    RiskIndicator = apps.get_model("cases", "RiskIndicator")
    # The migrating connection (the owner's, if any); tests/factories.py passes None.
    db = schema_editor.connection.alias if schema_editor else "default"
    tool, _ = RiskTool.objects.using(db).get_or_create(
        slug=SLUG,
        version=1,
        defaults={
            "name": "Risk Factor Matrix",
            "description": (
                "Vulnerabilities give context and are not scored alone. 1-4 low indicators: "
                "low. 5 or more low, or any medium indicator: medium. Any high indicator or "
                "a disclosure: high. Under 13, or a learning disability: never low. "
                "Professional judgement may override the result, with a recorded reason."
            ),
            "scoring": "matrix",
            "rules": {"low_indicators_for_medium": 5, "never_low_under_age": 13},
            "is_active": True,
            "published_on": "2026-01-01",
        },
    )
    for order, (code, band, label, is_disclosure, minimum_level) in enumerate(INDICATORS, 1):
        RiskIndicator.objects.using(db).get_or_create(
            tool=tool,
            code=code,
            defaults={
                "band": band,
                "label": label,
                "order": order,
                "is_disclosure": is_disclosure,
                "minimum_level": minimum_level,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial")]
    operations = [migrations.RunPython(load_tool, migrations.RunPython.noop)]
