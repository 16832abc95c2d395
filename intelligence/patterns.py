"""Emerging patterns: a person of concern, a location or a vehicle linked to two or more
children.

A record is a pattern when its live links to children (on a case, or on a referral at
triage before a case exists: a referral's child is as much at risk) reach two or more
distinct children. Each area holding one of those children hears of it: its coordinators get
an ``EMERGING_PATTERN`` notification about their own children only, linking to the patterns
page (``intelligence:patterns``), which shows what each viewer may see. The notification
names nothing (no record, no child, no reference): the email says "Linked to several
children" and gives the link.

Keys: ``pattern:<kind>:<record id>:area:<area id>:<children in that area>``. Running
detection again creates nothing; a further child of the same area linked later is news to
that area and notifies its coordinators again (a new key); a further child in another area
notifies that area only. A child whose link has ended does not count.

Public API: ``link_recorded(link_id)`` (queued on commit when a child's link is recorded:
``intelligence.tasks.detect_patterns_for_link``) and ``sweep()`` (beat, nightly: every
record, in batches of ``BATCH`` records, a constant number of queries per batch).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse

from intelligence.models import Link
from notifications.models import NotificationKind
from notifications.services import Notice, create_notifications
from panel.models import Role, RoleAssignment, reads_case_data

THRESHOLD = 2
BATCH = 500
KINDS = ("person", "location", "vehicle")


def child_links() -> object:
    """Live links of a child (through a case or a referral) to a record."""
    return (
        Link.objects.live()
        .filter(Q(case__isnull=False) | Q(referral__isnull=False))
        .annotate(
            child=Coalesce(F("case__child_id"), F("referral__child_id")),
            child_area=Coalesce(F("case__child__area_id"), F("referral__child__area_id")),
        )
    )


@dataclass
class Pattern:
    """A record linked to two or more children: the children's areas, and each area's
    distinct children."""

    kind: str
    record_id: int
    children_by_area: dict[int, set[int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(children) for children in self.children_by_area.values())


def patterns_among(ids: dict[str, Iterable[int]]) -> list[Pattern]:
    """The patterns among these records (``{"person": ids, ...}``): one query."""
    ids = {kind: list(values) for kind, values in ids.items() if values}
    if not ids:
        return []
    wanted = Q(pk__in=[])
    for kind, values in ids.items():
        wanted |= Q(**{f"{kind}_id__in": values})
    found: dict[tuple[str, int], dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    rows = (
        child_links()
        .filter(wanted)
        .values_list("person_id", "location_id", "vehicle_id", "child", "child_area")
        .order_by()
        .distinct()
    )
    for person_id, location_id, vehicle_id, child_id, area_id in rows:
        for kind, record_id in zip(KINDS, (person_id, location_id, vehicle_id), strict=True):
            if record_id is not None and kind in ids:
                found[(kind, record_id)][area_id].add(child_id)
    patterns = []
    for kind, record_id in sorted(found):
        by_area = {area: set(children) for area, children in found[(kind, record_id)].items()}
        if len(set().union(*by_area.values())) >= THRESHOLD:
            patterns.append(Pattern(kind=kind, record_id=record_id, children_by_area=by_area))
    return patterns


def patterns_for(kind: str, record_ids: Iterable[int]) -> list[Pattern]:
    """The patterns among these records of one kind (one query)."""
    return patterns_among({kind: record_ids})


def about(pattern: Pattern, area_id: int) -> str:
    return (
        f"pattern:{pattern.kind}:{pattern.record_id}:area:{area_id}:"
        f"{len(pattern.children_by_area[area_id])}"
    )


def _coordinators(area_ids: Iterable[int]) -> dict[int, set[int]]:
    """The active coordinators (ids) of each area: one query."""
    by_area: dict[int, set[int]] = defaultdict(set)
    rows = RoleAssignment.objects.filter(role=Role.COORDINATOR, area_id__in=set(area_ids)).filter(
        reads_case_data("user__")
    )
    for area_id, user_id in rows.values_list("area_id", "user_id"):
        by_area[area_id].add(user_id)
    return by_area


def notify_patterns(patterns: list[Pattern]) -> int:
    """Tell each area's coordinators of the patterns involving their children (keyed: once
    per record, area and number of that area's children). Returns how many were created."""
    if not patterns:
        return 0
    link = reverse("intelligence:patterns")
    coordinators = _coordinators(
        area_id for pattern in patterns for area_id in pattern.children_by_area
    )
    notices = [
        Notice(
            recipient_id=user_id,
            kind=NotificationKind.EMERGING_PATTERN,
            link=link,
            about=about(pattern, area_id),
        )
        for pattern in patterns
        for area_id in sorted(pattern.children_by_area)
        for user_id in sorted(coordinators.get(area_id, ()))
    ]
    return create_notifications(notices)


def link_recorded(link_id: int) -> None:
    """After a child's link is recorded (or changed): if its record is now linked to two
    or more children, tell the areas concerned. Does nothing for a link between records,
    an ended link or one that no longer exists."""
    link = (
        Link.objects.filter(pk=link_id, ended_at__isnull=True)
        .filter(Q(case__isnull=False) | Q(referral__isnull=False))
        .values("person_id", "location_id", "vehicle_id")
        .first()
    )
    if link is None:
        return
    for kind in KINDS:
        record_id = link[f"{kind}_id"]
        if record_id is not None:
            with transaction.atomic():
                notify_patterns(patterns_for(kind, [record_id]))


def _candidates(kind: str) -> Iterator[list[int]]:
    """Ids of the records with links to two or more children (counted by link, a cheap
    upper bound: ``patterns_for`` counts distinct children), in batches of ``BATCH``,
    by keyset: constant memory however many records."""
    last = 0
    while True:
        ids = list(
            child_links()
            .filter(**{f"{kind}_id__gt": last})
            .values(f"{kind}_id")
            .annotate(links=Count("pk"))
            .filter(links__gte=THRESHOLD)
            .order_by(f"{kind}_id")
            .values_list(f"{kind}_id", flat=True)[:BATCH]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def sweep() -> int:
    """Detect every pattern again (beat): notifies only what has not been notified."""
    created = 0
    for kind in KINDS:
        for ids in _candidates(kind):
            with transaction.atomic():
                created += notify_patterns(patterns_for(kind, ids))
    return created
