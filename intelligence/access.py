"""Need to know within need to know: who may read intelligence.

Persons of concern, locations, vehicles, the links between them and children, sightings
and disruption are read only through the ``visible_to`` methods here. The rules, from
current rows only:

- an area's coordinators see its intelligence, whatever its handling code;
- the agency leads of an agency granted the area (an ``IntelligenceGrant`` row: data,
  never a rule on the agency's kind) see its intelligence graded P, and the items graded C
  that came from their own agency (``source_agency``);
- auditors see everything, read-only: they review who saw what, and a C item is one of the
  things they review;
- anyone else, staff and superusers included, sees none of it.

A link is seen in full only by someone who sees the link and every record it joins. Who
sees a case sees that its child is linked to "a person of concern" or to a location of a
kind (``LinkQuerySet.on_cases_visible_to``), never the detail: the case pages show that
much, and the detail only where ``visible_to`` allows. Missing episodes are case data and
follow the case scope.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from cases.access import NOTHING, _active, case_id_scope, is_auditor, referral_id_scope

if TYPE_CHECKING:
    from panel.models import User

_CACHE = "_intelligence_grant_area_ids"


def granted_area_ids(user: User | None) -> frozenset[int]:
    """The areas whose intelligence the user's agency is granted, if the user is one of its
    agency leads (one query, kept on the user object for the request)."""
    from intelligence.models import IntelligenceGrant

    if not _active(user) or not user.agency_id or not user.is_agency_lead:
        return frozenset()
    cached = getattr(user, _CACHE, None)
    if cached is None or cached[0] != user.agency_id:
        ids = frozenset(
            IntelligenceGrant.objects.filter(agency_id=user.agency_id).values_list(
                "area_id", flat=True
            )
        )
        cached = (user.agency_id, ids)
        setattr(user, _CACHE, cached)
    return cached[1]


def intelligence_area_ids(user: User | None) -> frozenset[int]:
    """The areas in which the user sees some intelligence (all of it as a coordinator;
    P and their own agency's C as a granted agency lead). Auditors: see ``sees_all``."""
    if not _active(user):
        return frozenset()
    return frozenset(user.coordinator_area_ids) | granted_area_ids(user)


def sees_intelligence(user: User | None) -> bool:
    """Whether the user may open the intelligence pages at all."""
    return is_auditor(user) or bool(intelligence_area_ids(user))


def may_record(user: User | None, area_id: int) -> bool:
    """Whether the user may create and change intelligence in the area: its coordinators
    and the agency leads of an agency granted it. Auditors read only; nobody else writes.
    (A granted lead changes only what they may see: services check ``visible_to`` too.)"""
    if not _active(user) or user.is_auditor:
        return False
    return area_id in user.coordinator_area_ids or area_id in granted_area_ids(user)


def may_merge(user: User | None, area_id: int) -> bool:
    """Merging (and unmerging) duplicates is the area's coordinators' decision."""
    return _active(user) and not user.is_auditor and area_id in user.coordinator_area_ids


def record_scope(user: User | None, prefix: str = "") -> Q:
    """The Q selecting the graded intelligence rows (records or links) ``user`` may see, on a
    model reaching them by ``prefix``: by the row's area and its handling code."""
    if not _active(user):
        return NOTHING
    if user.is_auditor:
        return Q()
    scope = NOTHING
    if user.coordinator_area_ids:
        scope |= Q(**{f"{prefix}area_id__in": user.coordinator_area_ids})
    granted = granted_area_ids(user)
    if granted:
        scope |= Q(**{f"{prefix}area_id__in": granted}) & (
            Q(**{f"{prefix}handling_code": "P"})
            | Q(**{f"{prefix}source_agency_id": user.agency_id})
        )
    return scope


def _optional(user: User | None, field: str) -> Q:
    """The record in ``field`` is absent, or one the user may see."""
    scope = record_scope(user, f"{field}__")
    if not scope:
        # Auditors: the empty Q, every record. Never OR it with anything: Django drops an
        # empty Q from ``|``, so ``Q(x) | Q()`` is ``Q(x)`` (auditors saw only sightings
        # with no location until the property test found it).
        return Q()
    return Q(**{f"{field}__isnull": True}) | scope


def link_scope(user: User | None, prefix: str = "") -> Q:
    """A link the user may see in full: the link itself, and each record it joins."""
    if not _active(user):
        return NOTHING
    if user.is_auditor:
        return Q()
    return (
        record_scope(user, prefix)
        & _optional(user, f"{prefix}person")
        & _optional(user, f"{prefix}other_person")
        & _optional(user, f"{prefix}location")
        & _optional(user, f"{prefix}vehicle")
    )


class IntelligenceQuerySet(models.QuerySet):
    """Persons of concern, locations and vehicles."""

    def visible_to(self, user: User | None) -> IntelligenceQuerySet:
        return self.filter(record_scope(user))

    def current(self) -> IntelligenceQuerySet:
        """Not merged into another record (a merged one is kept, for its history)."""
        return self.filter(merged_into__isnull=True)


class LinkQuerySet(models.QuerySet):
    def visible_to(self, user: User | None) -> LinkQuerySet:
        return self.filter(link_scope(user))

    def on_cases_visible_to(self, user: User | None) -> LinkQuerySet:
        """The links of the children whose case (or, before a case exists, referral) the
        user may see: enough to say a child is linked to "a person of concern" or to a
        location of a kind, never who or where (the pages show the detail only of links
        ``visible_to`` the user)."""
        if not _active(user):
            return self.none()
        if user.is_auditor:
            return self.filter(Q(case__isnull=False) | Q(referral__isnull=False))
        return self.filter(case_id_scope(user, "case_id") | referral_id_scope(user, "referral_id"))

    def live(self) -> LinkQuerySet:
        return self.filter(ended_at__isnull=True)


class SightingQuerySet(models.QuerySet):
    def visible_to(self, user: User | None) -> SightingQuerySet:
        return self.filter(link_scope(user, "link__") & _optional(user, "location"))


class DisruptionQuerySet(models.QuerySet):
    """Disruption against a person or at a location: seen by who sees its area's
    intelligence and the person or location it is against."""

    def visible_to(self, user: User | None) -> DisruptionQuerySet:
        if not _active(user):
            return self.none()
        if user.is_auditor:
            return self.all()
        areas = intelligence_area_ids(user)
        if not areas:
            return self.none()
        return self.filter(
            Q(area_id__in=areas) & _optional(user, "person") & _optional(user, "location")
        )


class MergeQuerySet(models.QuerySet):
    """Merges: the area's coordinators, who make them, and auditors."""

    def visible_to(self, user: User | None) -> MergeQuerySet:
        if not _active(user):
            return self.none()
        if user.is_auditor:
            return self.all()
        return self.filter(area_id__in=user.coordinator_area_ids)


class MissingEpisodeQuerySet(models.QuerySet):
    """Case data: whoever sees the case (``cases.access.case_id_scope``)."""

    def visible_to(self, user: User | None) -> MissingEpisodeQuerySet:
        if is_auditor(user):
            return self.all()
        return self.filter(case_id_scope(user, "case_id"))
