"""Report exports as jobs: asked for, made in Celery with progress, downloaded, expired.

- ``request_export(user, ...)``: a coordinator or auditor asks for the whole report as XLSX
  or PDF; a queued ``ReportExport`` row (period and areas fixed now) is created, recorded
  ``created``, and ``reports.tasks.make_report_export`` is queued on commit with its id.
- ``make_now(export_id)`` (the task): claims the row (queued -> running, one worker only),
  builds and suppresses the report, renders and stores the file, and marks it done with
  its ``exported`` audit event in one transaction: the file is available exactly when the
  export is recorded. A failure leaves no file and no event.
- ``download(export, user)``: the stored file, only for its requester, recorded as
  ``exported`` again (the download).
- ``expire_exports()`` (beat): deletes files past ``expires_at``.

One table as CSV is small and made inline by the view (``export_table_csv``), recorded as
``exported`` before it is sent.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from panel.errors import Conflict
from panel.models import Area, User
from reports import exports
from reports.access import may_read_reports
from reports.models import ExportFormat, ExportStatus, ReportExport
from reports.periods import custom_period, financial_quarter, previous_period
from reports.suppression import threshold
from reports.tables import Period

logger = logging.getLogger(__name__)

FOLDER = "report-exports"
FAILED_MESSAGE = (
    "The export could not be made ({kind}). Try again; if it fails again, tell an administrator."
)
JOB_FORMATS = (ExportFormat.XLSX, ExportFormat.PDF)
# Celery stops a task after 5 minutes (panel/celery.py): running for longer means its
# worker died; queued for an hour means its message was lost (or the workers are down).
STALLED_RUNNING = dt.timedelta(minutes=10)
STALLED_QUEUED = dt.timedelta(hours=1)
STALLED_MESSAGE = "Making the export stopped part way. Make it again."


class ExportNotReady(Conflict):
    """The export asked for has no file to download (not made yet, failed or expired)."""


def period_of(start: dt.date, end: dt.date) -> Period:
    """The period from ``start`` to ``end``: the financial quarter when it is one (so it is
    compared with the quarter before), else a custom period."""
    quarter = financial_quarter(start)
    if quarter.start == start and quarter.end == end:
        return quarter
    return custom_period(start, end)


def export_facts(fmt: str, period: Period, areas: Sequence[Area], below: int, **more) -> dict:
    """What an export's audit events say: the report, format, period, areas and suppression
    (never a child: the report holds none)."""
    # Plain values, not pairs: the audit trail reads a two-item list as [old, new].
    return {
        "report": "partnership",
        "format": fmt,
        "period": f"{period.start.isoformat()} to {period.end.isoformat()}",
        "period_label": period.label,
        "area_ids": ",".join(str(pk) for pk in sorted(area.pk for area in areas)),
        "areas": ", ".join(area.name for area in areas),
        "suppressed": below > 1,
        "suppress_below": below,
        **more,
    }


def _require_reader(user: User) -> None:
    if not may_read_reports(user):
        raise PermissionDenied("Partnership reports are for coordinators and auditors.")


# --- one table, inline --------------------------------------------------------------------


def export_table_csv(user: User, *, areas: Sequence[Area], period: Period, slug: str) -> str:
    """One table of the report as CSV, suppressed, made now (a single table is small).

    Who may call: coordinators and auditors (``areas`` from ``report_areas(user)``, never
    wider). Records ``exported`` (report, table, format, period, areas, suppression) before
    the file is returned. KeyError for a table the report does not have."""
    _require_reader(user)
    below = threshold()
    report = exports.export_report(areas, period, previous_period(period), below)
    report.table(slug)  # KeyError before anything is recorded
    with transaction.atomic():
        record(
            actor=user,
            verb=AuditEvent.Verb.EXPORTED,
            object_type="reports.partnership",
            changes=export_facts("csv", period, areas, below, table=slug),
        )
    return exports.table_csv(report, slug)


# --- whole report, in Celery --------------------------------------------------------------


def request_export(user: User, *, fmt: str, areas: Sequence[Area], period: Period) -> ReportExport:
    """Queue the whole report as XLSX or PDF for ``user``.

    Who may call: coordinators and auditors (``areas`` from ``report_areas(user)``).
    Records ``created`` (format, period, areas, suppression); the task is queued on commit
    with the export's id only."""
    _require_reader(user)
    if fmt not in JOB_FORMATS:
        raise ValueError(f"not a report export format: {fmt!r}")
    areas = list(areas)
    below = threshold()
    with transaction.atomic():
        export = ReportExport.objects.create(
            requested_by=user,
            format=fmt,
            period_start=period.start,
            period_end=period.end,
            area_ids=sorted(area.pk for area in areas),
            suppress_below=max(below, 0),
        )
        record(
            actor=user,
            verb=AuditEvent.Verb.CREATED,
            obj=export,
            changes=export_facts(fmt, period, areas, below),
        )
        transaction.on_commit(lambda: _queue(export.pk))
    return export


def _queue(export_id: int) -> None:
    from reports.tasks import make_report_export

    make_report_export.delay(export_id)


def claim(export_id: int) -> bool:
    """queued -> running for one worker only: a redelivered task makes nothing twice."""
    return bool(
        ReportExport.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
            status=ExportStatus.RUNNING, progress=1, error="", started_at=timezone.now()
        )
    )


def _progress(export_id: int) -> Callable[[int], None]:
    def report(percent: int) -> None:
        ReportExport.objects.filter(pk=export_id, status=ExportStatus.RUNNING).update(
            progress=max(1, min(99, percent))
        )

    return report


def make_now(export_id: int) -> str:
    """Make a queued export: "done", or "skipped" when it is not queued (done already,
    another worker has it, failed or expired). Nothing is half-applied: if anything fails
    the stored file is deleted, no ``exported`` event is recorded and the row stays
    running (for the task to requeue or mark failed)."""
    if not claim(export_id):
        return "skipped"
    export = ReportExport.objects.select_related("requested_by").get(pk=export_id)
    progress = _progress(export.pk)
    areas = list(Area.objects.filter(pk__in=export.area_ids).order_by("name"))
    period = period_of(export.period_start, export.period_end)
    report = exports.export_report(
        areas, period, previous_period(period), export.suppress_below, progress
    )
    data = exports.RENDERERS[export.format](report, progress)
    name = f"{FOLDER}/{export.pk}-{secrets.token_hex(8)}.{export.format}"
    stored = default_storage.save(name, ContentFile(data))
    try:
        with transaction.atomic():
            now = timezone.now()
            done = ReportExport.objects.filter(pk=export.pk, status=ExportStatus.RUNNING).update(
                status=ExportStatus.DONE,
                progress=100,
                file_name=stored,
                finished_at=now,
                expires_at=now + dt.timedelta(days=settings.REPORT_EXPORT_EXPIRY_DAYS),
            )
            if not done:
                raise RuntimeError("the export was no longer being made")
            record(
                actor=export.requested_by,
                verb=AuditEvent.Verb.EXPORTED,
                obj=export,
                changes=export_facts(
                    export.format, period, areas, export.suppress_below, stage="made"
                ),
            )
    except BaseException:
        delete_file(stored)
        raise
    return "done"


def requeue(export_id: int, error: BaseException) -> None:
    """A transient failure (database, storage): back to the queue for the retry."""
    ReportExport.objects.filter(pk=export_id, status=ExportStatus.RUNNING).update(
        status=ExportStatus.QUEUED, progress=0, error=_message(error)
    )


def mark_failed(export_id: int, error: BaseException) -> None:
    """Failed for good: a short message (the exception's kind only), logged by id."""
    logger.error("Report export %s failed: %s", export_id, type(error).__name__)
    ReportExport.objects.filter(
        pk=export_id, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    ).update(
        status=ExportStatus.FAILED,
        progress=0,
        error=_message(error),
        finished_at=timezone.now(),
    )


def _message(error: BaseException) -> str:
    return FAILED_MESSAGE.format(kind=type(error).__name__)[:300]


def delete_file(name: str) -> None:
    if not name:
        return
    try:
        default_storage.delete(name)
    except OSError:  # the storage is away: the next sweep tries again
        logger.warning("Could not delete a stored report export file")


def exports_of(user: User):
    """The user's own exports, newest first (nobody sees another's)."""
    return ReportExport.objects.filter(requested_by=user)


def download_name(export: ReportExport) -> str:
    period = f"{export.period_start:%Y-%m-%d}-to-{export.period_end:%Y-%m-%d}"
    return f"partnership-report-{period}.{export.format}"


def download(export: ReportExport, user: User) -> bytes:
    """The stored file, for its requester only (the caller found it in ``exports_of``),
    recorded as ``exported`` (stage "downloaded")."""
    _require_reader(user)
    if export.requested_by_id != user.pk:
        raise PermissionDenied("Only the person who asked for an export may download it.")
    if not export.ready or (export.expires_at and export.expires_at <= timezone.now()):
        raise ExportNotReady("This export is not ready to download.")
    try:
        with default_storage.open(export.file_name, "rb") as stored:
            data = stored.read()
    except FileNotFoundError:  # deleted behind the database's back: the scan tidies up
        raise ExportNotReady("This export's file is gone. Make it again.") from None
    areas = list(Area.objects.filter(pk__in=export.area_ids).order_by("name"))
    period = period_of(export.period_start, export.period_end)
    with transaction.atomic():
        record(
            actor=user,
            verb=AuditEvent.Verb.EXPORTED,
            obj=export,
            changes=export_facts(
                export.format, period, areas, export.suppress_below, stage="downloaded"
            ),
        )
    return data


def is_stalled(export: ReportExport, now: dt.datetime | None = None) -> bool:
    """Being made for far longer than an export may take: nothing will finish it."""
    now = now or timezone.now()
    if export.status == ExportStatus.RUNNING:
        return (export.started_at or export.created_at) < now - STALLED_RUNNING
    if export.status == ExportStatus.QUEUED:
        return export.created_at < now - STALLED_QUEUED
    return False


def fail_stalled(now: dt.datetime | None = None) -> int:
    """Mark stalled exports failed (their page stops waiting and offers to make it again)."""
    now = now or timezone.now()
    stalled = Q(status=ExportStatus.RUNNING, started_at__lt=now - STALLED_RUNNING) | Q(
        status=ExportStatus.QUEUED, created_at__lt=now - STALLED_QUEUED
    )
    return ReportExport.objects.filter(stalled).update(
        status=ExportStatus.FAILED, progress=0, error=STALLED_MESSAGE, finished_at=now
    )


def expire_exports(now: dt.datetime | None = None) -> int:
    """Mark done exports past ``expires_at`` expired and delete their files once that
    commits; each row is claimed first, so two sweeps never fight over one. Stalled
    exports are marked failed on the way."""
    now = now or timezone.now()
    fail_stalled(now)
    expired = 0
    due = ReportExport.objects.filter(status=ExportStatus.DONE, expires_at__lte=now)
    for pk, name in list(due.values_list("pk", "file_name")):
        with transaction.atomic():
            claimed = ReportExport.objects.filter(pk=pk, status=ExportStatus.DONE).update(
                status=ExportStatus.EXPIRED, file_name=""
            )
            if claimed:
                transaction.on_commit(lambda name=name: delete_file(name))
                expired += claimed
    return expired
