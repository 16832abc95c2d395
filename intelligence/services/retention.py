"""Review and retention of persons of concern (criminal offence data, UK GDPR Art. 10).

Two sweeps, run by Celery beat (``intelligence/tasks.py``, CELERY_BEAT_SCHEDULE); neither
takes an actor: they are the system's, and their audit events have none.

- ``notify_reviews_due``: a person whose ``review_date`` has come (today or earlier,
  Europe/London) is told to the coordinators of their area, keyed per person and review
  date, so a sweep run again, or twice at once, tells nobody twice, and a new review date
  is a new reminder. The notification carries a link to the record only, never a name.
  Erased persons, persons merged into another record and persons no longer of concern
  (whose retention date now governs them) are not reminded.
- ``erase_expired``: a person no longer of concern whose ``retention_date`` has passed
  (before today) is erased: the name becomes ``PersonOfConcern.ERASED_NAME``; date of
  birth, approximate age and description are cleared; aliases, phone numbers and handles
  are deleted; ``erased_at`` is set. Persons merged into them (the same person's duplicate
  rows) are erased with them. The links stay, as links to "an erased record", so a child's
  history and the panel's counts keep that there was someone; live links are ended
  (reason: erased at the end of retention), and the free text that may name the person is
  cleared: the links' detail, their sightings' notes and place, and the outcome of the
  disruption against them. Each person is erased in its own transaction, with one
  ``updated`` audit event (what was cleared, and counts; never a value): a failure rolls
  back that person entirely and the task retries; an erased person is never picked again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from intelligence.models import (
    Disruption,
    Link,
    PersonIdentifier,
    PersonOfConcern,
    PersonStatus,
    Sighting,
)
from notifications.models import Notification
from notifications.services import Notice, create_new_notifications
from panel.dates import london_today
from panel.models import Role, RoleAssignment, reads_case_data

log = logging.getLogger(__name__)

ERASED_REASON = "Person of concern erased at the end of the retention period."
CLEARED_FIELDS = ["name", "date_of_birth", "approximate_age", "description"]


def person_link(pk: int) -> str:
    """The person's page."""
    return reverse("intelligence:person-detail", args=[pk])


def _coordinators_by_area(area_ids: set[int]) -> dict[int, set[int]]:
    by_area: dict[int, set[int]] = defaultdict(set)
    rows = RoleAssignment.objects.filter(
        reads_case_data("user__"), role=Role.COORDINATOR, area_id__in=area_ids
    ).values_list("area_id", "user_id")
    for area_id, user_id in rows:
        by_area[area_id].add(user_id)
    return by_area


def reviews_due(today: dt.date) -> list[dict]:
    return list(
        PersonOfConcern.objects.filter(
            review_date__lte=today, erased_at__isnull=True, merged_into__isnull=True
        )
        .exclude(status=PersonStatus.NO_LONGER)
        .order_by("pk")
        .values("pk", "area_id", "review_date")
    )


def notify_reviews_due(today: dt.date | None = None) -> int:
    """Tell the area's coordinators of each person whose review date has come. Returns how
    many notifications were created (0 when the sweep already ran for these dates). Three
    queries whatever the number of persons, and the insert when something is new."""
    today = today or london_today()
    due = reviews_due(today)
    if not due:
        return 0
    coordinators = _coordinators_by_area({row["area_id"] for row in due})
    kind = Notification.Kind.INTELLIGENCE_REVIEW_DUE
    pending: dict[str, tuple] = {}
    for row in due:
        about = f"person:{row['pk']}:review:{row['review_date'].isoformat()}"
        link = person_link(row["pk"])
        for user_id in sorted(coordinators[row["area_id"]]):
            pending[Notice.key_for(kind, user_id, about)] = (user_id, kind, link, about, "")
    with transaction.atomic():
        return create_new_notifications(pending)


def expired(today: dt.date) -> list[int]:
    """The persons to erase: no longer of concern, retention date before ``today``."""
    return list(
        PersonOfConcern.objects.filter(
            status=PersonStatus.NO_LONGER, retention_date__lt=today, erased_at__isnull=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def erase_expired(today: dt.date | None = None) -> int:
    """Erase every person whose retention has ended, each in its own transaction. Returns
    how many were erased. Idempotent: an erased person is not picked again."""
    today = today or london_today()
    erased = 0
    for pk in expired(today):
        if erase_person(pk, today=today):
            erased += 1
    return erased


def erase_person(pk: int, *, today: dt.date) -> bool:
    """Erase one person (and the duplicates merged into them) in one transaction, with one
    audit event. False when another sweep got there first or they are no longer due."""
    now = timezone.now()
    with transaction.atomic():
        person = (
            PersonOfConcern.objects.select_for_update()
            .filter(
                pk=pk,
                status=PersonStatus.NO_LONGER,
                retention_date__lt=today,
                erased_at__isnull=True,
            )
            .first()
        )
        if person is None:
            return False
        duplicates = list(
            PersonOfConcern.objects.select_for_update()
            .filter(merged_into=person, erased_at__isnull=True)
            .values_list("pk", flat=True)
        )
        ids = [person.pk, *duplicates]
        people = PersonOfConcern.objects.filter(pk__in=ids)
        identifiers, _ = PersonIdentifier.objects.filter(person_id__in=ids).delete()
        for row in people:
            row.name = PersonOfConcern.ERASED_NAME
            row.date_of_birth = None
            row.approximate_age = None
            row.description = ""
            row.erased_at = now
            row.version += 1
            row.save()
        about = Q(person_id__in=ids) | Q(other_person_id__in=ids)
        links_ended = Link.objects.filter(about, ended_at__isnull=True).update(
            ended_at=now, ended_reason=ERASED_REASON
        )
        Link.objects.filter(about).exclude(detail="").update(detail="")
        Sighting.objects.filter(
            Q(link__person_id__in=ids) | Q(link__other_person_id__in=ids)
        ).update(notes="", place="")
        Disruption.objects.filter(person_id__in=ids).exclude(outcome="").update(outcome="")
        record(
            actor=None,
            verb=AuditEvent.Verb.UPDATED,
            obj=person,
            changes={
                "erased": "end of retention",
                "retention_date": person.retention_date,
                "cleared": CLEARED_FIELDS,
                "identifiers_deleted": identifiers,
                "links_ended": links_ended,
                "duplicates_erased": len(duplicates),
            },
        )
    log.info("Erased person of concern %s at the end of retention.", pk)
    return True
