"""Non-trivial reads of meetings. Scoping rules stay in meetings/access.py and
cases/access.py; these shape what a page (or the minutes PDF) shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch

from cases.models import Case
from meetings.models import Meeting, Minutes, MinutesAddendum, MinutesSection, MinutesStatus
from panel.models import User


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
