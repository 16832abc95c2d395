"""Paging the trail newest first without counting it: "newer" and "older" links carry the
position (time, id) of the event at the page's edge, and each page is read from an index
with LIMIT (keyset paging). The count says how many events match up to ``COUNT_CAP`` and
"more than" beyond it, so a broad search never counts two million rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from audit.models import AuditEvent

COUNT_CAP = 1000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def cursor_of(event: AuditEvent) -> str:
    return f"{(event.at - _EPOCH) // _MICROSECOND}.{event.pk}"


def parse_cursor(value: str | None) -> tuple[dt.datetime, int] | None:
    """(at, id) from a cursor, or None for a missing or malformed one (the first page)."""
    try:
        micros, pk = (int(part) for part in (value or "").split("."))
        return _EPOCH + dt.timedelta(microseconds=micros), pk
    except (ValueError, OverflowError):
        return None


@dataclass
class KeysetPage:
    rows: list[AuditEvent]
    count: int
    capped: bool
    newer: str | None
    older: str | None

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def count_text(self) -> str:
        if self.capped:
            return f"More than {COUNT_CAP:,} events"
        return f"{self.count:,} event" + ("" if self.count == 1 else "s")

    @property
    def has_other_pages(self) -> bool:
        return bool(self.newer or self.older)


def capped_count(events: QuerySet[AuditEvent]) -> int:
    """How many events match, counting no further than ``COUNT_CAP`` + 1 (ids only, no
    joins: the first rows off the filter's index). The search page and the home page's
    audit figures count through here, so they say the same ("more than 1,000")."""
    return events.select_related(None).order_by().values("pk")[: COUNT_CAP + 1].count()


def keyset_page(
    events: QuerySet[AuditEvent], *, before: str | None, after: str | None, size: int = 50
) -> KeysetPage:
    """One page of ``events`` (newest first): the first page, the page older than
    ``before`` or the page newer than ``after``. Two queries: the capped count and the page."""
    found = capped_count(events)
    older_than, newer_than = parse_cursor(before), parse_cursor(after)
    if newer_than is not None:
        at, pk = newer_than
        rows = list(
            events.filter(Q(at__gte=at) & (Q(at__gt=at) | Q(id__gt=pk))).order_by("at", "id")[
                : size + 1
            ]
        )
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        newer = cursor_of(rows[0]) if rows and more_newer else None
        older = cursor_of(rows[-1]) if rows else before
        return KeysetPage(rows, min(found, COUNT_CAP), found > COUNT_CAP, newer, older)
    page = events.order_by("-at", "-id")
    if older_than is not None:
        at, pk = older_than
        page = page.filter(Q(at__lte=at) & (Q(at__lt=at) | Q(id__lt=pk)))
    rows = list(page[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    newer = cursor_of(rows[0]) if rows and older_than is not None else None
    older = cursor_of(rows[-1]) if rows and more_older else None
    return KeysetPage(rows, min(found, COUNT_CAP), found > COUNT_CAP, newer, older)
