"""Non-trivial reads of meetings. Scoping rules stay in meetings/access.py and
cases/access.py; these shape what a page (or the minutes PDF) shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from cases.models import Case
from meetings import access
from meetings.models import (
    Meeting,
    MeetingMember,
    Minutes,
    MinutesAddendum,
    MinutesSection,
    MinutesStatus,
    ResearchListEntry,
    ResearchReturn,
)
from panel.models import Agency, User


def _count(queryset) -> Coalesce:
    """A correlated count (one subquery in the same query, never one query per row)."""
    counted = queryset.order_by().values("meeting_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def missing_research_returns(user: User, meeting_id: int) -> list[dict]:
    """For each member agency of the meeting (by name) that has not yet returned research
    for every entry of its research list the user may see, ``{"pk", "name",
    "missing"}``: how many entries still lack its return. One query. The research list
    page counts the same from the entries it shows; the home page's "research returns
    missing" figure is the sum."""
    entries = ResearchListEntry.objects.visible_to(user).filter(meeting_id=meeting_id)
    lacking = entries.exclude(
        Exists(
            ResearchReturn.objects.filter(
                item_id=OuterRef("pk"), agency_id=OuterRef(OuterRef("pk"))
            )
        )
    )
    return list(
        Agency.objects.filter(
            pk__in=MeetingMember.objects.filter(meeting_id=meeting_id).values("agency_id")
        )
        .annotate(missing=_count(lacking))
        .filter(missing__gt=0)
        .order_by("name", "pk")
        .values("pk", "name", "missing")
    )


def seat_research_lists(user: User) -> QuerySet[Meeting]:
    """The open research lists at which ``user`` holds a live seat (``access.seat_meetings``),
    each with ``entry_count`` (the entries they may see), ``returned_count`` (those their
    agency has returned) and ``to_return`` (the difference). "My research lists" shows
    these, and the home page's "research to return" figure sums ``to_return`` over them."""
    entries = ResearchListEntry.objects.visible_to(user).filter(meeting_id=OuterRef("pk"))
    returned = entries.filter(
        Exists(ResearchReturn.objects.filter(item_id=OuterRef("pk"), agency_id=user.agency_id))
    )
    return (
        access.seat_meetings(user)
        .annotate(entry_count=_count(entries), returned_count=_count(returned))
        .annotate(to_return=F("entry_count") - F("returned_count"))
    )


@dataclass
class SectionView:
    """One entry of the minutes as a reader sees them: a section with its addenda, or (when
    ``section`` is None) a run of ``hidden_count`` consecutive sections about cases the
    reader may not see, shown as "1 other case" / "N other cases" with no reference."""

    section: MinutesSection | None = None
    addenda: list[MinutesAddendum] = field(default_factory=list)
    hidden_count: int = 0

    @property
    def hidden(self) -> bool:
        return self.section is None

    @property
    def hidden_label(self) -> str:
        return "1 other case" if self.hidden_count == 1 else f"{self.hidden_count} other cases"


def sees_all_minutes(user: User, meeting: Meeting) -> bool:
    """The area's coordinators, the meeting's co-chairs and auditors read every section."""
    return bool(
        user.is_active
        and (
            user.is_auditor
            or meeting.area_id in user.coordinator_area_ids
            or meeting.is_chair(user)
        )
    )


def sees_draft_minutes(user: User, meeting: Meeting) -> bool:
    """A draft is seen by the area's coordinators and the meeting's co-chairs only; once
    circulated, by everyone who may see the meeting (their sections scoped)."""
    return bool(
        user.is_active and (meeting.area_id in user.coordinator_area_ids or meeting.is_chair(user))
    )


def may_read_minutes(user: User, meeting: Meeting, minutes: Minutes | None) -> bool:
    """Whether ``user`` (who may already see ``meeting``) may read its minutes now."""
    if minutes is None:
        return False
    return minutes.status != MinutesStatus.DRAFT or sees_draft_minutes(user, meeting)


def minutes_sections_for(
    user: User, meeting: Meeting, minutes: Minutes | None = None
) -> list[SectionView]:
    """The sections of ``meeting``'s minutes that ``user`` may read, in order, each with
    its addenda (author and time); sections about cases the user may not see collapse
    into counted placeholders with no reference. The caller has checked the user may see
    the meeting and its minutes (``may_read_minutes``).

    Three queries at most whatever the number of sections: the sections (with their
    agenda item and case), their addenda (with authors), and, for a reader who does not
    see every section, which of the sections' cases they may see."""
    minutes_id = minutes.pk if minutes is not None else None
    sections = MinutesSection.objects.filter(
        **({"minutes_id": minutes_id} if minutes_id else {"minutes__meeting": meeting})
    )
    sections = list(
        sections.select_related("item__case", "edited_by")
        .prefetch_related(
            Prefetch(
                "addenda",
                queryset=MinutesAddendum.objects.select_related("by").order_by("at", "id"),
            )
        )
        .order_by("order", "id")
    )
    case_ids = {s.item.case_id for s in sections if s.item is not None and s.item.case_id}
    if sees_all_minutes(user, meeting) or not case_ids:
        visible = case_ids
    else:
        visible = set(
            Case.objects.visible_to(user)
            .filter(pk__in=case_ids)
            .order_by()
            .values_list("pk", flat=True)
        )
    views: list[SectionView] = []
    for section in sections:
        case_id = section.item.case_id if section.item is not None else None
        if case_id is None or case_id in visible:
            views.append(SectionView(section=section, addenda=list(section.addenda.all())))
        elif views and views[-1].hidden:
            views[-1].hidden_count += 1
        else:
            views.append(SectionView(hidden_count=1))
    return views


def shown_case_items(views: list[SectionView]) -> list:
    """The case agenda items of the sections shown: what a page's ``listed`` event names."""
    return [
        view.section.item
        for view in views
        if view.section is not None and view.section.item is not None and view.section.item.case_id
    ]


def whole_minutes_addenda(minutes: Minutes | None) -> list[MinutesAddendum]:
    """Addenda to the minutes as a whole (no section): everyone who may read the minutes
    sees them. One query."""
    if minutes is None:
        return []
    return list(
        MinutesAddendum.objects.filter(minutes=minutes, section__isnull=True)
        .select_related("by")
        .order_by("at", "id")
    )
