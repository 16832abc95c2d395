"""Minutes: drafted from what was recorded at the meeting, edited by a coordinator,
circulated to those who attended, approved by a co-chair (or recorded as approved by a
later meeting of the area), then locked: corrections are addenda, append-only.

Rebuilding a draft keeps every section a coordinator has edited (``edited_at`` set) and
replaces only those still as generated: nothing typed is lost, and what changed in the
record since (a late research return, an action review) reaches the untouched sections.

The audit trail never carries the minutes' text: an edit is recorded as ``"text":
"changed"``, an addendum by its section."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import record
from cases.models import Action
from cases.services.common import _local
from meetings.models import (
    ActionReview,
    AgendaItem,
    AgendaItemKind,
    AgendaItemStatus,
    AttendanceStatus,
    CaseDecision,
    DecisionKind,
    DecisionState,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesAddendum,
    MinutesSection,
    MinutesStatus,
    ResearchReturn,
)
from meetings.services.common import (
    Verb,
    chairs_meeting,
    coordinates_meeting,
    lock_meeting,
    move,
    require_coordinator,
)
from meetings.services.quorum import quorum_state
from notifications.models import NotificationKind
from notifications.services import coordinators_of, notify
from panel.errors import Conflict
from panel.models import User

HEADER = "Meeting"
ATTENDANCE = "Attendance"
# Items whose case was on the agenda but not heard: minuted as carried over.
NOT_HEARD = (AgendaItemStatus.NOT_REACHED, AgendaItemStatus.PENDING)
# Items taken off the agenda before the meeting: not minuted.
OFF_AGENDA = (AgendaItemStatus.MOVED, AgendaItemStatus.WITHDRAWN)

ATTENDANCE_WORDS = {
    AttendanceStatus.PRESENT: "present",
    AttendanceStatus.APOLOGIES: "apologies",
    AttendanceStatus.SENT_INFORMATION: "sent information only",
    AttendanceStatus.ABSENT: "absent",
    AttendanceStatus.EXPECTED: "attendance not recorded",
}


# --- Who may ---------------------------------------------------------------------------


def may_draft(user: User, meeting: Meeting) -> bool:
    return coordinates_meeting(user, meeting)


def may_add_addendum(user: User, meeting: Meeting) -> bool:
    return coordinates_meeting(user, meeting) or chairs_meeting(user, meeting)


def minutes_link(meeting: Meeting) -> str:
    """The link a minutes notification carries: the meeting's minutes page, nothing else
    (no case reference, no child)."""
    return reverse("meetings:minutes", args=[meeting.pk])


# --- Drafting --------------------------------------------------------------------------


@dataclass(frozen=True)
class Drafted:
    """A section as the record gives it, before it is saved."""

    key: tuple
    heading: str
    text: str
    item_id: int | None = None


def draft_minutes(actor: User, *, meeting: Meeting, now: dt.datetime | None = None) -> Minutes:
    """Build (or rebuild) the draft minutes of a held meeting from what was recorded.

    Who: a coordinator of the meeting's area, once the meeting is held and while the
    minutes are still a draft. A rebuild keeps sections a coordinator edited and replaces
    the others. Records ``created`` (first draft) or ``updated`` (rebuild) on the minutes,
    with section counts, never text."""
    require_coordinator(actor, meeting)
    now = now or timezone.now()
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        if meeting.status != MeetingStatus.HELD:
            raise ValidationError(
                {"meeting": "Minutes are drafted once the meeting is recorded as held."}
            )
        minutes, created = Minutes.objects.select_for_update().get_or_create(meeting=meeting)
        if minutes.status != MinutesStatus.DRAFT:
            raise ValidationError(
                {
                    "minutes": "These minutes have been circulated: edit their sections "
                    "rather than drafting them again."
                }
            )
        drafted = build_sections(meeting)
        replaced, kept = _save_sections(minutes, drafted)
        if not created:
            minutes.version += 1
            minutes.save(update_fields=["version"])
        record(
            actor=actor,
            verb=Verb.CREATED if created else Verb.UPDATED,
            obj=minutes,
            changes={
                "sections": len(drafted),
                "replaced": replaced,
                "kept_edited": kept,
                "meeting": meeting.pk,
            },
        )
    return minutes


def _save_sections(minutes: Minutes, drafted: list[Drafted]) -> tuple[int, int]:
    """Replace the unedited sections with ``drafted``, keep edited ones (in the drafted
    order where their item or heading is still there, after the rest otherwise). Returns
    how many sections were written and how many edited ones were kept."""
    existing = list(minutes.sections.all())
    by_key = {_key(section): section for section in existing}
    keep_edited = []
    to_update, to_create = [], []
    order = 0
    for draft in drafted:
        order += 1
        section = by_key.pop(draft.key, None)
        if section is not None and section.edited_at is not None:
            section.order = order
            keep_edited.append(section)
            continue
        if section is None:
            to_create.append(
                MinutesSection(
                    minutes=minutes,
                    item_id=draft.item_id,
                    order=order,
                    heading=draft.heading,
                    text=draft.text,
                )
            )
            continue
        section.order, section.heading, section.text = order, draft.heading, draft.text
        to_update.append(section)
    stale = []
    for section in by_key.values():
        if section.edited_at is not None:
            order += 1
            section.order = order
            keep_edited.append(section)
        else:
            stale.append(section.pk)
    if stale:
        MinutesSection.objects.filter(pk__in=stale).delete()
    if to_update or keep_edited:
        MinutesSection.objects.bulk_update([*to_update, *keep_edited], ["order", "heading", "text"])
    MinutesSection.objects.bulk_create(to_create)
    return len(to_update) + len(to_create), len(keep_edited)


def _key(section: MinutesSection) -> tuple:
    return ("item", section.item_id) if section.item_id else ("heading", section.heading)


def build_sections(meeting: Meeting) -> list[Drafted]:
    """The minutes as the record gives them: the meeting, attendance, then each agenda
    item in order (a case heard, a case not reached and carried over, general business).
    A fixed number of queries whatever the number of items."""
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .exclude(status__in=OFF_AGENDA)
        .select_related("case")
        .order_by("order", "id")
    )
    heard = [i.pk for i in items if i.kind == AgendaItemKind.CASE]
    decisions = {
        d.item_id: d
        for d in CaseDecision.objects.filter(item_id__in=heard)
        .select_related("ratified_by", "ratified_at_meeting")
        .order_by()
    }
    reviews = defaultdict(list)
    for review in (
        ActionReview.objects.filter(item_id__in=heard)
        .select_related("action", "action__owning_agency")
        .order_by("item_id", "id")
    ):
        reviews[review.item_id].append(review)
    returns = defaultdict(list)
    for research in (
        ResearchReturn.objects.filter(item_id__in=heard)
        .select_related("agency")
        .order_by("item_id", "agency__name")
    ):
        returns[research.item_id].append(research)
    reviewed_actions = {r.action_id for rs in reviews.values() for r in rs}
    new_actions = defaultdict(list)
    for action in (
        Action.objects.filter(
            case_id__in=[i.case_id for i in items if i.case_id],
            created_at__date=meeting.date,
        )
        .exclude(pk__in=reviewed_actions)
        .select_related("owning_agency")
        .order_by("case_id", "due_date", "id")
    ):
        new_actions[action.case_id].append(action)

    sections = [
        Drafted(("heading", HEADER), HEADER, _header_text(meeting)),
        Drafted(("heading", ATTENDANCE), ATTENDANCE, _attendance_text(meeting)),
    ]
    for item in items:
        if item.kind != AgendaItemKind.CASE:
            if item.status in NOT_HEARD:
                text = "Not reached at this meeting: carried over to the next meeting."
            else:
                text = item.note or "Discussed as general business."
            sections.append(Drafted(("item", item.pk), item.title[:200], text, item.pk))
        elif item.status in NOT_HEARD:
            text = "Not reached at this meeting: carried over to the next meeting."
            sections.append(Drafted(("item", item.pk), item.case.reference, text, item.pk))
        else:
            text = _case_text(
                decisions.get(item.pk),
                reviews[item.pk],
                new_actions[item.case_id],
                returns[item.pk],
            )
            sections.append(Drafted(("item", item.pk), item.case.reference, text, item.pk))
    return sections


def _name(user: User | None) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _header_text(meeting: Meeting) -> str:
    place = "Online" if meeting.online else meeting.venue
    if meeting.online and meeting.venue:
        place = f"{meeting.venue} and online"
    chairs = []
    if meeting.police_chair:
        chairs.append(f"{_name(meeting.police_chair)} (police)")
    if meeting.local_authority_chair:
        chairs.append(f"{_name(meeting.local_authority_chair)} (local authority)")
    if meeting.confidentiality_read:
        by = meeting.confidentiality_read_by
        statement = f"Read{f' by {by}' if by else ''} at the start of the meeting."
    else:
        statement = "Not recorded as read."
    quorum = quorum_state(meeting)
    quorate = (
        "Yes"
        if quorum.quorate
        else f"No (not present: {', '.join(quorum.missing_labels())}): decisions are "
        "marked to be ratified"
    )
    return "\n".join(
        [
            f"Date: {meeting.date:%-d %B %Y}, {meeting.start_time:%H:%M}",
            f"Venue: {place}",
            f"Chairs: {'; '.join(chairs) or 'not recorded'}",
            f"Confidentiality statement: {statement}",
            f"Quorate: {quorate}",
        ]
    )


def _attendance_text(meeting: Meeting) -> str:
    lines = ["Member agencies:"]
    members = meeting.members.select_related("agency", "representative").order_by(
        "agency__name", "id"
    )
    for member in members:
        word = ATTENDANCE_WORDS[AttendanceStatus(member.attendance)]
        who = member.attended_by or _name(member.representative)
        if member.attendance == AttendanceStatus.PRESENT and who:
            lines.append(f"- {member.agency.name}: present ({who})")
        else:
            lines.append(f"- {member.agency.name}: {word}")
    if len(lines) == 1:
        lines.append("- None recorded")
    guests = list(meeting.guests.all())
    if guests:
        lines.append("Observers and guests:")
        lines += [
            f"- {guest.name}, {guest.organisation} ({guest.get_kind_display().lower()})"
            for guest in guests
        ]
    return "\n".join(lines)


def _ratification(decision: CaseDecision) -> str:
    """When, by whom and (if later) at which meeting a decision was ratified or not."""
    text = ""
    if decision.ratified_at:
        text += f" on {_local(decision.ratified_at):%-d %B %Y}"
    if decision.ratified_by_id:
        text += f" by {_name(decision.ratified_by)}"
    if decision.ratified_at_meeting_id:
        text += f" at the {decision.ratified_at_meeting.date:%-d %B %Y} meeting"
    return text


def _case_text(
    decision: CaseDecision | None,
    reviews: list[ActionReview],
    new_actions: list[Action],
    returns: list[ResearchReturn],
) -> str:
    lines = []
    if decision is None:
        lines.append("Decision: none recorded.")
    else:
        lines.append(f"Decision: {decision.get_kind_display()}. Reason: {decision.reason}")
        if decision.state == DecisionState.TO_RATIFY:
            lines.append("Not quorate: to be ratified.")
        elif decision.state == DecisionState.AWAITING_RATIFICATION:
            lines.append(
                "Not quorate: to be ratified. The closure waits for ratification by a "
                "co-chair or a later quorate meeting."
            )
        elif decision.state == DecisionState.RATIFIED:
            lines.append(f"Not quorate: ratified{_ratification(decision)}.")
        elif decision.state == DecisionState.NOT_RATIFIED:
            line = (
                f"Not quorate: the closure was not ratified{_ratification(decision)}: "
                "the case stays open."
            )
            if decision.ratification_note:
                line += f" {decision.ratification_note}"
            lines.append(line)
        lines.append(
            f"Risk: {decision.get_risk_decision_display()}: "
            f"{decision.get_risk_level_display().lower()}."
        )
        if decision.kind == DecisionKind.ESCALATE:
            lines.append(
                f"Escalated to: {decision.get_forum_display()}; referral by "
                f"{decision.escalation_person}."
            )
        if decision.kind == DecisionKind.CLOSE and decision.closure_reason:
            lines.append(f"Closure reason: {decision.get_closure_reason_display()}.")
    lines.append("Actions reviewed:")
    if reviews:
        for review in reviews:
            action = review.action
            line = (
                f"- {action.description} ({action.owning_agency.name}): "
                f"{review.get_outcome_display()}."
            )
            if review.note:
                line += f" {review.note}"
            lines.append(line)
    else:
        lines.append("- None")
    lines.append("New actions agreed:")
    if new_actions:
        lines += [
            f"- {action.description}: {action.owning_agency.name}, due {action.due_date:%-d %B %Y}."
            for action in new_actions
        ]
    else:
        lines.append("- None")
    lines.append("Research returns:")
    if returns:
        for research in returns:
            if research.summary:
                lines.append(
                    f"- {research.agency.name}: {research.get_outcome_display()}: "
                    f"{research.summary}"
                )
            else:
                lines.append(f"- {research.agency.name}: {research.get_outcome_display()}.")
    else:
        lines.append("- None recorded")
    return "\n".join(lines)


# --- Editing, circulating, approving ---------------------------------------------------


def _lock_minutes(meeting: Meeting, version: int | None) -> Minutes:
    minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
    if minutes is None:
        raise ValidationError({"minutes": "There are no minutes for this meeting yet."})
    if version is not None and minutes.version != version:
        raise Conflict(
            "Someone else changed these minutes while you were working on them. "
            "Check the current minutes and try again.",
            current_version=minutes.version,
        )
    return minutes


LOCKED = "These minutes are approved and locked: add an addendum to correct them instead."


def edit_section(
    actor: User, *, section: MinutesSection, text: str, version: int
) -> MinutesSection:
    """Change one section's text while the minutes are a draft or circulated.

    Who: a coordinator of the meeting's area. ``version`` is the minutes' version the
    editor read (a stale one is refused with Conflict). Approved minutes are locked
    (ValidationError): corrections are addenda. Records ``updated`` on the section with
    ``"text": "changed"``, never the text."""
    meeting = Meeting.objects.get(pk=section.minutes.meeting_id)
    require_coordinator(actor, meeting)
    with transaction.atomic():
        lock_meeting(meeting)
        minutes = _lock_minutes(meeting, version)
        if minutes.status == MinutesStatus.APPROVED:
            raise ValidationError({"text": LOCKED})
        section = MinutesSection.objects.select_related("item__case").get(
            pk=section.pk, minutes=minutes
        )
        text = (text or "").strip()
        if text == section.text:
            return section
        section.text = text
        section.edited_at = timezone.now()
        section.edited_by = actor
        section.save(update_fields=["text", "edited_at", "edited_by"])
        minutes.version += 1
        minutes.save(update_fields=["version"])
        record(
            actor=actor,
            verb=Verb.UPDATED,
            obj=section,
            case_reference=_reference(section),
            changes={"text": "changed", "minutes": minutes.pk},
        )
    return section


def _reference(section: MinutesSection) -> str:
    item = section.item
    return item.case.reference if item is not None and item.case_id else ""


def minutes_audience(meeting: Meeting, actor: User) -> list[User]:
    """Who hears of the minutes: the named representatives of member agencies recorded
    present, the co-chairs and the area's coordinators (active accounts), not the actor."""
    people = {
        m.representative.pk: m.representative
        for m in meeting.members.filter(
            attendance=AttendanceStatus.PRESENT,
            representative__isnull=False,
            representative__is_active=True,
        ).select_related("representative")
    }
    for chair in meeting.chairs():
        if chair.is_active:
            people[chair.pk] = chair
    for user in coordinators_of(meeting.area_id):
        people[user.pk] = user
    people.pop(actor.pk, None)
    return sorted(people.values(), key=lambda user: user.pk)


def circulate_minutes(
    actor: User, *, meeting: Meeting, version: int, now: dt.datetime | None = None
) -> Minutes:
    """Draft -> circulated: the minutes go to those who attended.

    Who: a coordinator of the meeting's area. Records ``transitioned`` on the minutes and
    notifies (``minutes_circulated``, the minutes page's link only) the members recorded
    present, the co-chairs and the coordinators."""
    require_coordinator(actor, meeting)
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        minutes = _lock_minutes(meeting, version)
        if minutes.status != MinutesStatus.DRAFT:
            raise ValidationError(
                {"minutes": f"These minutes are already {minutes.get_status_display().lower()}."}
            )
        minutes.status = MinutesStatus.CIRCULATED
        minutes.circulated_at = now or timezone.now()
        minutes.version += 1
        minutes.save(update_fields=["status", "circulated_at", "version"])
        record(
            actor=actor,
            verb=Verb.TRANSITIONED,
            obj=minutes,
            changes={"status": ["draft", "circulated"], "meeting": meeting.pk},
        )
        notify(
            recipients=minutes_audience(meeting, actor),
            kind=NotificationKind.MINUTES_CIRCULATED,
            link=minutes_link(meeting),
            about=f"minutes:{minutes.pk}",
        )
    return minutes


APPROVABLE_AT = (MeetingStatus.PUBLISHED, MeetingStatus.HELD, MeetingStatus.APPROVED)


def approve_minutes(
    actor: User,
    *,
    meeting: Meeting,
    version: int,
    at_meeting: Meeting | None = None,
    now: dt.datetime | None = None,
) -> Minutes:
    """Circulated -> approved, and the meeting held -> approved: the minutes are locked.

    Who: a co-chair of the meeting; or a coordinator of its area recording that a later
    meeting of the area (``at_meeting``: published, held or approved, on a later date)
    approved them. Approving closes the meeting's research list (its scope stops at
    status approved). Records ``transitioned`` on the meeting and on the minutes, and
    notifies (``minutes_approved``, link only) the same people as circulation."""
    if at_meeting is None:
        if not chairs_meeting(actor, meeting):
            raise PermissionDenied("Only a co-chair of this meeting may approve its minutes.")
    elif not coordinates_meeting(actor, meeting):
        raise PermissionDenied(
            "Only a coordinator of this area may record approval at a later meeting."
        )
    now = now or timezone.now()
    with transaction.atomic():
        meeting = lock_meeting(meeting)
        minutes = _lock_minutes(meeting, version)
        if minutes.status != MinutesStatus.CIRCULATED:
            raise ValidationError(
                {
                    "minutes": "Minutes are approved once they have been circulated."
                    if minutes.status == MinutesStatus.DRAFT
                    else "These minutes are already approved."
                }
            )
        if at_meeting is not None:
            at_meeting = Meeting.objects.get(pk=at_meeting.pk)
            if (
                at_meeting.area_id != meeting.area_id
                or at_meeting.date <= meeting.date
                or at_meeting.status not in APPROVABLE_AT
            ):
                raise ValidationError(
                    {
                        "at_meeting": "Choose a later meeting of this area's panel that "
                        "has taken place or has a published agenda."
                    }
                )
        before = meeting.status
        move(meeting, MeetingStatus.APPROVED)
        meeting.approved_at = now
        meeting.approved_by = actor
        meeting.approved_at_meeting = at_meeting
        meeting.save(
            update_fields=[
                "status",
                "version",
                "approved_at",
                "approved_by",
                "approved_at_meeting",
            ]
        )
        minutes.status = MinutesStatus.APPROVED
        minutes.approved_at = now
        minutes.approved_by = actor
        minutes.version += 1
        minutes.save(update_fields=["status", "approved_at", "approved_by", "version"])
        record(
            actor=actor,
            verb=Verb.TRANSITIONED,
            obj=meeting,
            changes={
                "status": [before, MeetingStatus.APPROVED],
                "approved_at_meeting": at_meeting.pk if at_meeting else None,
            },
        )
        record(
            actor=actor,
            verb=Verb.TRANSITIONED,
            obj=minutes,
            changes={"status": ["circulated", "approved"], "meeting": meeting.pk},
        )
        notify(
            recipients=minutes_audience(meeting, actor),
            kind=NotificationKind.MINUTES_APPROVED,
            link=minutes_link(meeting),
            about=f"minutes:{minutes.pk}",
        )
    return minutes


def add_addendum(
    actor: User, *, minutes: Minutes, section: MinutesSection | None = None, text: str
) -> MinutesAddendum:
    """Append a correction to approved minutes (to one section, or to the whole).

    Who: a coordinator of the meeting's area or a co-chair. The addendum is append-only
    (database triggers refuse UPDATE and DELETE). Records ``created`` on the addendum,
    naming its section, never its text."""
    meeting = Meeting.objects.get(pk=minutes.meeting_id)
    if not may_add_addendum(actor, meeting):
        raise PermissionDenied("Only a coordinator of this area or a co-chair may add to minutes.")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Enter the correction."})
    with transaction.atomic():
        lock_meeting(meeting)
        minutes = _lock_minutes(meeting, None)
        if minutes.status != MinutesStatus.APPROVED:
            raise ValidationError(
                {"text": "Addenda are for approved minutes: edit the section instead."}
            )
        if section is not None:
            section = (
                MinutesSection.objects.filter(pk=section.pk, minutes=minutes)
                .select_related("item__case")
                .first()
            )
            if section is None:
                raise ValidationError({"section": "Choose a section of these minutes."})
        addendum = MinutesAddendum.objects.create(
            minutes=minutes, section=section, text=text, by=actor, at=timezone.now()
        )
        record(
            actor=actor,
            verb=Verb.CREATED,
            obj=addendum,
            case_reference=_reference(section) if section else "",
            changes={"minutes": minutes.pk, "section": section.pk if section else None},
        )
    return addendum
