"""Celery tasks for reminders, escalations and notification emails.

Beat triggers them on the fixed schedule in settings (CELERY_BEAT_SCHEDULE); the database
says what is due. They take no arguments (so no personal data ever sits in the broker),
are idempotent (every notification is keyed; emails are claimed and marked), and return
counts only. A database or mail server error retries with exponential backoff and jitter,
up to 10 minutes apart: the only countdowns anywhere, and short ones. The app acknowledges
late and requeues a task whose worker died (panel/celery.py), so a scan interrupted
mid-way runs again and its keys make sure nobody is told twice. The action and review scans
commit each batch's notifications as they go (notifications/reminders.py): a retry after a
failure part-way keeps what the earlier batches created and adds only what is missing.
"""

from smtplib import SMTPException

from celery import shared_task
from django.db import DatabaseError

from notifications import email, reminders

RETRY = {
    "autoretry_for": (DatabaseError, SMTPException, ConnectionError, TimeoutError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**RETRY)
def scan_reviews() -> dict:
    """Reviews due soon (lead professional, coordinators) and overdue (coordinators,
    again each week)."""
    return {"created": reminders.scan_reviews()}


@shared_task(**RETRY)
def scan_actions() -> dict:
    """Actions due soon and overdue (owner, agency leads), and overdue past the
    escalation point (coordinators)."""
    return {"created": reminders.scan_actions()}


@shared_task(**RETRY)
def weekly_digest() -> dict:
    """Mondays: each coordinator's counts for their areas."""
    return {"created": reminders.weekly_digest()}


@shared_task(**RETRY)
def send_notification_emails() -> dict:
    """Email notifications not emailed yet (at least once; see notifications.email)."""
    return {"sent": email.send_pending()}
