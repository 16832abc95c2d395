"""Merging duplicate persons of concern, locations or vehicles, and undoing a merge.

The area's coordinators decide (``access.may_merge``); both records are in their area and
seen by them. A merge moves what hangs on the duplicate to the record kept (links, a
person's identifiers, sightings at a location, disruption, agenda items, a location where
a missing child was found), points the duplicate at the kept one (``merged_into``), and
writes a ``Merge`` row naming each row it moved. Undoing writes a new ``Merge`` row that
``reverses`` it and moves back exactly those rows: merges are append-only (database
triggers refuse UPDATE and DELETE on them)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from intelligence import access
from intelligence.models import (
    Disruption,
    Link,
    Location,
    Merge,
    MergeKind,
    MissingEpisode,
    PersonIdentifier,
    PersonOfConcern,
    Sighting,
    Vehicle,
)
from meetings.models import AgendaItem, AgendaItemStatus
from panel.models import User

MODELS: dict[str, type[models.Model]] = {
    MergeKind.PERSON: PersonOfConcern,
    MergeKind.LOCATION: Location,
    MergeKind.VEHICLE: Vehicle,
}
LIVE_AGENDA = (AgendaItemStatus.PENDING, AgendaItemStatus.HEARD)


def _moves(kind: str) -> dict[str, tuple[type[models.Model], str]]:
    """What moves for a kind: {name in ``moved``: (model, field pointing at the record)}."""
    if kind == MergeKind.PERSON:
        return {
            "links": (Link, "person"),
            "links_other": (Link, "other_person"),
            "identifiers": (PersonIdentifier, "person"),
            "disruptions": (Disruption, "person"),
            "agenda_items": (AgendaItem, "person"),
        }
    if kind == MergeKind.LOCATION:
        return {
            "links": (Link, "location"),
            "sightings": (Sighting, "location"),
            "disruptions": (Disruption, "location"),
            "agenda_items": (AgendaItem, "location"),
            "missing_episodes": (MissingEpisode, "found_location"),
        }
    return {"links": (Link, "vehicle")}


def _movable(model, field: str, kept: Any, merged: Any) -> models.QuerySet:
    rows = model.objects.filter(**{field: merged})
    if model is Link and field in ("person", "other_person"):
        # A link between the two persons themselves would join the kept one to itself: it
        # stays on the duplicate.
        rows = rows.exclude(Q(person=kept) | Q(other_person=kept))
    if model is AgendaItem:
        # One live item per record per meeting: where the kept record is already on the
        # meeting's agenda, the duplicate's item stays where it is.
        taken = AgendaItem.objects.filter(**{field: kept}, status__in=LIVE_AGENDA).values(
            "meeting_id"
        )
        rows = rows.exclude(meeting_id__in=taken, status__in=LIVE_AGENDA)
    return rows


def _pair(actor: User, kind: str, kept_id: int, merged_id: int) -> tuple[Any, Any]:
    model = MODELS[kind]
    rows = {
        r.pk: r
        for r in model.objects.visible_to(actor)
        .select_for_update()
        .filter(pk__in=[kept_id, merged_id])
    }
    if kept_id not in rows or merged_id not in rows:
        raise Http404("No such record.")
    return rows[kept_id], rows[merged_id]


def merge_records(actor: User, *, kind: str, kept: Any, merged: Any, reason: str) -> Merge:
    """Merge ``merged`` into ``kept`` (two records of ``kind`` in one area)."""
    if kind not in MODELS:
        raise ValidationError({"kind": "Choose persons, locations or vehicles."})
    if not access.may_merge(actor, kept.area_id) or not access.may_merge(actor, merged.area_id):
        raise PermissionDenied("Only a coordinator of the area merges records.")
    reason = (reason or "").strip()
    errors = {}
    if kept.pk == merged.pk:
        errors["merged"] = "Choose a different record to merge into this one."
    elif kept.area_id != merged.area_id:
        errors["merged"] = "Only records of one area are merged."
    if not reason:
        errors["reason"] = "Say why these are the same."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        kept, merged = _pair(actor, kind, kept.pk, merged.pk)
        if kept.merged_into_id or merged.merged_into_id:
            raise ValidationError({"merged": "One of these records is already merged."})
        moved: dict[str, list[int]] = {}
        for name, (model, field) in _moves(kind).items():
            rows = _movable(model, field, kept, merged)
            ids = sorted(rows.values_list("pk", flat=True))
            if ids:
                model.objects.filter(pk__in=ids).update(**{field: kept})
                moved[name] = ids
        type(merged).objects.filter(pk=merged.pk).update(
            merged_into=kept, version=merged.version + 1
        )
        merge = Merge.objects.create(
            kind=kind,
            area_id=kept.area_id,
            kept_id=kept.pk,
            merged_id=merged.pk,
            moved=moved,
            reason=reason,
            by=actor,
            at=now,
        )
        record(
            actor=actor,
            verb=AuditEvent.Verb.CREATED,
            obj=merge,
            changes={
                "kind": kind,
                "kept": kept.pk,
                "merged": merged.pk,
                "moved": {name: len(ids) for name, ids in moved.items()},
                "reason": "set",
            },
        )
    return merge


def unmerge(actor: User, *, merge: Merge, reason: str) -> Merge:
    """Undo a merge: the duplicate stands on its own again and exactly the rows the merge
    moved go back to it. Written as a new Merge row that ``reverses`` the first."""
    found = Merge.objects.visible_to(actor).filter(pk=merge.pk).first()
    if found is None:
        raise Http404("No such merge.")
    if not access.may_merge(actor, found.area_id):
        raise PermissionDenied("Only a coordinator of the area undoes a merge.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the merge is undone."})
    now = timezone.now()
    with transaction.atomic():
        # Merge rows are append-only (the app's database role may not lock them FOR
        # UPDATE): locking the two records serialises undos of one merge, and ``reverses``
        # being one-to-one refuses a second undoing in the database.
        kept, merged = _pair(actor, found.kind, found.kept_id, found.merged_id)
        if found.reverses_id is not None:
            raise ValidationError("This is an undoing already: merge the records again instead.")
        if Merge.objects.filter(reverses=found).exists():
            raise ValidationError("This merge has been undone already.")
        if merged.merged_into_id != kept.pk:
            raise ValidationError("The duplicate is no longer merged into the kept record.")
        moves = _moves(found.kind)
        back: dict[str, list[int]] = {}
        for name, ids in found.moved.items():
            model, field = moves[name]
            rows = model.objects.filter(pk__in=ids, **{field: kept})
            back_ids = sorted(rows.values_list("pk", flat=True))
            rows.update(**{field: merged})
            if back_ids:
                back[name] = back_ids
        type(merged).objects.filter(pk=merged.pk).update(
            merged_into=None, version=merged.version + 1
        )
        undo = Merge.objects.create(
            kind=found.kind,
            area_id=found.area_id,
            kept_id=found.kept_id,
            merged_id=found.merged_id,
            moved=back,
            reason=reason,
            reverses=found,
            by=actor,
            at=now,
        )
        record(
            actor=actor,
            verb=AuditEvent.Verb.CREATED,
            obj=undo,
            changes={
                "reverses": found.pk,
                "moved_back": {name: len(ids) for name, ids in back.items()},
                "reason": "set",
            },
        )
    return undo


def is_undone(merge: Merge) -> bool:
    return Merge.objects.filter(reverses=merge).exists()
