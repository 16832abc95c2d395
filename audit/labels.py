"""Audit events in plain English, for every auditor's page (the search, a case's history,
who viewed a child's record) and the readable columns of the CSV export.

The trail stores raw values ("cases.referral", "41", ``{"status": ["submitted",
"accepted"]}``); this says "Referral 41", links to its page, and "Status: Awaiting triage
→ Accepted to panel". Field names become their labels, choice values their display
labels, ids of agencies, people and Local Support Teams their names. The labels a page
needs are looked up once for all its events (a few queries, however many rows), never per
row. The events themselves are not changed: the CSV keeps the raw values beside these.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils.text import capfirst

from audit.models import AuditEvent
from panel.dates import LONDON
from panel.models import Agency, LocalSupportTeam, Role, User

# Records with a page of their own: the auditor (who sees everything) may open each.
PAGES = {
    "cases.case": "cases:case-detail",
    "cases.referral": "cases:referral-detail",
    "cases.child": "cases:child-detail",
    "cases.action": "cases:action-detail",
}
# Change keys that hold ids of other records, by the model they point at.
RELATED = {
    "owning_agency": Agency,
    "lead_agency": Agency,
    "involved_agencies": Agency,
    "attending_agencies": Agency,
    "owner": User,
    "user": User,  # the person a role was granted to or taken from
    "lead_professional": User,
    "triaged_by": User,
    "assessed_by": User,
    "held_by": User,
    "local_support_team": LocalSupportTeam,
}
CHILD_IDS = ("child", "removed_as_duplicate_of")
# Change keys that are not a field of the record's model, or whose field name reads badly.
LABELS = {
    "route": "Where to",
    "note": "Progress note",
    "next_review": "Next review due",
    "involved_agencies": "Involved agencies",
    "attending_agencies": "Agencies that attended",
    "removed_as_duplicate_of": "Removed as a duplicate of",
    "four_p": "Which of the 4 Ps",
    "lst_contact": "LST contact",
    "filters": "Search filters",
    "deleted": "Deleted",
    "removed": "Removed",
    "user": "Person",
    "added_or_changed": "Added or changed",
    "list": "List",
    "listed_count": "Records listed",
}
# Which list a ``listed`` event was (its ``list`` change), in plain English.
LISTS = {
    "cases:case-list": "The case list",
    "cases:referral-list": "My referrals",
    "cases:triage-queue": "The triage queue",
    "cases:triage-possible-duplicates": "Possible duplicates, at triage",
    "cases:my-work": "My work",
    "cases:reviews-due": "Reviews due",
    "v1:child-list": "API: children",
    "v1:case-list": "API: cases",
    "v1:referral-list": "API: referrals",
    "v1:referral-possible-duplicates": "API: possible duplicates of a referred child",
    "v1:assessment-list": "API: risk assessments",
    "v1:note-list": "API: case notes",
    "v1:action-list": "API: actions",
    "v1:review-list": "API: reviews",
}
# How an auditor reads each kind of look at a child's record ("who has viewed").
READS = {
    AuditEvent.Verb.VIEWED: "Opened the record",
    AuditEvent.Verb.LISTED: "Saw it in a list",
    AuditEvent.Verb.EXPORTED: "Exported it",
}
# Change keys kept in the trail (and the CSV) but not worth a reader's line: the digest
# that lets verify_audit check a listed event's records.
HIDDEN = frozenset({"listed_sha256"})
# Keys whose values are choices of another field of the same model.
CHOICES_OF = {"route": "outcome_route"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ROLE_LABELS = dict(Role.choices)


@dataclass(frozen=True)
class Change:
    """One changed field: ``old`` → ``new``, or only ``new`` when there was nothing
    before (a record created), or only ``text`` (free text is recorded as "changed")."""

    label: str
    new: str = ""
    old: str = ""
    text: str = ""


@dataclass(frozen=True)
class ReadableEvent:
    event: AuditEvent
    record: str  # "Referral 41", "" for events about no record (a sign-in)
    record_url: str
    case_url: str  # the case page of the event's case reference, if any
    actor_roles: str
    changes: list[Change] = field(default_factory=list)

    @property
    def reading(self) -> str:
        """How the actor saw the record, for "who has viewed this child's record"."""
        return READS.get(self.event.verb, self.event.get_verb_display())

    @property
    def list_name(self) -> str:
        """Which list a ``listed`` event was, in plain English."""
        name = (self.event.changes or {}).get("list", "")
        return LISTS.get(name, name)

    def changes_text(self) -> str:
        """The changes on one line, for the CSV's readable column."""
        return "; ".join(
            f"{c.label}: {c.text or (f'{c.old} → {c.new}' if c.old else c.new)}"
            for c in self.changes
        )


def readable(events: Iterable[AuditEvent]) -> list[ReadableEvent]:
    """The events with their labels, looked up once for all of them."""
    events = list(events)
    return _Labels(events).describe_all(events)


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _ids(value: Any) -> list[int]:
    """The integer ids in a change's value: "5", 5, ["1", "2"], [[1], [1, 2]]."""
    if isinstance(value, list | tuple):
        return [i for item in value for i in _ids(item)]
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, str) and value.isdigit():
        return [int(value)]
    return []


class _Labels:
    def __init__(self, events: Sequence[AuditEvent]) -> None:
        wanted: dict[type[models.Model], set[int]] = {
            Agency: set(),
            User: set(),
            LocalSupportTeam: set(),
        }
        linkable: dict[str, set[int]] = {object_type: set() for object_type in PAGES}
        references = set()
        for event in events:
            if event.case_reference:
                references.add(event.case_reference)
            if event.object_type in linkable and event.object_id.isdigit():
                linkable[event.object_type].add(int(event.object_id))
            if event.object_type == "panel.user" and event.object_id.isdigit():
                wanted[User].add(int(event.object_id))
            for key, value in (event.changes or {}).items():
                if key in RELATED:
                    wanted[RELATED[key]].update(_ids(value))
        # One query per kind of record the page names: never one per row.
        self.names = {
            model: {obj.pk: str(obj) for obj in model.objects.filter(pk__in=ids).order_by()}
            for model, ids in wanted.items()
        }
        cases = models.Q(pk__in=linkable["cases.case"]) | models.Q(reference__in=references)
        self.case_by_reference: dict[str, int] = {}
        existing: dict[str, set[int]] = {}
        if linkable["cases.case"] or references:
            rows = _model("cases.case").objects.filter(cases).order_by()
            rows = rows.values_list("pk", "reference")
            for pk, reference in rows:
                self.case_by_reference[reference] = pk
                existing.setdefault("cases.case", set()).add(pk)
        for object_type, ids in linkable.items():
            if object_type != "cases.case" and ids:
                found = _model(object_type).objects.filter(pk__in=ids).order_by()
                existing[object_type] = set(found.values_list("pk", flat=True))
        self.existing = existing

    def describe_all(self, events: Sequence[AuditEvent]) -> list[ReadableEvent]:
        return [self.describe(event) for event in events]

    def describe(self, event: AuditEvent) -> ReadableEvent:
        model = _model(event.object_type) if event.object_type else None
        record, url = self.record(event, model)
        case_pk = self.case_by_reference.get(event.case_reference)
        return ReadableEvent(
            event=event,
            record=record,
            record_url=url,
            case_url=reverse("cases:case-detail", args=[case_pk]) if case_pk else "",
            actor_roles=", ".join(
                ROLE_LABELS.get(role.strip(), role.strip())
                for role in event.actor_roles.split(",")
                if role.strip()
            ),
            changes=[
                self.change(model, key, value)
                for key, value in (event.changes or {}).items()
                if key not in HIDDEN
            ],
        )

    def record(self, event: AuditEvent, model: type[models.Model] | None) -> tuple[str, str]:
        if not event.object_type:
            return "", ""
        if event.verb == AuditEvent.Verb.LISTED:
            # A list names many records (in the side table), not one.
            kind = model._meta.verbose_name_plural if model else event.object_type
            return f"A list of {kind}", ""
        kind = capfirst(model._meta.verbose_name) if model else event.object_type
        if not event.object_id:
            return str(kind), ""
        pk = int(event.object_id) if event.object_id.isdigit() else None
        if event.object_type == "panel.user" and pk in self.names[User]:
            return f"{kind} {self.names[User][pk]}", ""
        url = ""
        if pk is not None and pk in self.existing.get(event.object_type, ()):
            url = reverse(PAGES[event.object_type], args=[pk])
        return f"{kind} {event.object_id}", url

    def change(self, model: type[models.Model] | None, key: str, value: Any) -> Change:
        label = self.label(model, key)
        if isinstance(value, list) and len(value) == 2:
            old, new = (self.value(model, key, v) for v in value)
            return Change(label, new=new or "none", old=old)
        if value == "changed":
            return Change(label, text="changed (the text is not copied into the trail)")
        return Change(label, text=self.value(model, key, value) or "none")

    def label(self, model: type[models.Model] | None, key: str) -> str:
        if key in LABELS:
            return LABELS[key]
        found = _field(model, key)
        return capfirst(str(found.verbose_name)) if found else capfirst(key.replace("_", " "))

    def value(self, model: type[models.Model] | None, key: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return ""
        if key in RELATED:
            names = self.names[RELATED[key]]
            return ", ".join(names.get(i, f"#{i}") for i in _ids(value))
        if key == "list":
            return LISTS.get(str(value), str(value))
        if key in CHILD_IDS:
            return ", ".join(f"Child {i}" for i in _ids(value))
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, dict):
            return "; ".join(
                f"{self.label(model, k)}: {self.value(model, k, v)}" for k, v in value.items()
            )
        if isinstance(value, list):
            return ", ".join(self.value(model, key, v) for v in value)
        text = str(value)
        choices = _choices(model, CHOICES_OF.get(key, key))
        if text in choices:
            return choices[text]
        if ISO_DATE.match(text):
            return f"{dt.date.fromisoformat(text):%-d %b %Y}"
        if ISO_MOMENT.match(text):
            moment = dt.datetime.fromisoformat(text)
            if moment.tzinfo is not None:
                return f"{moment.astimezone(LONDON):%-d %b %Y %H:%M}"
        return text


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def _choices(model: type[models.Model] | None, name: str) -> dict[str, str]:
    found = _field(model, name)
    return {str(k): str(v) for k, v in found.flatchoices} if found and found.choices else {}
