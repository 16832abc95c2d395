"""A meeting's states, and which moves between them are allowed.

    scheduled  -> published    the coordinator publishes (locks) the agenda
    published  -> held         the meeting took place and its record is complete
    held       -> approved     a co-chair (or the next meeting) approves the minutes
    scheduled  -> cancelled    with a reason; its items move to another meeting
    published  -> cancelled    likewise

Everything else is refused with InvalidMeetingTransition (409 in the API, a message in the
UI). Rescheduling (a new date or time) is not a state change: it is allowed while the
meeting is scheduled or published.
"""

from __future__ import annotations

from meetings.models import Meeting, MeetingStatus
from panel.errors import Conflict

Status = MeetingStatus

ALLOWED: dict[tuple[str, str], str] = {
    (Status.SCHEDULED, Status.PUBLISHED): "publish",
    (Status.PUBLISHED, Status.HELD): "hold",
    (Status.HELD, Status.APPROVED): "approve",
    (Status.SCHEDULED, Status.CANCELLED): "cancel",
    (Status.PUBLISHED, Status.CANCELLED): "cancel",
}

# States in which the meeting's arrangements (date, place, chairs, members) may change.
RESCHEDULABLE = (Status.SCHEDULED, Status.PUBLISHED)
# States in which the agenda may change (after publication only as late items).
AGENDA_OPEN = (Status.SCHEDULED, Status.PUBLISHED)


class InvalidMeetingTransition(Conflict):
    """A Conflict, so the API answers 409 with the meeting's current version."""

    def __init__(self, meeting: Meeting, to_status: str):
        self.meeting = meeting
        self.from_status = meeting.status
        self.to_status = to_status
        super().__init__(
            f"This meeting is {Status(meeting.status).label.lower()}: it cannot be moved to "
            f"{Status(to_status).label.lower()}.",
            current_version=meeting.version,
        )


def check_transition(meeting: Meeting, to_status: str) -> str:
    """Return the name of the move from the meeting's status to ``to_status``, or raise
    InvalidMeetingTransition."""
    name = ALLOWED.get((meeting.status, to_status))
    if name is None:
        raise InvalidMeetingTransition(meeting, to_status)
    return name


def allowed_targets(meeting: Meeting) -> list[str]:
    return [to for (frm, to) in ALLOWED if frm == meeting.status]
