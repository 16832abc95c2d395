"""Possible duplicates of a person of concern, location or vehicle being recorded or
edited, among the records the user may see (``visible_to``; merged records left out).

As for children (``cases.matching``), keys are compared, never the words typed:

- persons: the folded name against names and aliases, either way round (a new name may be
  an existing alias, a new alias an existing name), phone numbers by their digits (+44 read
  as 0) and online handles without '@' and case;
- vehicles: registrations without case and spaces, a partial one matching with its
  wildcards ('?' one character, '*' any run: ``keys.registrations_match``);
- locations: the postcode, or the folded name.

Each finder narrows in the database and says why each candidate matched."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from intelligence import keys
from intelligence.models import IdentifierKind, Location, PersonOfConcern, Vehicle

if TYPE_CHECKING:
    from panel.models import User

LIMIT = 20


@dataclass(frozen=True)
class Candidate:
    record: Any
    reasons: tuple[str, ...]


def _keys(values: Iterable[str], fn) -> set[str]:
    return {k for k in (fn(v) for v in values or ()) if k}


def person_candidates(
    user: User,
    *,
    name: str = "",
    aliases: Iterable[str] = (),
    phones: Iterable[str] = (),
    handles: Iterable[str] = (),
    exclude_pk: int | None = None,
) -> list[Candidate]:
    """Persons the user sees who may be this one."""
    names = _keys([name, *aliases], keys.person_name_key)
    phone_keys = _keys(phones, keys.phone_key)
    handle_keys = _keys(handles, keys.handle_key)
    if not (names or phone_keys or handle_keys):
        return []
    query = Q(name_key__in=names) | Q(
        identifiers__kind=IdentifierKind.ALIAS, identifiers__key__in=names
    )
    if phone_keys:
        query |= Q(identifiers__kind=IdentifierKind.PHONE, identifiers__key__in=phone_keys)
    if handle_keys:
        query |= Q(identifiers__kind=IdentifierKind.HANDLE, identifiers__key__in=handle_keys)
    ids = (
        PersonOfConcern.objects.visible_to(user)
        .current()
        .filter(query)
        .exclude(pk=exclude_pk)
        .values_list("pk", flat=True)
        .distinct()
    )
    found = (
        PersonOfConcern.objects.filter(pk__in=list(ids[: LIMIT * 2]))
        .select_related("area")
        .prefetch_related("identifiers")
    )
    out = []
    for person in found:
        reasons = []
        idents = list(person.identifiers.all())
        alias_keys = {i.key for i in idents if i.kind == IdentifierKind.ALIAS}
        if person.name_key in names or alias_keys & names:
            reasons.append("name or alias")
        if {i.key for i in idents if i.kind == IdentifierKind.PHONE} & phone_keys:
            reasons.append("phone number")
        if {i.key for i in idents if i.kind == IdentifierKind.HANDLE} & handle_keys:
            reasons.append("online handle")
        if reasons:
            out.append(Candidate(person, tuple(reasons)))
    return out[:LIMIT]


def vehicle_candidates(
    user: User, *, registration: str, exclude_pk: int | None = None
) -> list[Candidate]:
    """Vehicles the user sees whose registration could be this one (either partial)."""
    key = keys.registration_key(registration)
    if not key:
        return []
    scope = Vehicle.objects.visible_to(user).current().exclude(pk=exclude_pk)
    if not keys.is_partial(key):
        # A full registration is one exact key, or a partial one that may stand for it.
        scope = scope.filter(Q(registration_key=key) | Q(partial=True))
    else:
        head = re_prefix(key)
        if head:
            scope = scope.filter(Q(partial=True) | Q(registration_key__startswith=head))
    matched = [
        pk
        for pk, other in scope.values_list("pk", "registration_key")
        if keys.registrations_match(key, other)
    ]
    vehicles = Vehicle.objects.filter(pk__in=matched[:LIMIT]).select_related("area")
    return [
        Candidate(v, ("registration" if v.registration_key == key else "partial registration",))
        for v in vehicles
    ]


def re_prefix(key: str) -> str:
    """The known characters before a partial registration's first wildcard."""
    for i, c in enumerate(key):
        if c in keys.WILDCARDS:
            return key[:i]
    return key


def location_candidates(
    user: User, *, name: str = "", postcode: str = "", exclude_pk: int | None = None
) -> list[Candidate]:
    """Locations the user sees with this postcode or this name."""
    name_key, postcode_key = keys.person_name_key(name), keys.postcode_key(postcode)
    query = Q(pk__in=[])
    if name_key:
        query |= Q(name_key=name_key)
    if postcode_key:
        query |= Q(postcode_key=postcode_key)
    found = (
        Location.objects.visible_to(user)
        .current()
        .filter(query)
        .exclude(pk=exclude_pk)
        .select_related("area")[:LIMIT]
    )
    out = []
    for location in found:
        reasons = []
        if name_key and location.name_key == name_key:
            reasons.append("name")
        if postcode_key and location.postcode_key == postcode_key:
            reasons.append("postcode")
        out.append(Candidate(location, tuple(reasons)))
    return out
