"""Persons of concern, locations and vehicles: create and change them.

Every function takes the acting user first, runs in one transaction and records one audit
event in it. Who may: ``intelligence.access.may_record`` for the record's area (403
otherwise), and an existing record must be one the actor sees (``visible_to``: 404
otherwise, as a missing id). Edits carry the version the user saw; a stale one raises
``Conflict`` and changes nothing. Bad input raises ``ValidationError`` with field errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import field_changes, record, snapshot
from intelligence import access, keys
from intelligence.models import (
    HandlingCode,
    IdentifierKind,
    IntelligenceAssessment,
    Location,
    LocationKind,
    PersonIdentifier,
    PersonOfConcern,
    PersonStatus,
    SourceEvaluation,
    Vehicle,
    identifier_key,
)
from panel.dates import london_today
from panel.errors import Conflict
from panel.models import Agency, Area, User

Verb = AuditEvent.Verb

GRADING_FIELDS = (
    "source_evaluation",
    "intelligence_assessment",
    "handling_code",
    "handling_conditions",
    "source_agency",
)
PERSON_FIELDS = ("name", "date_of_birth", "approximate_age", "description", "review_date")
LOCATION_FIELDS = ("name", "kind", "address", "postcode", "latitude", "longitude", "description")
VEHICLE_FIELDS = ("registration", "make", "model", "colour", "description")
TEXT_FIELDS = frozenset(
    {
        "name",
        "description",
        "handling_conditions",
        "address",
        "postcode",
        "registration",
        "make",
        "model",
        "colour",
    }
)


def _require_record(actor: User, area_id: int) -> None:
    if not access.may_record(actor, area_id):
        raise PermissionDenied("Only the area's coordinators and granted agencies record this.")


def _locked_visible(actor: User, model: type[models.Model], pk: int) -> Any:
    """The record, locked for the change, if the actor sees it; 404 as a missing id."""
    found = model.objects.visible_to(actor).select_for_update().filter(pk=pk).first()
    if found is None:
        raise Http404("No such record.")
    if found.merged_into_id is not None:
        raise ValidationError("This record was merged into another: change that one.")
    return found


def _check_version(locked: Any, version: int | None) -> None:
    if version is None or locked.version != int(version):
        raise Conflict(
            "Someone else changed this record while you were editing it.",
            current_version=locked.version,
        )


def _grading_errors(values: dict[str, Any]) -> dict[str, str]:
    errors = {}
    if values.get("source_evaluation") not in SourceEvaluation.values:
        errors["source_evaluation"] = "Choose the source evaluation (A, B or C)."
    if values.get("intelligence_assessment") not in IntelligenceAssessment.values:
        errors["intelligence_assessment"] = "Choose the intelligence assessment (1 to 5)."
    if values.get("handling_code") not in HandlingCode.values:
        errors["handling_code"] = "Choose the handling code (P or C)."
    elif values["handling_code"] == HandlingCode.C and not values.get("handling_conditions"):
        errors["handling_conditions"] = "Handling code C needs its conditions: say them."
    if values.get("source_agency") is None:
        errors["source_agency"] = "Choose the agency the information came from."
    return errors


def _normalise(values: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in values.items():
        if name in TEXT_FIELDS:
            value = (value or "").strip()
        out[name] = value
    if out.get("handling_code") == HandlingCode.P:
        out["handling_conditions"] = ""
    return out


def _grading(actor: User, given: dict[str, Any]) -> dict[str, Any]:
    source_agency = given.get("source_agency")
    if source_agency is None and actor.agency_id:
        source_agency = Agency.objects.get(pk=actor.agency_id)
    return {
        "source_evaluation": given.get("source_evaluation") or "",
        "intelligence_assessment": given.get("intelligence_assessment") or "",
        "handling_code": given.get("handling_code") or HandlingCode.P,
        "handling_conditions": given.get("handling_conditions") or "",
        "source_agency": source_agency,
    }


def _person_errors(values: dict[str, Any], today: dt.date) -> dict[str, str]:
    errors = {}
    if not values.get("name"):
        errors["name"] = "Enter the name the person is known by."
    born = values.get("date_of_birth")
    if born is not None and born > today:
        errors["date_of_birth"] = "The date of birth must be in the past."
    age = values.get("approximate_age")
    if age is not None and not 10 <= int(age) <= 110:
        errors["approximate_age"] = "Give an approximate age between 10 and 110."
    if values.get("review_date") is None:
        errors["review_date"] = "Enter the date this record is next reviewed."
    return errors


def _location_errors(values: dict[str, Any]) -> dict[str, str]:
    errors = {}
    if not values.get("name"):
        errors["name"] = "Enter the location's name."
    if values.get("kind") not in LocationKind.values:
        errors["kind"] = "Choose the kind of location."
    lat, lon = values.get("latitude"), values.get("longitude")
    if (lat is None) != (lon is None):
        errors["latitude"] = "Give both latitude and longitude, or neither."
    elif lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        errors["latitude"] = "Latitude is -90 to 90 and longitude -180 to 180."
    return errors


def _vehicle_errors(values: dict[str, Any]) -> dict[str, str]:
    errors = {}
    if not keys.registration_key(values.get("registration", "")):
        errors["registration"] = (
            "Enter the registration, with ? for an unknown character and * for unknown characters."
        )
    return errors


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def _create(
    actor: User, model: type[models.Model], area: Area, fields: dict[str, Any], errors
) -> Any:
    _require_record(actor, area.pk)
    _raise(errors)
    with transaction.atomic():
        obj = model(area=area, created_by=actor, **fields)
        obj.full_clean(validate_constraints=False)
        obj.save()
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=obj,
            changes={
                name: ("set" if name in TEXT_FIELDS else value)
                for name, value in fields.items()
                if value not in (None, "")
            },
        )
    return obj


def _update(
    actor: User,
    model: type[models.Model],
    obj: Any,
    version: int | None,
    allowed: tuple[str, ...],
    changes: dict[str, Any],
    validate,
) -> Any:
    unknown = set(changes) - set(allowed) - set(GRADING_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    _require_record(actor, obj.area_id)
    with transaction.atomic():
        locked = _locked_visible(actor, model, obj.pk)
        _check_version(locked, version)
        names = [*allowed, *GRADING_FIELDS]
        before = snapshot(locked, names)
        after = _normalise({**before, **changes})
        _raise({**validate(after), **_grading_errors(after)})
        for name, value in after.items():
            setattr(locked, name, value)
        audit_changes = field_changes(before, snapshot(locked, names))
        if not audit_changes:
            return locked
        locked.version += 1
        locked.full_clean(validate_constraints=False)
        locked.save()
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=locked,
            changes={
                name: "changed" if name in TEXT_FIELDS else value
                for name, value in audit_changes.items()
            },
        )
    return locked


# --- persons of concern -----------------------------------------------------------------


def create_person(
    actor: User,
    *,
    area: Area,
    name: str,
    review_date: dt.date | None = None,
    date_of_birth: dt.date | None = None,
    approximate_age: int | None = None,
    description: str = "",
    status: str = PersonStatus.SUSPECTED,
    today: dt.date | None = None,
    **grading: Any,
) -> PersonOfConcern:
    """A new person of concern in ``area``, graded (``source_evaluation``,
    ``intelligence_assessment``, ``handling_code``, ``handling_conditions``,
    ``source_agency``: the actor's agency when not given). The review date defaults to
    INTELLIGENCE_REVIEW_DAYS from today. Matching for duplicates is the caller's step
    (``intelligence.matching``) before this one."""
    today = today or london_today()
    fields = _normalise(
        {
            "name": name,
            "date_of_birth": date_of_birth,
            "approximate_age": approximate_age,
            "description": description,
            "review_date": review_date
            or today + dt.timedelta(days=settings.INTELLIGENCE_REVIEW_DAYS),
            **_grading(actor, grading),
        }
    )
    errors = {**_person_errors(fields, today), **_grading_errors(fields)}
    if status not in PersonStatus.values or status == PersonStatus.NO_LONGER:
        errors["status"] = "A new person of concern is suspected, charged or convicted."
    fields["status"] = status
    fields["status_changed_at"] = timezone.now()
    return _create(actor, PersonOfConcern, area, fields, errors)


def update_person(
    actor: User, *, person: PersonOfConcern, version: int, **changes: Any
) -> PersonOfConcern:
    """Change a person's details or grading (not their status: ``set_person_status``)."""
    today = london_today()
    return _update(
        actor,
        PersonOfConcern,
        person,
        version,
        PERSON_FIELDS,
        changes,
        lambda values: _person_errors(values, today),
    )


def set_person_status(
    actor: User,
    *,
    person: PersonOfConcern,
    version: int,
    status: str,
    today: dt.date | None = None,
) -> PersonOfConcern:
    """Suspected, charged, convicted or no longer of concern. "No longer of concern"
    starts the retention clock (``retention_date``); back to a concern clears it."""
    _require_record(actor, person.area_id)
    today = today or london_today()
    if status not in PersonStatus.values:
        raise ValidationError({"status": "Choose a status."})
    with transaction.atomic():
        locked = _locked_visible(actor, PersonOfConcern, person.pk)
        _check_version(locked, version)
        if locked.status == status:
            raise ValidationError({"status": "That is the person's status already."})
        before = snapshot(locked, ["status", "retention_date"])
        locked.status = status
        locked.status_changed_at = timezone.now()
        locked.retention_date = (
            PersonOfConcern.retention_from(today) if status == PersonStatus.NO_LONGER else None
        )
        locked.version += 1
        locked.save()
        record(
            actor=actor,
            verb=Verb.TRANSITIONED,
            obj=locked,
            changes=field_changes(before, snapshot(locked, before)),
        )
    return locked


def add_identifier(
    actor: User, *, person: PersonOfConcern, kind: str, value: str, platform: str = ""
) -> PersonIdentifier:
    """An alias, phone number or online handle of the person (once each, by its key)."""
    _require_record(actor, person.area_id)
    value, platform = (value or "").strip(), (platform or "").strip()
    errors = {}
    if kind not in IdentifierKind.values:
        errors["kind"] = "Choose alias, phone number or online handle."
    elif not value:
        errors["value"] = "Enter the alias, phone number or handle."
    elif kind == IdentifierKind.PHONE and len(keys.phone_key(value)) < 5:
        errors["value"] = "A phone number needs at least 5 digits."
    elif kind != IdentifierKind.HANDLE and platform:
        errors["platform"] = "Only an online handle has a platform."
    _raise(errors)
    with transaction.atomic():
        locked = _locked_visible(actor, PersonOfConcern, person.pk)
        identifier = PersonIdentifier(person=locked, kind=kind, value=value, platform=platform)
        if locked.identifiers.filter(kind=kind, key=identifier_key(kind, value)).exists():
            raise ValidationError({"value": "The person already has this identifier."})
        identifier.save()
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=identifier,
            changes={"person": locked.pk, "kind": kind, "value": "set"},
        )
    return identifier


def remove_identifier(actor: User, *, identifier: PersonIdentifier) -> None:
    """Remove an identifier found to be wrong (the audit trail keeps that it was there)."""
    person = identifier.person
    _require_record(actor, person.area_id)
    with transaction.atomic():
        locked = _locked_visible(actor, PersonOfConcern, person.pk)
        found = locked.identifiers.filter(pk=identifier.pk).first()
        if found is None:
            raise Http404("No such identifier.")
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=locked,
            changes={"identifier_removed": [found.kind, found.pk]},
        )
        found.delete()


# --- locations -----------------------------------------------------------------------------


def create_location(
    actor: User,
    *,
    area: Area,
    name: str,
    kind: str,
    address: str = "",
    postcode: str = "",
    latitude=None,
    longitude=None,
    description: str = "",
    **grading: Any,
) -> Location:
    fields = _normalise(
        {
            "name": name,
            "kind": kind,
            "address": address,
            "postcode": (postcode or "").upper(),
            "latitude": latitude,
            "longitude": longitude,
            "description": description,
            **_grading(actor, grading),
        }
    )
    errors = {**_location_errors(fields), **_grading_errors(fields)}
    return _create(actor, Location, area, fields, errors)


def update_location(actor: User, *, location: Location, version: int, **changes: Any) -> Location:
    if "postcode" in changes:
        changes["postcode"] = (changes["postcode"] or "").upper()
    return _update(actor, Location, location, version, LOCATION_FIELDS, changes, _location_errors)


# --- vehicles ------------------------------------------------------------------------------


def create_vehicle(
    actor: User,
    *,
    area: Area,
    registration: str,
    make: str = "",
    model: str = "",
    colour: str = "",
    description: str = "",
    **grading: Any,
) -> Vehicle:
    """A vehicle by a registration that may be partial ('?' one unknown character, '*'
    unknown characters)."""
    fields = _normalise(
        {
            "registration": registration,
            "make": make,
            "model": model,
            "colour": colour,
            "description": description,
            **_grading(actor, grading),
        }
    )
    errors = {**_vehicle_errors(fields), **_grading_errors(fields)}
    return _create(actor, Vehicle, area, fields, errors)


def update_vehicle(actor: User, *, vehicle: Vehicle, version: int, **changes: Any) -> Vehicle:
    return _update(actor, Vehicle, vehicle, version, VEHICLE_FIELDS, changes, _vehicle_errors)
