"""Celery tasks for intelligence. Arguments are ids only (no personal data in the broker).

``detect_patterns_for_link`` is queued on commit once a child's link is recorded;
``sweep_patterns`` is run by beat nightly (CELERY_BEAT_SCHEDULE) and finds anything the
per-link task missed (a worker down, a link changed by a merge). Both are keyed, so running
either twice notifies once (intelligence/patterns.py)."""

from __future__ import annotations
"""Celery tasks for intelligence: the review reminders and the retention sweep of persons
of concern (intelligence/services/retention.py).

Beat runs them each morning (CELERY_BEAT_SCHEDULE); the database says what is due. They
take no arguments (no personal data in the broker), are idempotent (reminders are keyed;
an erased person is never picked again) and return counts only. A database error retries
with backoff; the retention sweep erases each person in its own transaction, so a retry
after a failure part-way erases only those still due, and never half of one.
"""

from celery import shared_task
from django.db import DatabaseError

from intelligence import patterns

_RETRY = {
from intelligence.services import retention

RETRY = {
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
@shared_task(**RETRY)
def notify_intelligence_reviews() -> dict:
    """Persons of concern whose review date has come: their area's coordinators."""
    return {"created": retention.notify_reviews_due()}


@shared_task(**RETRY)
def erase_expired_persons() -> dict:
    """Persons no longer of concern whose retention date has passed: erased."""
    return {"erased": retention.erase_expired()}
