"""The sub-navigation of one meeting's pages (templates/meetings/_nav.html): the pages of
that meeting the viewer may open. Decided from what the page has already loaded (the
meeting, and the user's roles, loaded with the user), never with a query, so each meeting
page keeps its query count."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse

from meetings.models import Meeting, MeetingStatus
from meetings.services.common import coordinates_meeting
from panel.dates import london_today

register = template.Library()

# (key, label, URL name), in the order a meeting runs.
PAGES = (
    ("detail", "Meeting", "meetings:meeting-detail"),
    ("agenda", "Agenda", "meetings:agenda"),
    ("research", "Research list", "meetings:research-list"),
    ("attendance", "Attendance", "meetings:attendance"),
    ("hearing", "At the meeting", "meetings:hearing"),
    ("minutes", "Minutes", "meetings:minutes"),
    ("pack", "Meeting pack", "meetings:pack"),
)


def research_window_open(meeting: Meeting) -> bool:
    """meetings.access.research_window_open, read from the meeting in hand."""
    return (
        meeting.status in (MeetingStatus.PUBLISHED, MeetingStatus.HELD)
        and meeting.published_at is not None
        and meeting.approved_at is None
        and (london_today() - meeting.date).days <= settings.MEETING_RESEARCH_DAYS_AFTER
    )


def may_open(key: str, user, meeting: Meeting) -> bool:
    if key == "hearing":
        return coordinates_meeting(user, meeting)
    if key == "research":
        # Auditors and the area's coordinators while the list is open; otherwise only a
        # member agency's named representative (a seat, not checked here: that is a
        # query), so anyone without an agency is left out.
        return research_window_open(meeting) and (
            user.is_auditor or coordinates_meeting(user, meeting) or bool(user.agency_id)
        )
    return True


@register.simple_tag(takes_context=True)
def meeting_nav_links(context, meeting: Meeting, current: str = "") -> list[dict]:
    request = context.get("request")
    if request is None:  # rendered outside a request: no one to decide for
        return []
    user = request.user
    return [
        {"label": label, "url": reverse(name, args=[meeting.pk]), "current": key == current}
        for key, label, name in PAGES
        if may_open(key, user, meeting)
    ]
