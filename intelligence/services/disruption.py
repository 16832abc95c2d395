"""Disruption (Pursue and Prevent): recording and changing disruption activity against a
person of concern or at a location.

Who: ``intelligence.access.may_record`` for the area of the person or location (its
coordinators, the agency leads of an agency granted it), and only against a person or
location the actor may see (``visible_to``). Auditors read, never write. Each write is
one transaction with its audit event; a change names the version it was read at and a
stale one raises ``Conflict`` and changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit.models import AuditEvent
from audit.services import field_changes, record, snapshot
from intelligence import access
from intelligence.models import Disruption, DisruptionKind, Location, PersonOfConcern
from panel.dates import london_today
from panel.errors import Conflict
from panel.models import Agency, User

Verb = AuditEvent.Verb
KIND_DETAIL_MAX = 200
FIELDS = ("kind", "kind_detail", "date", "agency_id", "outcome", "review_date")


def can_record_against(user: User, subject: PersonOfConcern | Location) -> bool:
    """Whether ``user`` may record disruption against this person or at this location."""
    if not access.may_record(user, subject.area_id):
        return False
    return type(subject).objects.visible_to(user).filter(pk=subject.pk).exists()


def can_update(user: User, disruption: Disruption) -> bool:
    """Whether ``user`` may change this disruption record: who may record in its area and
    sees it."""
    if not access.may_record(user, disruption.area_id):
        return False
    return Disruption.objects.visible_to(user).filter(pk=disruption.pk).exists()


def _validate(
    *,
    area_id: int,
    kind: str,
    kind_detail: str,
    date: dt.date | None,
    agency: Agency | None,
    review_date: dt.date | None,
) -> None:
    errors: dict[str, str] = {}
    if kind not in DisruptionKind.values:
        errors["kind"] = "Choose the kind of disruption."
    elif kind == DisruptionKind.OTHER and not kind_detail:
        errors["kind_detail"] = "Say what kind of disruption it was."
    if len(kind_detail) > KIND_DETAIL_MAX:
        errors["kind_detail"] = f"Use at most {KIND_DETAIL_MAX} characters."
    if date is None:
        errors["date"] = "Enter the date of the disruption."
    elif date > london_today():
        errors["date"] = "The date of the disruption must be today or in the past."
    if agency is None:
        errors["agency"] = "Choose the agency that carried it out."
    elif not agency.areas.filter(pk=area_id).exists():
        errors["agency"] = "Choose an agency of this area."
    if review_date is not None and date is not None and review_date < date:
        errors["review_date"] = "The review date must be on or after the date of the disruption."
    if errors:
        raise ValidationError(errors)


def record_disruption(
    actor: User,
    *,
    person: PersonOfConcern | None = None,
    location: Location | None = None,
    kind: str,
    kind_detail: str = "",
    date: dt.date | None,
    agency: Agency | None,
    outcome: str = "",
    review_date: dt.date | None = None,
) -> Disruption:
    """Record disruption against ``person`` or at ``location`` (exactly one). Its area is
    theirs. Records ``created``."""
    if (person is None) == (location is None):
        raise ValidationError(
            {"person": "Record disruption against one person of concern or one location."}
        )
    subject: PersonOfConcern | Location = person if person is not None else location  # type: ignore[assignment]
    if not can_record_against(actor, subject):
        raise PermissionDenied("You may not record disruption here.")
    if subject.merged_into_id is not None:
        field = "person" if person is not None else "location"
        raise ValidationError(
            {field: "This record was merged into another: record disruption against that one."}
        )
    kind_detail = kind_detail.strip() if kind == DisruptionKind.OTHER else ""
    _validate(
        area_id=subject.area_id,
        kind=kind,
        kind_detail=kind_detail,
        date=date,
        agency=agency,
        review_date=review_date,
    )
    with transaction.atomic():
        disruption = Disruption(
            area_id=subject.area_id,
            person=person,
            location=location,
            kind=kind,
            kind_detail=kind_detail,
            date=date,
            agency=agency,
            outcome=outcome.strip(),
            review_date=review_date,
            recorded_by=actor,
        )
        disruption.full_clean()
        disruption.save()
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=disruption,
            changes={
                "subject": [
                    None,
                    f"{subject._meta.label_lower}:{subject.pk}",
                ],
                "kind": [None, kind],
                "date": [None, date.isoformat()],  # type: ignore[union-attr]
                "agency_id": [None, agency.pk],  # type: ignore[union-attr]
                "review_date": [None, review_date.isoformat() if review_date else None],
            },
        )
    return disruption


def update_disruption(
    actor: User,
    *,
    disruption: Disruption,
    version: int,
    kind: str,
    kind_detail: str = "",
    date: dt.date | None,
    agency: Agency | None,
    outcome: str = "",
    review_date: dt.date | None = None,
) -> Disruption:
    """Change a disruption record (not whom it is against). ``version`` is the one the
    user read: a stale one raises Conflict. Records ``updated`` with what changed (nothing
    changed is no event)."""
    if not can_update(actor, disruption):
        raise PermissionDenied("You may not change this disruption record.")
    kind_detail = kind_detail.strip() if kind == DisruptionKind.OTHER else ""
    with transaction.atomic():
        locked = Disruption.objects.select_for_update().get(pk=disruption.pk)
        if locked.version != version:
            raise Conflict(
                "Someone else changed this disruption record while you were editing it.",
                current_version=locked.version,
            )
        _validate(
            area_id=locked.area_id,
            kind=kind,
            kind_detail=kind_detail,
            date=date,
            agency=agency,
            review_date=review_date,
        )
        before = snapshot(locked, FIELDS)
        locked.kind = kind
        locked.kind_detail = kind_detail
        locked.date = date
        locked.agency = agency
        locked.outcome = outcome.strip()
        locked.review_date = review_date
        changes = field_changes(before, snapshot(locked, FIELDS), FIELDS)
        if "outcome" in changes:
            changes["outcome"] = "changed"
        if not changes:
            return locked
        locked.version += 1
        locked.full_clean()
        locked.save()
        record(actor=actor, verb=Verb.UPDATED, obj=locked, changes=changes)
    return locked
