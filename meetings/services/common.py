"""Who may write to a meeting, and the small helpers every meeting service shares."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from cases.services.common import coordinates, may_write
from meetings.models import Meeting
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
