"""In-app (and email) notifications. A notification names a case by its reference and
links to it; it never carries a child's name or details."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class NotificationKind(models.TextChoices):
    URGENT_REFERRAL = "urgent_referral", "Immediate-risk referral"
    NEW_REFERRAL = "new_referral", "New referral to triage"
    REFERRAL_OUTCOME = "referral_outcome", "Referral outcome"
    ACTION_ASSIGNED = "action_assigned", "Action assigned"
    ACTION_DUE = "action_due", "Action due soon"
    ACTION_OVERDUE = "action_overdue", "Action overdue"
    REVIEW_DUE = "review_due", "Review due soon"
    REVIEW_OVERDUE = "review_overdue", "Review overdue"
    WEEKLY_DIGEST = "weekly_digest", "Weekly digest"
    # Another area's coordinator triaging a referral found a strong match (same folded name
    # and date of birth) to a child this panel holds; the link is to this panel's own record.
    CROSS_AREA_MATCH = "cross_area_match", "Possible match held by your panel"
    # An administrator gave someone a role that reads case data (coordinator, agency lead,
    # auditor): told to the coordinators of the areas it opens and to every auditor. It
    # names no one; the link is to the audit event (panel/services.py).
    ROLE_GRANTED = "role_granted", "A role giving access to case data was granted"
    # An administrator set someone's password or reset their two-factor sign-in: together
    # they are a way into that person's account (and its case data), so the person, every
    # auditor and the coordinators of the areas their roles open are told. It names no one.
    ACCOUNT_RESET = "account_reset", "An administrator reset a sign-in factor of an account"
    # Panel meetings: the date, time and a link only, never a child's name or a case.
    MEETING_SCHEDULED = "meeting_scheduled", "Panel meeting scheduled"
    MEETING_CHANGED = "meeting_changed", "Panel meeting rescheduled or cancelled"
    AGENDA_PUBLISHED = "agenda_published", "Panel agenda published: research list open"
    # The publish-by day of a scheduled meeting has come and its agenda is not published.
    AGENDA_DUE = "agenda_due", "Panel agenda due to be published"
    PACK_READY = "pack_ready", "Meeting pack ready"
    MINUTES_CIRCULATED = "minutes_circulated", "Draft minutes circulated"
    MINUTES_APPROVED = "minutes_approved", "Minutes approved"
    # A closure decided at a meeting that was not quorate waits for a co-chair.
    RATIFICATION_NEEDED = "ratification_needed", "A panel decision needs ratifying"
    # Intelligence (intelligence/patterns.py): a person of concern, location or vehicle is
    # now linked to two or more children. Told to the coordinators of each area holding one
    # of those children; the link is to the record, never a name or a child's details.
    EMERGING_PATTERN = "emerging_pattern", "Linked to several children"
    # A missing episode recorded on an open case: told to its lead professional and the
    # area's coordinators (intelligence/services/missing.py). Reference and link only.
    MISSING_EPISODE = "missing_episode", "Missing episode recorded"
    # Three or more missing episodes in 90 days: the case goes to the next panel.
    REPEAT_MISSING = "repeat_missing", "Repeatedly missing: flagged for the next panel"
    # A person of concern's review date has come (intelligence/services/retention.py): told
    # to the coordinators of the person's area, once per person and review date. The link
    # is to the record; no name.
    INTELLIGENCE_REVIEW_DUE = "intelligence_review_due", "Person of concern due for review"


class Notification(models.Model):
    Kind = NotificationKind

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    case_reference = models.CharField(max_length=20, blank=True)
    link = models.CharField(max_length=300)
    # Who, what, which object and which due date: stored before anything is sent, so a
    # scan that runs twice notifies once.
    key = models.CharField(max_length=200, unique=True)
    # A weekly digest's figures (numbers only, keyed by what they count), taken when the
    # digest is made so its email says what the in-app entry says. Empty for the rest.
    counts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            # The email sender's queue: rows not yet emailed, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True),
                name="notification_to_email",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k for k, _ in NotificationKind.choices]),
                name="notification_kind_valid",
            ),
            models.CheckConstraint(condition=~Q(key=""), name="notification_key_set"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case_reference}".strip()
