"""A meeting as an iCalendar file (RFC 5545): when and where, nothing about any case.

Written by hand: one VEVENT, times in UTC (no VTIMEZONE needed), text escaped and lines
folded at 75 octets as the RFC asks. SEQUENCE is the meeting's version, so a calendar that
imported it replaces the event when the meeting is changed or cancelled.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from meetings.models import Meeting, MeetingStatus
from panel.dates import LONDON

ONLINE = "Online (joining details on the meeting page)"
PRODUCT = "-//Safeguard Panel//Panel meetings//EN"


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma, newline."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets (RFC 5545 3.1), never
    splitting a UTF-8 character; continuation lines start with one space."""
    pieces: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, 74  # the leading space takes one octet
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def starts_at(meeting: Meeting) -> dt.datetime:
    """The meeting's start as an aware moment: its date and time are London's."""
    return dt.datetime.combine(meeting.date, meeting.start_time, tzinfo=LONDON)


def location(meeting: Meeting) -> str:
    return meeting.venue or ONLINE


def summary(meeting: Meeting) -> str:
    return f"{meeting.area.name} CSE panel meeting"


def meeting_ics(meeting: Meeting, *, url: str, now: dt.datetime | None = None) -> str:
    """The calendar file for ``meeting``; ``url`` is the meeting page's absolute address."""
    now = now or timezone.now()
    start = starts_at(meeting)
    end = start + dt.timedelta(minutes=settings.MEETING_CALENDAR_MINUTES)
    cancelled = meeting.status == MeetingStatus.CANCELLED
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.pk}@safeguard-panel",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(start)}",
        f"DTEND:{_utc(end)}",
        f"SEQUENCE:{meeting.version}",
        f"SUMMARY:{escape(summary(meeting))}",
        f"LOCATION:{escape(location(meeting))}",
        f"URL:{url}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(f"{fold(line)}\r\n" for line in lines)
