"""Celery tasks for partnership report exports (reports/export_jobs.py).

Arguments are ids only. ``make_report_export`` is queued on commit by ``request_export``
and claims its row (queued -> running), so a redelivered task for an export that is done
(or being made) does nothing. A transient failure (database, storage) puts the row back
in the queue and retries with backoff, as meeting packs do; anything else, or the last
retry, marks it failed. ``expire_exports`` is run by beat (CELERY_BEAT_SCHEDULE).
"""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from reports import export_jobs

TRANSIENT = (DatabaseError, OSError, ConnectionError, TimeoutError)
MAX_RETRIES = 3


@shared_task(bind=True, max_retries=MAX_RETRIES)
def make_report_export(self, export_id: int) -> dict:
    """Make one queued report export (XLSX or PDF)."""
    try:
        return {"export": export_id, "result": export_jobs.make_now(export_id)}
    except TRANSIENT as error:
        if self.request.retries < self.max_retries:
            export_jobs.requeue(export_id, error)
            raise self.retry(exc=error, countdown=min(600, 10 * 2**self.request.retries)) from error
        export_jobs.mark_failed(export_id, error)
        raise
    except Exception as error:
        export_jobs.mark_failed(export_id, error)
        raise


@shared_task(
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def expire_exports() -> dict:
    """Delete the files of report exports past their expiry (beat, hourly)."""
    return {"expired": export_jobs.expire_exports()}
