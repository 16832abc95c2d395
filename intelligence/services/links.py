"""Links between a child (through their case, or their referral at triage) and a person of
concern, a location or a vehicle, and between those records; and the sightings of a link.

Who may record a link: ``intelligence.access.may_record`` for the link's area (the area of
the record it is about), who also sees every record it joins (``visible_to``) and, for a
child's link, the child's case or referral (``cases.access``). Every write is one
transaction with its audit event; edits are version-checked; a link found to be wrong is
ended, never deleted."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import field_changes, record, snapshot
from cases.models import Case, Referral
from intelligence import access
from intelligence.models import (
    HandlingCode,
    IntelligenceAssessment,
    Link,
    LinkRelationship,
    Location,
    PersonOfConcern,
    Sighting,
    SourceEvaluation,
    Vehicle,
)
from panel.dates import london_today
from panel.errors import Conflict
from panel.models import Agency, User

Verb = AuditEvent.Verb

# Free text on a link: the trail says it changed, not what it says.
_TEXT_FIELDS = frozenset({"detail", "handling_conditions", "ended_reason", "notes"})
EDITABLE = (
    "relationship",
    "detail",
    "source_evaluation",
    "intelligence_assessment",
    "handling_code",
    "handling_conditions",
    "source_agency_id",
)
NEW_PERSON_FIELDS = ("name", "approximate_age", "description")


logger = logging.getLogger(__name__)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _masked(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: ("changed" if k in _TEXT_FIELDS else v) for k, v in changes.items()}


def _reference(link: Link) -> str:
    if link.case_id:
        return link.case.reference
    if link.referral_id and link.referral.case_id:
        return link.referral.case.reference
    return ""


def grading_errors(
    *,
    source_evaluation: str,
    intelligence_assessment: str,
    handling_code: str,
    handling_conditions: str,
    source_agency: Agency | None,
) -> dict[str, str]:
    """The 3x5x2 grading's problems, by field (empty when it is complete)."""
    errors: dict[str, str] = {}
    if source_evaluation not in SourceEvaluation.values:
        errors["source_evaluation"] = "Choose the source evaluation (A, B or C)."
    if intelligence_assessment not in IntelligenceAssessment.values:
        errors["intelligence_assessment"] = "Choose the intelligence assessment (1 to 5)."
    if handling_code not in HandlingCode.values:
        errors["handling_code"] = "Choose the handling code (P or C)."
    elif handling_code == HandlingCode.C and not handling_conditions.strip():
        errors["handling_conditions"] = "Give the handling conditions of an item graded C."
    if source_agency is None:
        errors["source_agency"] = "Choose the agency the intelligence came from."
    return errors


def _visible(model, actor: User, obj) -> bool:
    return obj is None or model.objects.visible_to(actor).filter(pk=obj.pk).exists()


def _new_person(
    actor: User, fields: Mapping[str, Any], area_id: int, grading: dict[str, Any]
) -> PersonOfConcern:
    """A person of concern named in a referral's concerns, created with the link."""
    name = str(fields.get("name") or "").strip()
    if not name:
        raise ValidationError({"new_person_name": "Give the name of the person of concern."})
    age = fields.get("approximate_age")
    person = PersonOfConcern(
        area_id=area_id,
        name=name,
        approximate_age=int(age) if age not in (None, "") else None,
        description=str(fields.get("description") or "").strip(),
        review_date=london_today() + dt.timedelta(days=settings.INTELLIGENCE_REVIEW_DAYS),
        created_by=actor,
        **grading,
    )
    person.save()
    record(
        actor=actor,
        verb=Verb.CREATED,
        obj=person,
        changes={"status": [None, person.status], "grading": [None, person.grading]},
    )
    return person


def record_link(
    actor: User,
    *,
    case: Case | None = None,
    referral: Referral | None = None,
    person: PersonOfConcern | None = None,
    other_person: PersonOfConcern | None = None,
    location: Location | None = None,
    vehicle: Vehicle | None = None,
    new_person: Mapping[str, Any] | None = None,
    relationship: str,
    detail: str = "",
    source_evaluation: str,
    intelligence_assessment: str,
    handling_code: str = HandlingCode.P,
    handling_conditions: str = "",
    source_agency: Agency | None = None,
    now: dt.datetime | None = None,
) -> Link:
    """Record a link: a child's (``case`` or ``referral``, and one record; at triage,
    ``new_person`` fields create the person of concern named in the concerns) or between
    two records. Records ``created`` for the link (and for a new person)."""
    source_agency = source_agency or (actor.agency if actor.agency_id else None)
    errors: dict[str, str] = {}
    if relationship not in LinkRelationship.values:
        errors["relationship"] = "Choose the relationship."
    errors |= grading_errors(
        source_evaluation=source_evaluation,
        intelligence_assessment=intelligence_assessment,
        handling_code=handling_code,
        handling_conditions=handling_conditions,
        source_agency=source_agency,
    )
    child = case or referral
    if case is not None and referral is not None and referral.case_id != case.pk:
        errors["referral"] = "The referral is not this case's."
    if referral is not None and case is None and referral.case_id:
        case = referral.case
    if child is not None:
        _require(
            (case is None or _visible(Case, actor, case))
            and (referral is None or _visible(Referral, actor, referral)),
            "You may not link this child.",
        )
        area_id = (case or referral).area_id
        chosen = [r for r in (person, location, vehicle) if r is not None]
        if new_person is not None:
            if chosen:
                errors["record"] = "Choose a person of concern, or name a new one, not both."
            _require(access.may_record(actor, area_id), "You may not record intelligence here.")
        elif len(chosen) != 1 or other_person is not None:
            errors["record"] = "Choose one person of concern, location or vehicle."
    else:
        if new_person is not None:
            errors["record"] = "A new person of concern is named only for a child."
        pairs = (
            (person, other_person),
            (person, location),
            (person, vehicle),
            (location, vehicle),
        )
        given = [r for r in (person, other_person, location, vehicle) if r is not None]
        if len(given) != 2 or not any(a is not None and b is not None for a, b in pairs):
            errors["record"] = (
                "Link a person to another person, a location or a vehicle, "
                "or a location to a vehicle."
            )
        elif person is not None and other_person is not None and person.pk == other_person.pk:
            errors["other_person"] = "Choose a different person."
    if errors:
        raise ValidationError(errors)
    records = [r for r in (person, other_person, location, vehicle) if r is not None]
    for obj in records:
        if not _visible(type(obj), actor, obj) or obj.merged_into_id is not None:
            raise ValidationError({"record": "Choose a record you can see."})
    area_id = records[0].area_id if records else (case or referral).area_id
    _require(
        all(access.may_record(actor, r.area_id) for r in records)
        and access.may_record(actor, area_id),
        "You may not record intelligence here.",
    )
    grading = {
        "source_evaluation": source_evaluation,
        "intelligence_assessment": intelligence_assessment,
        "handling_code": handling_code,
        "handling_conditions": handling_conditions.strip()
        if handling_code == HandlingCode.C
        else "",
        "source_agency": source_agency,
    }
    with transaction.atomic():
        if new_person is not None:
            person = _new_person(actor, new_person, area_id, grading)
        link = Link(
            area_id=area_id,
            case=case,
            referral=referral,
            person=person,
            other_person=other_person,
            location=location,
            vehicle=vehicle,
            relationship=relationship,
            detail=detail.strip(),
            recorded_by=actor,
            recorded_at=now or timezone.now(),
            **grading,
        )
        link.save()
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=link,
            case_reference=case.reference if case is not None else "",
            changes={
                "relationship": [None, link.relationship],
                "grading": [None, link.grading],
                "records": [None, [f"{type(r).__name__.lower()}:{r.pk}" for r in records]],
            },
        )
        if link.is_child_link:
            link_id = link.pk
            transaction.on_commit(lambda: _detect_patterns(link_id))
    return link


def _detect_patterns(link_id: int) -> None:
    """Queue emerging-pattern detection for a child's new link (intelligence/patterns.py).
    A broker that cannot take it is logged, not raised: the link is recorded, and beat's
    nightly ``sweep_patterns`` finds what this missed."""
    from intelligence.tasks import detect_patterns_for_link

    try:
        detect_patterns_for_link.delay(link_id)
    except Exception:
        logger.exception("Could not queue pattern detection for link %s", link_id)


def _writable(actor: User, link: Link) -> None:
    _require(access.may_record(actor, link.area_id), "You may not change this link.")
    if not Link.objects.visible_to(actor).filter(pk=link.pk).exists():
        raise PermissionDenied("You may not change this link.")


def update_link(
    actor: User,
    *,
    link: Link,
    version: int,
    relationship: str,
    detail: str = "",
    source_evaluation: str,
    intelligence_assessment: str,
    handling_code: str = HandlingCode.P,
    handling_conditions: str = "",
    source_agency: Agency | None = None,
) -> Link:
    """Change a link's relationship, detail or grading, from the version read. Records
    ``updated`` (text fields as "changed")."""
    _writable(actor, link)
    source_agency = source_agency or link.source_agency
    errors = grading_errors(
        source_evaluation=source_evaluation,
        intelligence_assessment=intelligence_assessment,
        handling_code=handling_code,
        handling_conditions=handling_conditions,
        source_agency=source_agency,
    )
    if relationship not in LinkRelationship.values:
        errors["relationship"] = "Choose the relationship."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Link.objects.select_for_update(of=("self",)).select_related("case").get(pk=link.pk)
        if locked.version != version:
            raise Conflict("This link was changed by someone else.", current_version=locked.version)
        if locked.ended_at is not None:
            raise ValidationError({"link": "This link has ended: it cannot be changed."})
        before = snapshot(locked, EDITABLE)
        locked.relationship = relationship
        locked.detail = detail.strip()
        locked.source_evaluation = source_evaluation
        locked.intelligence_assessment = intelligence_assessment
        locked.handling_code = handling_code
        locked.handling_conditions = (
            handling_conditions.strip() if handling_code == HandlingCode.C else ""
        )
        locked.source_agency = source_agency
        changes = _masked(field_changes(before, snapshot(locked, EDITABLE), EDITABLE))
        if changes:
            locked.version += 1
            locked.save()
            record(
                actor=actor,
                verb=Verb.UPDATED,
                obj=locked,
                case_reference=locked.case.reference if locked.case_id else "",
                changes=changes,
            )
    return locked


def end_link(actor: User, *, link: Link, reason: str, version: int | None = None) -> Link:
    """End a link found to be wrong or no longer true: it stays, with when and why.
    Records ``updated``."""
    _writable(actor, link)
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for ending the link."})
    with transaction.atomic():
        locked = Link.objects.select_for_update(of=("self",)).select_related("case").get(pk=link.pk)
        if version is not None and locked.version != version:
            raise Conflict("This link was changed by someone else.", current_version=locked.version)
        if locked.ended_at is not None:
            raise Conflict("This link has already ended.", current_version=locked.version)
        locked.ended_at = timezone.now()
        locked.ended_reason = reason.strip()
        locked.version += 1
        locked.save()
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=locked,
            case_reference=locked.case.reference if locked.case_id else "",
            changes={"ended_at": [None, locked.ended_at], "ended_reason": "changed"},
        )
    return locked


def add_sighting(
    actor: User,
    *,
    link: Link,
    seen_at: dt.datetime,
    location: Location | None = None,
    place: str = "",
    notes: str = "",
) -> Sighting:
    """One time the link was seen, at a location record or a place in words. Records
    ``created`` for the sighting."""
    _writable(actor, link)
    errors: dict[str, str] = {}
    if seen_at is None:
        errors["seen_at"] = "Give when it was seen."
    elif seen_at > timezone.now():
        errors["seen_at"] = "When it was seen must be in the past."
    if location is None and not place.strip():
        errors["place"] = "Choose a location or say where."
    if location is not None and place.strip():
        errors["place"] = "Choose a location or say where, not both."
    if location is not None and not _visible(Location, actor, location):
        errors["location"] = "Choose a location you can see."
    if link.ended_at is not None:
        errors["link"] = "This link has ended."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        sighting = Sighting.objects.create(
            link=link,
            seen_at=seen_at,
            location=location,
            place=place.strip(),
            notes=notes.strip(),
            recorded_by=actor,
        )
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=sighting,
            case_reference=_reference(link),
            changes={"link": [None, link.pk], "seen_at": [None, seen_at]},
        )
    return sighting


def carry_referral_links(actor: User, *, referral: Referral, case: Case) -> list[Link]:
    """The links recorded on a referral at triage move onto the case it is accepted into
    (they keep the referral too). Called by ``accept_referral`` inside its transaction;
    records ``updated`` for each link moved."""
    _require(
        not actor.is_auditor and referral.area_id in actor.coordinator_area_ids,
        "Only a coordinator of this area may do this.",
    )
    if case.child_id != referral.child_id:
        raise ValidationError({"case": "The case is not the referral's child's."})
    moved: list[Link] = []
    with transaction.atomic():
        for link in Link.objects.select_for_update().filter(
            referral_id=referral.pk, case__isnull=True
        ):
            link.case = case
            link.version += 1
            link.save(update_fields=["case", "version"])
            record(
                actor=actor,
                verb=Verb.UPDATED,
                obj=link,
                case_reference=case.reference,
                changes={"case": [None, case.pk]},
            )
            moved.append(link)
    return moved
