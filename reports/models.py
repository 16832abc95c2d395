"""A partnership report export (XLSX or PDF) made in Celery for the person who asked.

The period and the areas are fixed when it is asked for (the areas from
``report_areas(user)`` then), so the export shows exactly what its requester could see at
that moment, whatever changes while it waits in the queue. The file is stored through
Django's storage API (MEDIA_ROOT under var/ by default, like meeting packs), downloaded only
by its requester, and deleted REPORT_EXPORT_EXPIRY_DAYS after it is made.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from panel.models import User


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV (one table)"
    XLSX = "xlsx", "Spreadsheet (XLSX)"
    PDF = "pdf", "PDF"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Being made"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class ReportExport(models.Model):
    Format = ExportFormat
    Status = ExportStatus

    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    format = models.CharField(max_length=10, choices=Format.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    # The ids of the areas the report counts, fixed when asked for (see the docstring).
    area_ids = models.JSONField(default=list)
    # The suppression threshold it was made with (REPORT_SUPPRESS_BELOW then).
    suppress_below = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    file_name = models.CharField(max_length=300, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="report_export_by_requester"),
            models.Index(
                fields=["expires_at"],
                condition=Q(status="done"),
                name="report_export_done_expiry",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(format__in=ExportFormat.values), name="report_export_format_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ExportStatus.values), name="report_export_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="report_export_period_ordered",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_export_progress"),
        ]

    def __str__(self) -> str:
        return f"Report export {self.pk} ({self.format})"

    @property
    def in_progress(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)

    @property
    def ready(self) -> bool:
        return self.status == ExportStatus.DONE and bool(self.file_name)
