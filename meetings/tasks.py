"""Celery tasks for panel meetings: rendering packs and minutes PDFs, and their expiry.

Arguments are ids only (no personal data in the broker). ``render_document`` is queued on
commit by ``meetings.documents.document_for`` and claims its row (queued -> running) so a
redelivered task renders nothing twice. A transient failure (database, storage) puts the
row back in the queue and retries with backoff, as the other tasks do; anything else, or
the last retry, marks it failed with a short message. ``expire_documents`` is run by beat
once a day (CELERY_BEAT_SCHEDULE): the database says what has expired.
"""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError, transaction
from django.utils import timezone

from meetings.documents import render
from meetings.models import DocumentStatus, MeetingDocument
from panel.tasks import make_with_retries

MAX_RETRIES = 3


@shared_task(bind=True, max_retries=MAX_RETRIES)
def render_document(self, document_id: int) -> dict:
    """Render one queued meeting document (see meetings/documents/render.py)."""
    result = make_with_retries(
        self,
        document_id,
        make=render.render_now,
        requeue=render.requeue,
        mark_failed=render.mark_failed,
    )
    return {"document": document_id, "result": result}


@shared_task(
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def expire_documents() -> dict:
    """Delete the stored files of documents past their expiry and mark them expired; a
    reader can make theirs again. Each row is claimed before its file goes, so two sweeps
    never fight over one."""
    expired = 0
    due = MeetingDocument.objects.filter(
        expires_at__lte=timezone.now(), status=DocumentStatus.READY
    ).values_list("pk", "file_name")
    for pk, name in list(due):  # few a day; read first, then claim each
        with transaction.atomic():
            claimed = MeetingDocument.objects.filter(pk=pk, status=DocumentStatus.READY).update(
                status=DocumentStatus.EXPIRED, file_name=""
            )
            if claimed:
                transaction.on_commit(lambda name=name: render.delete_file(name))
                expired += claimed
    return {"expired": expired}


@shared_task
def remind_agenda_due() -> dict:
    """Beat, daily: tell coordinators of agendas due to be published (meetings/reminders.py)."""
    from meetings import reminders

    return {"notified": reminders.remind_agenda_due()}
