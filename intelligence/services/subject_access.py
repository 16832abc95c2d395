"""Subject access: everything the panel holds about a child, with third parties redacted.

A child (or someone for them) may ask for their record (UK GDPR Art. 15). The export is
made by the coordinators of the child's area and by auditors: it is a data-protection task,
not casework, so agency leads, lead professionals and referrers may not make one (403 when
they see the child, 404 otherwise, as for every record).

What is in it: the child's details; their referrals (the concerns as written); their cases
(status, risk, lead agency and professional, actions with their updates, reviews, notes and
missing episodes); risk assessments with the answers' evidence; and the child's links to
intelligence. Every read goes through the scopes (``visible_to``); an auditor's scope is
everything, a coordinator's the area's.

What is redacted (ICO guidance on third-party information):
- a person of concern is never named: the entry reads ``REDACTED``; their names, aliases,
  phone numbers and online handles are also struck from every free text in the export;
- a location is given by its kind only ("a location: Hotel or guest house"); its name,
  the first line of its address and its postcode are struck from free text;
- a vehicle is "a vehicle"; its registration (partial ones too) is struck from free text;
- other children linked to the same persons, locations or vehicles are never named, and
  their names are struck from free text;
- professionals acting in their official capacity (referrers, lead professionals, action
  owners, assessors, note authors) are NOT redacted, as the ICO's guidance expects for
  staff doing their job; their contact details are left out.
Intelligence grading and handling conditions are not part of the export: whether the crime
exemption (DPA 2018 Sch. 2 para. 2) applies is for the person releasing it to decide.

The export is recorded as one ``exported`` event on the child, in the same transaction as
the record is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from cases.access import _active
from cases.models import (
    Action,
    ActionUpdate,
    Case,
    CaseNote,
    Child,
    Referral,
    Review,
    RiskAnswer,
    RiskAssessment,
)
from intelligence import keys
from intelligence.models import (
    IdentifierKind,
    Link,
    Location,
    MissingEpisode,
    PersonIdentifier,
    PersonOfConcern,
    Sighting,
    Vehicle,
)
from panel.models import User

REDACTED = "[Redacted: information about another person (third party)]"
A_VEHICLE = "a vehicle"
FORMATS = ("html", "json")


def may_export(user: User | None, child: Child) -> bool:
    """The coordinators of the child's area and auditors."""
    if not _active(user):
        return False
    return bool(user.is_auditor) or child.area_id in user.coordinator_area_ids


# --- redaction ---------------------------------------------------------------------------

# The text is read once, word by word (linear in its length, whatever the number of
# terms: an area may hold thousands of names and numbers). A term is a run of words
# (letters and digits), written with spaces, hyphens, apostrophes, dots or brackets between
# them in any case; a phone number a run of digit groups; a registration one to three
# groups of letters and digits.
_WORD = re.compile(r"\w+")
_GAP = re.compile("[\\s\\-'\u2019.()/+]{1,4}")
_REG_GAP = re.compile(r"\s{1,2}")
_MAX_PHONE = 15


def _words(term: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in _WORD.findall(term or ""))


def _national(digits: str) -> str:
    """A phone number's digits without country code or trunk 0, as they are compared."""
    if len(digits) > 10 and digits.startswith("44"):
        digits = digits[2:]
    return digits.lstrip("0")


class Redactor:
    """Strikes third parties' names and identifiers from free text."""

    def __init__(
        self,
        *,
        names: Iterable[str] = (),
        person_names: Iterable[str] = (),
        phones: Iterable[str] = (),
        handles: Iterable[str] = (),
        registrations: Iterable[str] = (),
        keep: Iterable[str] = (),
    ) -> None:
        kept = {_words(k) for k in keep if k}
        terms = {_words(name) for name in [*names, *handles]}
        for name in person_names:
            words = _words(name)
            terms.add(words)
            # A person's surname or first name alone, in a note, is them too.
            terms.update((w,) for w in words if len(w) >= 4 and not w.isdigit())
        self.terms: dict[str, list[tuple[str, ...]]] = {}
        for words in sorted(terms - kept - {()}, key=len, reverse=True):
            self.terms.setdefault(words[0], []).append(words)
        self.phones = {n for n in (_national(keys.phone_key(p)) for p in phones) if len(n) >= 6}
        self.registrations: set[str] = set()
        self.partial_registrations: list[re.Pattern[str]] = []
        for registration in registrations:
            key = keys.registration_key(registration)
            if sum(c.isalnum() for c in key) < 3:
                continue
            if keys.is_partial(key):
                self.partial_registrations.append(keys.registration_pattern(key))
            else:
                self.registrations.add(key)

    def __call__(self, text: str | None) -> str:
        if not text:
            return text or ""
        tokens = list(_WORD.finditer(text))
        spans: list[tuple[int, int]] = []
        for i in range(len(tokens)):
            spans += self._name_at(text, tokens, i)
            spans += self._phone_at(text, tokens, i)
            spans += self._registration_at(text, tokens, i)
        if not spans:
            return text
        out, end = [], 0
        for start, stop in _merged(spans):
            out += [text[end:start], REDACTED]
            end = stop
        out.append(text[end:])
        return "".join(out)

    @staticmethod
    def _run(text: str, tokens: list, i: int, gap: re.Pattern[str], most: int):
        """Token ``i`` and the tokens following it, each joined to the one before by a
        short gap: the runs a term may be written as."""
        run = [tokens[i]]
        yield run
        for token in tokens[i + 1 : i + most]:
            if not gap.fullmatch(text, run[-1].end(), token.start()):
                return
            run = [*run, token]
            yield run

    def _name_at(self, text: str, tokens: list, i: int) -> list[tuple[int, int]]:
        candidates = self.terms.get(tokens[i].group().casefold())
        if not candidates:
            return []
        for words in candidates:  # the longest first
            run = list(self._run(text, tokens, i, _GAP, len(words)))[-1]
            if len(run) < len(words):
                continue
            if tuple(t.group().casefold() for t in run[: len(words)]) == words:
                return [(run[0].start(), run[len(words) - 1].end())]
        return []

    def _phone_at(self, text: str, tokens: list, i: int) -> list[tuple[int, int]]:
        if not self.phones or not tokens[i].group().isdigit():
            return []
        found: list[tuple[int, int]] = []
        digits = ""
        for run in self._run(text, tokens, i, _GAP, 8):
            if not run[-1].group().isdigit():
                break
            digits += run[-1].group()
            if len(digits) > _MAX_PHONE:
                break
            if _national(digits) in self.phones:
                start = run[0].start()
                if text[max(0, start - 1) : start] == "+":
                    start -= 1
                found = [(start, run[-1].end())]
        return found

    def _registration_at(self, text: str, tokens: list, i: int) -> list[tuple[int, int]]:
        if not (self.registrations or self.partial_registrations):
            return []
        found: list[tuple[int, int]] = []
        key = ""
        for run in self._run(text, tokens, i, _REG_GAP, 3):
            key += run[-1].group().upper()
            if len(key) > 8:
                break
            if len(key) < 4 or not any(c.isdigit() for c in key):
                continue
            if key in self.registrations or any(p.match(key) for p in self.partial_registrations):
                found = [(run[0].start(), run[-1].end())]
        return found


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, stop in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return merged


def _first_line(address: str) -> str:
    return re.split(r"[,\n]", address or "", maxsplit=1)[0].strip()


def _redactor(
    child: Child,
    persons: Iterable[PersonOfConcern],
    locations: Iterable[Location],
    vehicles: Iterable[Vehicle],
    other_children: Iterable[Child],
) -> Redactor:
    names: list[str] = []
    person_names: list[str] = []
    phones: list[str] = []
    handles: list[str] = []
    for person in persons:
        person_names.append(person.name)
        for identifier in person.identifiers.all():
            if identifier.kind == IdentifierKind.PHONE:
                phones.append(identifier.value)
            elif identifier.kind == IdentifierKind.HANDLE:
                handles.append(identifier.value)
            else:
                person_names.append(identifier.value)
    for location in locations:
        names += [location.name, _first_line(location.address), location.postcode]
    for other in other_children:
        names.append(f"{other.first_name} {other.last_name}")
        if other.known_as:
            names.append(f"{other.known_as} {other.last_name}")
    return Redactor(
        names=names,
        person_names=person_names,
        phones=phones,
        handles=handles,
        registrations=[v.registration for v in vehicles],
        keep=[child.first_name, child.last_name, child.known_as],
    )


# --- the record --------------------------------------------------------------------------


def _person_name(user: User | None) -> str:
    """A professional acting in their official capacity: named, not redacted."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _when(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _subject(link: Link) -> str:
    if link.person_id:
        return REDACTED
    if link.location_id:
        return f"a location: {link.location.get_kind_display()}"
    return A_VEHICLE


def _where(location: Location | None) -> str:
    return f"a location: {location.get_kind_display()}" if location is not None else ""


def build_record(user: User, child: Child) -> dict[str, Any]:
    """The child's record as plain data (the JSON download, and what the page shows),
    third parties redacted. A constant number of queries, whatever the number of rows."""
    referrals = list(
        Referral.objects.visible_to(user)
        .filter(child=child)
        .select_related("referrer", "referrer_agency", "area")
        .order_by("referred_at", "id")
    )
    cases = list(
        Case.objects.visible_to(user)
        .filter(child=child)
        .select_related("area", "lead_agency", "lead_professional", "local_support_team")
        .prefetch_related(
            Prefetch(
                "actions",
                queryset=Action.objects.visible_to(user)
                .select_related("owning_agency", "owner")
                .prefetch_related(
                    Prefetch(
                        "updates",
                        queryset=ActionUpdate.objects.select_related("author").order_by(
                            "created_at", "id"
                        ),
                    )
                )
                .order_by("due_date", "id"),
            ),
            Prefetch(
                "reviews",
                queryset=Review.objects.visible_to(user)
                .select_related("held_by")
                .order_by("due_date", "id"),
            ),
            Prefetch(
                "notes",
                queryset=CaseNote.objects.visible_to(user)
                .select_related("author")
                .order_by("created_at", "id"),
            ),
            Prefetch(
                "missing_episodes",
                queryset=MissingEpisode.objects.visible_to(user)
                .select_related("found_location")
                .order_by("reported_missing_at", "id"),
            ),
        )
        .order_by("opened_at", "id")
    )
    assessments = list(
        RiskAssessment.objects.visible_to(user)
        .filter(child=child)
        .select_related("tool", "assessed_by")
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=RiskAnswer.objects.select_related("indicator").order_by(
                    "indicator__band", "indicator__label", "id"
                ),
            )
        )
        .order_by("assessed_at", "id")
    )
    # The child's links by the ids of the cases and referrals just read (the scope's own
    # cases and referrals of this child: a link is seen through either), not by an OR over
    # ``case__child`` and ``referral__child``: that made PostgreSQL join every link to every
    # case and referral (at 100,000 cases 350-450 ms of the export, now a few ms on the
    # two link indexes). The scope stays, as everywhere.
    links = list(
        Link.objects.on_cases_visible_to(user)
        .filter(Q(case_id__in=[c.pk for c in cases]) | Q(referral_id__in=[r.pk for r in referrals]))
        .select_related("person", "location", "vehicle", "source_agency", "case", "referral")
        .prefetch_related(
            Prefetch("person__identifiers", queryset=PersonIdentifier.objects.all()),
            Prefetch(
                "sightings",
                queryset=Sighting.objects.select_related("location").order_by("seen_at", "id"),
            ),
        )
        .order_by("recorded_at", "id")
    )
    # Who else must not appear: the area's persons, locations and vehicles the user sees,
    # and those linked to the child (wherever they are recorded); other children linked to
    # the same records. Read only to strike them out, never shown.
    person_ids = {link.person_id for link in links if link.person_id}
    location_ids = {link.location_id for link in links if link.location_id}
    location_ids |= {s.location_id for link in links for s in link.sightings.all() if s.location_id}
    location_ids |= {
        e.found_location_id for c in cases for e in c.missing_episodes.all() if e.found_location_id
    }
    vehicle_ids = {link.vehicle_id for link in links if link.vehicle_id}
    # (The child's area's records are all in the scope of who may export: its
    # coordinators and auditors.)
    persons = PersonOfConcern.objects.filter(
        Q(area_id=child.area_id) | Q(pk__in=person_ids)
    ).prefetch_related("identifiers")
    locations = Location.objects.filter(Q(area_id=child.area_id) | Q(pk__in=location_ids))
    vehicles = Vehicle.objects.filter(Q(area_id=child.area_id) | Q(pk__in=vehicle_ids))
    linked = Link.objects.filter(
        Q(person_id__in=person_ids)
        | Q(location_id__in=location_ids)
        | Q(vehicle_id__in=vehicle_ids)
    )
    other_children = (
        Child.objects.visible_to(user)
        .filter(
            Q(cases__intelligence_links__in=linked) | Q(referrals__intelligence_links__in=linked)
        )
        .exclude(pk=child.pk)
        .distinct()
        .only("first_name", "last_name", "known_as")
    )
    redact = _redactor(child, persons, locations, vehicles, other_children)

    return {
        "child": {
            "first_name": child.first_name,
            "last_name": child.last_name,
            "known_as": child.known_as,
            "date_of_birth": _when(child.date_of_birth),
            "gender": child.get_gender_display(),
            "ethnic_group": child.ethnic_group_label,
            "ethnicity_as_described": child.ethnicity,
            "school_or_setting": child.school_or_setting,
            "address": child.address,
            "area": child.area.name,
        },
        "referrals": [
            {
                "referred_at": _when(r.referred_at),
                "area": r.area.name,
                "referrer": _person_name(r.referrer),
                "referrer_agency": r.referrer_agency.name if r.referrer_agency_id else "",
                "referrer_role": r.referrer_role,
                "concerns": redact(r.concerns),
                "legal_status": r.get_legal_status_display(),
                "consent_notes": redact(r.consent_notes),
                "young_adult_reason": redact(r.young_adult_reason),
                "police_incident_number": r.police_incident_number,
                "lead_social_worker": r.lead_social_worker,
                "status": r.get_status_display(),
                "outcome": r.get_outcome_route_display() if r.outcome_route else "",
                "outcome_reason": redact(r.outcome_reason),
            }
            for r in referrals
        ],
        "cases": [_case(c, redact) for c in cases],
        "assessments": [
            {
                "assessed_at": _when(a.assessed_at),
                "assessed_by": _person_name(a.assessed_by),
                "tool": a.tool.name,
                "computed_level": a.get_computed_level_display() if a.computed_level else "",
                "final_level": a.get_final_level_display() if a.final_level else "",
                "override_reason": redact(a.override_reason),
                "answers": [
                    {
                        "indicator": answer.indicator.label,
                        "answer": answer.get_answer_display(),
                        "evidence": redact(answer.evidence),
                    }
                    for answer in a.answers.all()
                ],
            }
            for a in assessments
        ],
        "intelligence_links": [
            {
                "linked_to": _subject(link),
                "relationship": link.get_relationship_display(),
                "detail": redact(link.detail),
                "recorded_at": _when(link.recorded_at),
                "source_agency": link.source_agency.name,
                "ended_at": _when(link.ended_at),
                "sightings": [
                    {"seen_at": _when(s.seen_at), "where": _where(s.location)}
                    for s in link.sightings.all()
                ],
            }
            for link in links
        ],
        "redaction": REDACTED,
    }


def _case(case: Case, redact: Redactor) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "area": case.area.name,
        "status": case.get_status_display(),
        "risk_level": case.get_risk_level_display(),
        "lead_agency": case.lead_agency.name if case.lead_agency_id else "",
        "lead_professional": _person_name(case.lead_professional),
        "opened_at": _when(case.opened_at),
        "closed_at": _when(case.closed_at),
        "closure_reason": case.get_closure_reason_display() if case.closure_reason else "",
        "closure_summary": redact(case.closure_summary),
        "actions": [
            {
                "description": redact(a.description),
                "owning_agency": a.owning_agency.name,
                "owner": _person_name(a.owner),
                "due_date": _when(a.due_date),
                "priority": a.get_priority_display(),
                "status": a.get_status_display(),
                "completion_note": redact(a.completion_note),
                "cancel_reason": redact(a.cancel_reason),
                "updates": [
                    {
                        "at": _when(u.created_at),
                        "by": _person_name(u.author),
                        "note": redact(u.note),
                    }
                    for u in a.updates.all()
                ],
            }
            for a in case.actions.all()
        ],
        "reviews": [
            {
                "due_date": _when(r.due_date),
                "status": r.get_status_display(),
                "held_on": _when(r.held_on),
                "held_by": _person_name(r.held_by),
                "outcome": redact(r.outcome),
            }
            for r in case.reviews.all()
        ],
        "notes": [
            {"at": _when(n.created_at), "by": _person_name(n.author), "text": redact(n.text)}
            for n in case.notes.all()
        ],
        "missing_episodes": [
            {
                "reported_missing_at": _when(e.reported_missing_at),
                "returned_at": _when(e.returned_at),
                "found_at": _where(e.found_location) or redact(e.found_place),
                "return_home_interview": e.get_interview_display(),
                "interview_held_at": _when(e.interview_held_at),
                "interview_by": e.interview_by,
                "notes": redact(e.notes),
            }
            for e in case.missing_episodes.all()
        ],
    }


def export_child_record(actor: User, *, child: Child, fmt: str) -> dict[str, Any]:
    """The child's redacted record for ``actor``, recorded as one ``exported`` event on the
    child (the format and how many of each thing; never a name) in the same transaction.
    Only the coordinators of the child's area and auditors (PermissionDenied otherwise;
    the caller has already found the child in the user's scope)."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown subject access format {fmt!r}.")
    if not may_export(actor, child):
        raise PermissionDenied(
            "Only a coordinator of the child's area or an auditor may export their record."
        )
    with transaction.atomic():
        data = build_record(actor, child)
        record(
            actor=actor,
            verb=AuditEvent.Verb.EXPORTED,
            obj=child,
            changes={
                "export": "subject_access",
                "format": fmt,
                "referrals": len(data["referrals"]),
                "cases": len(data["cases"]),
                "intelligence_links": len(data["intelligence_links"]),
            },
        )
    return data
