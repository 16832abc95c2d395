"""What a case page (or a referral at triage) says of the child's links.

Whoever sees the case sees that the child is linked to "a person of concern", to a
location by its kind only ("a takeaway"; a house is "a private address", and no address
is ever shown), or to "a vehicle". Items graded C that the viewer may not see in full say
"restricted". Only a viewer who sees the link in full (``Link.objects.visible_to``) is
given the record's name, linked to its page. One query, however many links."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, Q, Value, When
from django.db.models import Case as SqlCase
from django.urls import reverse

from intelligence.access import link_scope
from intelligence.models import HandlingCode, Link, LocationKind

KIND_PHRASES = {
    LocationKind.HOUSE: "a private address",
    LocationKind.HOTEL: "a hotel or guest house",
    LocationKind.TAKEAWAY: "a takeaway",
    LocationKind.PARK: "a park or open space",
    LocationKind.SHOP: "a shop",
    LocationKind.TRANSPORT_HUB: "a transport hub",
    LocationKind.ONLINE: "an online platform",
    LocationKind.OTHER: "a location",
}
RESTRICTED = "restricted"


def record_url(obj) -> str:
    """The page of a person, location or vehicle."""
    name = {
        "personofconcern": "intelligence:person-detail",
        "location": "intelligence:location-detail",
        "vehicle": "intelligence:vehicle-detail",
    }[obj._meta.model_name]
    return reverse(name, args=[obj.pk])


@dataclass(frozen=True)
class LinkLine:
    """One line of the summary. ``name`` and ``url`` only for a viewer who sees it in full."""

    pk: int
    phrase: str
    relationship: str
    full: bool
    restricted: bool
    name: str = ""
    url: str = ""
    link_url: str = ""
    grading: str = ""
    ended: bool = False


def phrase(link: Link) -> str:
    if link.person_id:
        return "a person of concern"
    if link.location_id:
        return KIND_PHRASES.get(link.location.kind, "a location")
    return "a vehicle"


def _restricted(link: Link) -> bool:
    subject = link.subject
    return link.handling_code == HandlingCode.C or subject.handling_code == HandlingCode.C


def _full(user):
    """Whether the viewer sees the link in full, in the query (auditors: always)."""
    scope = link_scope(user)
    if not scope:  # the empty Q: everything
        return Value(True, output_field=BooleanField())
    return SqlCase(When(scope, then=Value(True)), default=Value(False), output_field=BooleanField())


def child_links(user, *, case=None, referral=None, live_only: bool = True) -> list[LinkLine]:
    """The child's links on ``case`` (or on ``referral``) as ``user`` may be told them."""
    where = Q(case_id=case.pk) if case is not None else Q(referral_id=referral.pk)
    rows = (
        Link.objects.on_cases_visible_to(user)
        .filter(where)
        .select_related("person", "location", "vehicle")
        .annotate(full=_full(user))
        .order_by("-recorded_at", "-id")
    )
    if live_only:
        rows = rows.filter(ended_at__isnull=True)
    lines = []
    for link in rows:
        full = bool(link.full)
        restricted = not full and _restricted(link)
        line = LinkLine(
            pk=link.pk,
            phrase=RESTRICTED if restricted else phrase(link),
            relationship="" if restricted else link.get_relationship_display(),
            full=full,
            restricted=restricted,
            ended=link.ended_at is not None,
        )
        if full:
            subject = link.subject
            line = LinkLine(
                pk=link.pk,
                phrase=phrase(link),
                relationship=link.get_relationship_display(),
                full=True,
                restricted=False,
                name=str(subject),
                url=record_url(subject),
                link_url=reverse("intelligence:link-detail", args=[link.pk]),
                grading=link.grading,
                ended=link.ended_at is not None,
            )
        lines.append(line)
    return lines
