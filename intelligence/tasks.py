"""Celery tasks for intelligence. Arguments are ids only (no personal data in the broker).

``detect_patterns_for_link`` is queued on commit once a child's link is recorded;
``sweep_patterns`` is run by beat nightly (CELERY_BEAT_SCHEDULE) and finds anything the
per-link task missed (a worker down, a link changed by a merge). Both are keyed, so running
either twice notifies once (intelligence/patterns.py)."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from intelligence import patterns

_RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**_RETRY)
def detect_patterns_for_link(link_id: int) -> dict:
    patterns.link_recorded(link_id)
    return {"link": link_id}


@shared_task(**_RETRY)
def sweep_patterns() -> dict:
    return {"created": patterns.sweep()}
