"""Indexes for the lists at national scale (issue 11): the case list's order (whole and per
area), open actions by due date (My work), the triage queue, and a referral's latest
assessment."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_meeting_links"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                condition=models.Q(("status__in", ["open", "in_progress"])),
                fields=["due_date", "id"],
                name="action_open_due",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["-opened_at", "-id"], name="case_opened"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["area", "-opened_at", "-id"], name="case_area_opened"),
        ),
        migrations.AddIndex(
            model_name="referral",
            index=models.Index(
                condition=models.Q(("status", "submitted")),
                fields=["area", "-immediate_risk", "referred_at", "id"],
                name="referral_triage_queue",
            ),
        ),
        migrations.AddIndex(
            model_name="riskassessment",
            index=models.Index(
                fields=["referral", "-assessed_at", "-id"], name="assessment_referral_latest"
            ),
        ),
    ]
