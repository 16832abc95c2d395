"""Celery tasks for intelligence. Arguments are ids only (no personal data in the broker);
each returns counts only and retries a database error with backoff.

- ``detect_patterns_for_link`` is queued on commit once a child's link is recorded;
  ``sweep_patterns`` is run by beat nightly and finds anything the per-link task missed (a
  worker down, a link changed by a merge). Both are keyed, so running either twice
  notifies once (intelligence/patterns.py).
- ``notify_intelligence_reviews`` and ``erase_expired_persons``: the review reminders and
  the retention sweep of persons of concern (intelligence/services/retention.py), each
  morning. Reminders are keyed; an erased person is never picked again; the retention sweep
  erases each person in its own transaction, so a retry after a failure part-way erases
  only those still due, and never half of one.
"""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from intelligence import patterns
from intelligence.services import retention

RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**RETRY)
def detect_patterns_for_link(link_id: int) -> dict:
    patterns.link_recorded(link_id)
    return {"link": link_id}


@shared_task(**RETRY)
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
