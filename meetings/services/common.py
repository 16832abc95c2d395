"""Who may write to a meeting, and the small helpers every meeting service shares."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.db.models import Max, QuerySet

from audit.models import AuditEvent
from cases.services.common import coordinates, may_write
from meetings.models import AgendaItem, AgendaItemStatus, Meeting
from meetings.workflow import check_transition
from panel.errors import Conflict
from panel.models import User

Verb = AuditEvent.Verb


def coordinates_meeting(user: User, meeting: Meeting) -> bool:
    """Coordinators of the meeting's area run it: schedule, agenda, attendance, decisions,
    minutes."""
    return coordinates(user, meeting.area_id)


def require_coordinator(user: User, meeting: Meeting) -> None:
    if not coordinates_meeting(user, meeting):
        raise PermissionDenied("Only a coordinator of this area may do this.")


def chairs_meeting(user: User, meeting: Meeting) -> bool:
    """A co-chair of the meeting (police or local authority), who may approve its minutes
    and ratify a closure decided while it was not quorate."""
    return may_write(user) and meeting.is_chair(user)


def lock_meeting(meeting: Meeting, version: int | None = None) -> Meeting:
    """The meeting, locked for the rest of the transaction. With ``version``, a stale
    write (someone changed the meeting since it was read) is refused with Conflict."""
    locked = Meeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)
    if version is not None and locked.version != version:
        raise Conflict(
            "Someone else changed this meeting while you were editing it. "
            "Check the current details and try again.",
            current_version=locked.version,
        )
    return locked


def move(meeting: Meeting, to_status: str) -> str:
    """Check a state change against meetings/workflow.py and apply it to the (locked)
    meeting; the caller saves and records it."""
    name = check_transition(meeting, to_status)
    meeting.status = to_status
    meeting.version += 1
    return name


def meeting_link(meeting: Meeting) -> str:
    """The in-app link a notification carries: the meeting page, nothing more."""
    from django.urls import reverse

    return reverse("meetings:meeting-detail", args=[meeting.pk])


# A case reference (cases.models.Case's constraint). General business goes to every member
# of the meeting, so its title, notes and minutes name none.
CASE_REFERENCE = re.compile(r"\bCSE-[0-9]{4}-[0-9]{4,}\b", re.IGNORECASE)


# --- where a moved or carried agenda item lands ----------------------------------------------
# Moving an item (agenda), cancelling a meeting (scheduling) and closing a meeting's record
# (hearing) all copy pending items onto another meeting of the area, or onto the area's
# "to be scheduled" list (no meeting), the copy pointing back at the item it came from.


def items_at(area_id: int, target: Meeting | None) -> QuerySet[AgendaItem]:
    """What is already where an item would land: the target meeting's items, or the area's
    "to be scheduled" list (items with no meeting, still pending)."""
    if target is not None:
        return AgendaItem.objects.filter(meeting_id=target.pk)
    return AgendaItem.objects.filter(
        area_id=area_id, meeting__isnull=True, status=AgendaItemStatus.PENDING
    )


def next_order(area_id: int, target: Meeting | None) -> int:
    """The place after the last item there (one query)."""
    return (items_at(area_id, target).aggregate(top=Max("order"))["top"] or 0) + 1


def cases_at(area_id: int, target: Meeting | None) -> set[int]:
    """The cases already on that agenda (or list), not withdrawn or moved (one query): a
    case is never placed twice."""
    return set(
        items_at(area_id, target)
        .filter(case__isnull=False, status__in=AgendaItem.ACTIVE_STATUSES)
        .values_list("case_id", flat=True)
    )


def copy_item(
    item: AgendaItem,
    *,
    added_by: User,
    target: Meeting | None,
    order: int,
    reason: str,
    reason_detail: str,
    late: bool,
) -> AgendaItem:
    """A pending copy of ``item`` on ``target`` (or the area's list), ``moved_from`` it.
    A helper of the services above, not a service: the caller checks who may act, marks
    the old item and records both."""
    return AgendaItem.objects.create(
        area_id=item.area_id,
        meeting=target,
        order=order,
        kind=item.kind,
        case_id=item.case_id,
        title=item.title,
        reason=reason,
        reason_detail=reason_detail,
        requested_by_id=item.requested_by_id,
        late=late,
        moved_from=item,
        added_by=added_by,
    )
