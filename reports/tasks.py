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

from panel.tasks import make_with_retries
from reports import export_jobs

MAX_RETRIES = 3


@shared_task(bind=True, max_retries=MAX_RETRIES)
def make_report_export(self, export_id: int) -> dict:
    """Make one queued report export (XLSX or PDF)."""
    result = make_with_retries(
        self,
        export_id,
        make=export_jobs.make_now,
        requeue=export_jobs.requeue,
        mark_failed=export_jobs.mark_failed,
    )
    return {"export": export_id, "result": result}


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
