"""What a pack or a minutes PDF says, read for exactly the cases its document holds
(``MeetingDocument.case_ids``, fixed when it was asked for). Called by the render task
only: the reader's scope was decided then, and nothing else about a case ever gets in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import groupby

from django.conf import settings
from django.db.models import Prefetch

from cases.models import Action, Case, Review
from cases.selectors import Entry, chronology
from meetings.models import (
    AgendaItem,
    AgendaItemKind,
    CaseDecision,
    Meeting,
    MeetingDocument,
    MeetingMember,
    Minutes,
    MinutesAddendum,
    MinutesSection,
    ResearchReturn,
)
from panel.dates import london_today

Progress = Callable[[int], None]

# A summary stays within one or two pages: the most recent entries since the last review.
CHRONOLOGY_LINES = 12
OTHER_CASE = "1 other case"


@dataclass
class AgendaLine:
    number: int
    title: str
    reason: str = ""
    late: bool = False
    anchor: str = ""


@dataclass
class AgencyActions:
    agency: str
    actions: list[Action]


@dataclass
class CaseSummary:
    item: AgendaItem
    case: Case
    age: int
    flags: list[str]
    assessments: list
    since: dt.date | None
    entries: list[Entry]
    earlier_entries: int
    actions_by_agency: list[AgencyActions]
    research: list[ResearchReturn]
    decisions: list[CaseDecision]
    next_review: Review | None
    overdue_count: int = 0
    anchor: str = ""
    number: int = 0
    extra: dict = field(default_factory=dict)


def _meeting(document: MeetingDocument) -> Meeting:
    return Meeting.objects.select_related(
        "area", "police_chair", "local_authority_chair", "approved_by"
    ).get(pk=document.meeting_id)


def _members(meeting: Meeting) -> list[MeetingMember]:
    return list(
        MeetingMember.objects.filter(meeting=meeting)
        .select_related("agency", "representative")
        .order_by("agency__name", "id")
    )


def common(document: MeetingDocument, meeting: Meeting) -> dict:
    return {
        "document": document,
        "meeting": meeting,
        "members": _members(meeting),
        "confidentiality": settings.MEETING_CONFIDENTIALITY_STATEMENT,
        "marking": "OFFICIAL-SENSITIVE",
        "today": london_today(),
    }


def agenda_lines(items: list[AgendaItem], visible: set[int]) -> list[AgendaLine]:
    """The agenda in order: general business by title, a case the reader may see by its
    reference and why it is there, any other case as "1 other case" and nothing more."""
    lines = []
    for number, item in enumerate(items, start=1):
        if item.kind != AgendaItemKind.CASE:
            lines.append(AgendaLine(number, item.title, late=item.late))
        elif item.case_id in visible:
            lines.append(
                AgendaLine(
                    number,
                    item.case.reference,
                    item.get_reason_display(),
                    item.late,
                    f"case-{item.case_id}",
                )
            )
        else:
            lines.append(AgendaLine(number, OTHER_CASE))
    return lines


def _since_last_review(case: Case, before: dt.date) -> tuple[dt.date | None, list[Entry], int]:
    """What happened since the case's last review held before the meeting (the whole
    chronology when none was): notes, decisions, actions and assessments, the most recent
    ``CHRONOLOGY_LINES``; and how many earlier ones were left out."""
    held = [
        review.held_on
        for review in case.reviews.all()
        if review.status == Review.Status.HELD and review.held_on and review.held_on < before
    ]
    since = max(held) if held else None
    entries = [
        entry
        for entry in chronology(case)
        if entry.kind != "review" and (since is None or entry.sort_key()[0] > since)
    ]
    shown = entries[-CHRONOLOGY_LINES:]
    return since, shown, len(entries) - len(shown)


def _actions_by_agency(actions: list[Action], today: dt.date) -> list[AgencyActions]:
    for action in actions:
        action.overdue = action.is_overdue(today)
    ordered = sorted(actions, key=lambda a: (str(a.owning_agency), a.due_date, a.pk))
    return [
        AgencyActions(agency, list(group))
        for agency, group in groupby(ordered, key=lambda a: str(a.owning_agency))
    ]


def pack(document: MeetingDocument, progress: Progress) -> dict:
    """The pack's context: cover, agenda, one summary per case the document holds, and the
    outstanding actions of those cases."""
    meeting = _meeting(document)
    visible = set(document.case_ids)
    today = london_today()
    items = list(
        AgendaItem.objects.filter(meeting=meeting, status__in=AgendaItem.ACTIVE_STATUSES)
        .select_related("case")
        .order_by("order", "id")
    )
    progress(10)
    open_actions = Prefetch(
        "actions",
        queryset=Action.objects.filter(status__in=Action.OPEN_STATUSES).select_related(
            "owning_agency", "owner"
        ),
        to_attr="open_actions",
    )
    shown_items = [i for i in items if i.kind == AgendaItemKind.CASE and i.case_id in visible]
    cases = {
        case.pk: case
        for case in Case.objects.filter(pk__in=[i.case_id for i in shown_items])
        .select_related("child", "area", "lead_agency", "lead_professional")
        .prefetch_related("reviews", "assessments", open_actions)
    }
    research: dict[int, list[ResearchReturn]] = {}
    for row in ResearchReturn.objects.filter(item__in=shown_items).select_related("agency"):
        research.setdefault(row.item_id, []).append(row)
    decisions: dict[int, list[CaseDecision]] = {}
    for decision in (
        CaseDecision.objects.filter(case_id__in=cases)
        .select_related("meeting")
        .order_by("-recorded_at", "-id")
    ):
        decisions.setdefault(decision.case_id, []).append(decision)
    progress(15)

    summaries: list[CaseSummary] = []
    number_of = {item.pk: n for n, item in enumerate(items, start=1)}
    for done, item in enumerate(shown_items, start=1):
        case = cases[item.case_id]
        since, entries, earlier = _since_last_review(case, meeting.date)
        upcoming = [r for r in case.reviews.all() if r.status == Review.Status.UPCOMING]
        assessments = sorted(
            (a for a in case.assessments.all()), key=lambda a: (a.assessed_at, a.pk)
        )
        by_agency = _actions_by_agency(case.open_actions, today)
        summaries.append(
            CaseSummary(
                item=item,
                case=case,
                age=case.child.age(meeting.date),
                flags=case.child.age_flags(meeting.date),
                assessments=assessments,
                since=since,
                entries=entries,
                earlier_entries=earlier,
                actions_by_agency=by_agency,
                research=research.get(item.pk, []),
                decisions=decisions.get(case.pk, [])[:3],
                next_review=upcoming[0] if upcoming else None,
                overdue_count=sum(a.overdue for a in case.open_actions),
                anchor=f"case-{case.pk}",
                number=number_of[item.pk],
            )
        )
        progress(15 + 60 * done // max(len(shown_items), 1))

    _missing_episodes(summaries)
    outstanding = sorted(
        (action for summary in summaries for action in summary.case.open_actions),
        key=lambda a: (a.due_date, a.pk),
    )
    for action in outstanding:
        action.case = cases[action.case_id]  # already read: no query per row
    from intelligence.pack import section as disruption_section

    return {
        **common(document, meeting),
        "disruption": disruption_section(meeting, document.requested_by),
        "title": f"Meeting pack: {meeting.reference}",
        "agenda": agenda_lines(items, visible),
        "summaries": summaries,
        "outstanding": outstanding,
        "hidden_count": sum(
            1 for i in items if i.kind == AgendaItemKind.CASE and i.case_id not in visible
        ),
    }


def _missing_episodes(summaries: list[CaseSummary]) -> None:
    """Each case's missing episodes, and how many in the last 90 days (issue 13): one
    query for every case in the pack, in ``extra["missing"]``."""
    from intelligence.episodes import counts_by_case
    from intelligence.models import MissingEpisode

    ids = [summary.case.pk for summary in summaries]
    counts = counts_by_case(MissingEpisode.objects.filter(case_id__in=ids))
    for summary in summaries:
        summary.extra["missing"] = counts.get(summary.case.pk, (0, 0))


@dataclass
class SectionView:
    heading: str
    text: str = ""
    addenda: list[MinutesAddendum] = field(default_factory=list)
    hidden: bool = False


def minutes(document: MeetingDocument, progress: Progress) -> dict:
    """The approved minutes: every section the reader may see (with its addenda); a
    section about any other case reads "1 other case"; addenda to the minutes as a whole."""
    meeting = _meeting(document)
    visible = set(document.case_ids)
    record = Minutes.objects.select_related("approved_by").get(meeting=meeting)
    progress(20)
    addenda = list(
        MinutesAddendum.objects.filter(minutes=record).select_related("by").order_by("at", "id")
    )
    by_section: dict[int | None, list[MinutesAddendum]] = {}
    for addendum in addenda:
        by_section.setdefault(addendum.section_id, []).append(addendum)
    sections = []
    for section in MinutesSection.objects.filter(minutes=record).select_related("item"):
        item = section.item
        if item is not None and item.kind == AgendaItemKind.CASE and item.case_id not in visible:
            sections.append(SectionView(OTHER_CASE, hidden=True))
            continue
        sections.append(SectionView(section.heading, section.text, by_section.get(section.pk, [])))
    progress(60)
    return {
        **common(document, meeting),
        "title": f"Minutes: {meeting.reference}",
        "minutes": record,
        "sections": sections,
        "general_addenda": by_section.get(None, []),
    }
