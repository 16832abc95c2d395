"""The meeting pack's "Disruption activity" section (meetings/documents).

Disruption recorded in the meeting's area since the area's previous meeting (or, with
none, in the 90 days before this one), up to the meeting's day. A pack reader who sees the
area's intelligence (its coordinators, the leads of an agency granted it, auditors) gets
each record in full: kind, date, agency, outcome and whom it is against; the person's name
only when they may see the person (``visible_to``), else "a person of concern", and a
location's name only when they may see it, else its kind. Every other reader gets counts
by kind. What a reader gets is part of their copy's scope (``pack_scope``), so a copy is
shared only between readers who would see the same section.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import DateField, Subquery, Value
from django.db.models.functions import Coalesce

from cases.access import is_auditor
from intelligence import access
from intelligence.models import Disruption, DisruptionKind, Location, PersonOfConcern
from meetings.models import Meeting, MeetingStatus
from panel.models import User

WINDOW_DAYS = 90


@dataclass
class DisruptionLine:
    kind: str
    date: dt.date
    agency: str
    outcome: str
    against: str


def _previous_date(meeting: Meeting) -> Subquery:
    return Subquery(
        Meeting.objects.filter(area_id=meeting.area_id, date__lt=meeting.date)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("-date")
        .values("date")[:1]
    )


def _after(meeting: Meeting) -> Coalesce:
    fallback = meeting.date - dt.timedelta(days=WINDOW_DAYS)
    return Coalesce(_previous_date(meeting), Value(fallback), output_field=DateField())


def window(meeting: Meeting) -> tuple[dt.date, dt.date]:
    """(after, until): disruption dated after ``after`` and on or before ``until``."""
    after = Meeting.objects.filter(pk=meeting.pk).annotate(after=_after(meeting))
    return after.values_list("after", flat=True).get(), meeting.date


def _rows(meeting: Meeting) -> list[Disruption]:
    """The section's records, in one query (the previous meeting's date a subquery)."""
    return list(
        Disruption.objects.filter(area_id=meeting.area_id, date__lte=meeting.date)
        .filter(date__gt=_after(meeting))
        .select_related("person", "location", "agency")
        .order_by("date", "pk")
    )


def sees_in_full(user: User, meeting: Meeting) -> bool:
    return is_auditor(user) or meeting.area_id in access.intelligence_area_ids(user)


def _visible(user: User, rows: list[Disruption]) -> tuple[set[int], set[int]]:
    persons = {row.person_id for row in rows if row.person_id}
    locations = {row.location_id for row in rows if row.location_id}
    seen_persons = set(
        PersonOfConcern.objects.visible_to(user).filter(pk__in=persons).values_list("pk", flat=True)
    ) if persons else set()  # fmt: skip
    seen_locations = set(
        Location.objects.visible_to(user).filter(pk__in=locations).values_list("pk", flat=True)
    ) if locations else set()  # fmt: skip
    return seen_persons, seen_locations


def pack_scope(user: User, meeting: Meeting) -> str:
    """What this reader's section holds, for the copy's scope key: empty when they get
    counts (or there is nothing to show), else the records and which names they see."""
    if not sees_in_full(user, meeting):
        return ""
    rows = _rows(meeting)
    if not rows:
        return ""
    persons, locations = _visible(user, rows)
    ids = ",".join(str(row.pk) for row in rows)
    return f"disruption:{ids}:p{sorted(persons)}:l{sorted(locations)}"


def section(meeting: Meeting, reader: User) -> dict:
    """The section's context for ``reader`` (the copy's requester: every reader sharing
    the copy has the same ``pack_scope``)."""
    after, until = window(meeting)
    rows = _rows(meeting)
    full = sees_in_full(reader, meeting)
    counts = Counter(row.kind for row in rows)
    by_kind = [(label, counts[value]) for value, label in DisruptionKind.choices if counts[value]]
    lines: list[DisruptionLine] = []
    if full:
        persons, locations = _visible(reader, rows)
        for row in rows:
            if row.person_id:
                against = row.person.name if row.person_id in persons else "A person of concern"
            elif row.location_id in locations:
                against = f"{row.location.name} ({row.location.get_kind_display().lower()})"
            else:
                against = f"A location ({row.location.get_kind_display().lower()})"
            kind = row.kind_detail if row.kind == DisruptionKind.OTHER else row.get_kind_display()
            lines.append(DisruptionLine(kind, row.date, row.agency.name, row.outcome, against))
    return {
        "full": full,
        "after": after,
        "until": until,
        "lines": lines,
        "by_kind": by_kind,
        "total": len(rows),
    }
