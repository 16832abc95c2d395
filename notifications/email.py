"""Notification emails, through Django's email backend (EMAIL_URL).

An email says the kind of notification, the case reference and a link, and nothing else:
never a child's name, date of birth or any detail of the case. The link leads to a page
that checks the reader's access again. A weekly digest gives counts and links only.

Delivery is **at least once**. ``send_batch`` claims rows not yet emailed (on PostgreSQL
with ``SELECT ... FOR UPDATE SKIP LOCKED``, so two workers take different rows; SQLite
serialises writers), hands each message to the backend and marks the rows it handed over
as emailed in the same transaction. If the worker dies, or the database fails, between the
mail server accepting a message and that transaction committing, the row stays unmarked and
the next run sends it again. For a safeguarding reminder a rare duplicate is better than a
silent loss; the in-app notification, committed before any email, is the record either way.
A mail server error part-way through a batch marks what was already sent and re-raises, so
the task retries only the rest.
"""

from __future__ import annotations

import datetime as dt
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification

# Rows claimed per transaction: small, because the claim is held while the mail server
# answers (on SQLite that transaction holds the database's write lock, so other writers
# wait). A run sends batches until none is left, or MAX_BATCHES of them.
BATCH_SIZE = 20
MAX_BATCHES = 50
# Older rows are not emailed: after a long outage, or on the first run against existing
# data, a stale reminder by email is noise (the scans make fresh ones; the in-app list
# still shows it).
EMAIL_WITHIN = dt.timedelta(days=3)

# A digest's figures, in order, with their label and the page that lists them.
DIGEST_LINES = (
    ("referrals_to_triage", "Referrals awaiting triage", "cases:triage-queue"),
    ("active_cases", "Cases awaiting panel or open", "cases:case-list"),
    ("reviews_due_soon", "Reviews due in the next {review_days} days", "cases:reviews-due"),
    ("reviews_overdue", "Reviews overdue", "cases:reviews-due"),
    ("actions_due_soon", "Actions due in the next {action_days} days", "cases:my-work"),
    ("actions_overdue", "Actions overdue", "cases:my-work"),
)


def absolute(link: str) -> str:
    return f"{settings.SITE_URL}{link}" if link.startswith("/") else link


def subject_for(notification: Notification) -> str:
    subject = f"Safeguard Panel: {notification.get_kind_display()}"
    if notification.case_reference:
        subject += f" for {notification.case_reference}"
    return subject


def message_for(notification: Notification) -> EmailMessage:
    """The email for one notification: kind, case reference and link only."""
    context = {
        "kind": notification.get_kind_display(),
        "case_reference": notification.case_reference,
        "url": absolute(notification.link),
        "notifications_url": absolute(reverse("notifications:list")),
    }
    template = "emails/notification.txt"
    if notification.kind == Notification.Kind.WEEKLY_DIGEST:
        template = "emails/weekly_digest.txt"
        days = {
            "review_days": settings.REMINDER_REVIEW_DAYS_AHEAD,
            "action_days": settings.REMINDER_ACTION_DAYS_AHEAD,
        }
        context["lines"] = [
            {
                "label": label.format(**days),
                "count": notification.counts.get(name, 0),
                "url": absolute(reverse(url_name)),
            }
            for name, label, url_name in DIGEST_LINES
        ]
    return EmailMessage(
        subject=subject_for(notification),
        body=render_to_string(template, context),
        to=[notification.recipient.email],
        # RFC 3834: out-of-office replies should not answer an automatic message.
        headers={"Auto-Submitted": "auto-generated"},
    )


def send_batch(limit: int = BATCH_SIZE) -> int:
    """Email up to ``limit`` notifications not yet emailed, to active recipients with an
    address, oldest first. Returns how many were handed to the email backend."""
    now = timezone.now()
    failure: Exception | None = None
    with transaction.atomic():
        claimed = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                emailed_at__isnull=True,
                created_at__gte=now - EMAIL_WITHIN,
                recipient__is_active=True,
            )
            .exclude(recipient__email="")
            .select_related("recipient")
            .order_by("created_at", "pk")[:limit]
        )
        if not claimed:
            return 0
        sent = []
        with get_connection() as backend:
            for notification in claimed:
                try:
                    backend.send_messages([message_for(notification)])
                except (SMTPException, OSError) as error:
                    failure = error
                    break
                sent.append(notification.pk)
        Notification.objects.filter(pk__in=sent).update(emailed_at=now)
    if failure is not None:
        raise failure
    return len(sent)


def send_pending() -> int:
    """Send batches until none is left (or MAX_BATCHES): each batch is its own claim and
    transaction. Returns how many emails were handed to the backend."""
    total = 0
    for _ in range(MAX_BATCHES):
        sent = send_batch()
        total += sent
        if sent < BATCH_SIZE:
            break
    return total
