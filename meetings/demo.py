"""Fictional panel meetings for the demo data (``manage.py seed_demo``): per area, standing
membership, one past meeting heard and minuted (minutes approved by a co-chair) and one
upcoming meeting with its agenda published and research returns coming in.

Everything goes through the meeting services, so the audit trail records it as it would
a real meeting. Idempotent: an area that already has meetings is left alone.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from cases.models import Case
from meetings.models import AttendanceStatus, Meeting, StandingMember
from meetings.services import agenda, attendance, hearing, minutes, research, scheduling
from panel.dates import LONDON, london_today
from panel.models import Agency, Area, User

# (agency name, demo username of its named representative or None)
STANDING = [
    ("Demo Police", "demo.police"),
    ("Demo Children's Social Care", "demo.chair.la"),
    ("Demo Health Trust", "demo.health"),
    ("Demo Education Service", "demo.rep.education"),
    ("Demo Youth Justice Service", None),
    ("Demo Voluntary Project", None),
]
# How the past meeting's members attended.
ATTENDED = {
    "Demo Police": AttendanceStatus.PRESENT,
    "Demo Children's Social Care": AttendanceStatus.PRESENT,
    "Demo Health Trust": AttendanceStatus.PRESENT,
    "Demo Education Service": AttendanceStatus.PRESENT,
    "Demo Youth Justice Service": AttendanceStatus.APOLOGIES,
    "Demo Voluntary Project": AttendanceStatus.SENT_INFORMATION,
}
PAST_DAYS_AGO = 10
UPCOMING_IN_DAYS = 9


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


def seed_meetings(
    users: dict[str, User], agencies: dict[str, Agency], areas: dict[str, Area]
) -> int:
    """Make each area's demo meetings; returns how many meetings were made."""
    made = 0
    for slug, boss_name in (
        ("staffordshire", "demo.coordinator"),
        ("stoke-on-trent", "demo.coordinator.stoke"),
    ):
        area = areas[slug]
        if Meeting.objects.filter(area=area).exists():
            continue
        boss = users[boss_name]
        with transaction.atomic():
            _standing_members(boss, area, agencies, users)
            _past_meeting(boss, area, users)
            _upcoming_meeting(boss, area, users)
        made += 2
    return made


def _standing_members(boss: User, area: Area, agencies, users) -> None:
    for agency_name, username in STANDING:
        agency = agencies[agency_name]
        representative = users.get(username) if username else None
        if StandingMember.objects.filter(
            area=area, agency=agency, representative=representative
        ).exists():
            continue
        scheduling.add_standing_member(
            boss, area=area, agency=agency, representative=representative
        )


def _past_meeting(boss: User, area: Area, users) -> Meeting:
    """Held ten days ago: two open cases heard and continued, minutes approved by the
    police co-chair."""
    day = london_today() - dt.timedelta(days=PAST_DAYS_AGO)
    meeting = scheduling.schedule_meeting(
        boss,
        area=area,
        date=day,
        start_time=dt.time(10, 0),
        venue="Demo Civic Centre, Committee Room 2",
        police_chair=users["demo.chair.police"],
        local_authority_chair=users["demo.chair.la"],
        now=_at(day - dt.timedelta(days=21), 9),
    )
    heard = list(
        Case.objects.filter(
            area=area, status=Case.Status.OPEN, opened_at__lt=_at(day - dt.timedelta(days=2), 9)
        ).order_by("opened_at")[:2]
    )
    before = _at(day - dt.timedelta(days=14), 9)
    for case in heard:
        agenda.add_case_item(
            boss,
            meeting=meeting,
            case=case,
            reason="review_due",
            reason_detail="Review due before the next meeting.",
            now=before,
        )
    hotspots = agenda.add_general_item(
        boss,
        meeting=meeting,
        title="Hotspot update from the police (fictional)",
        now=before,
    )
    # Not reached: carried to the next meeting's agenda.
    agenda.add_general_item(
        boss,
        meeting=meeting,
        title="Disruption activity round-up (fictional)",
        now=before,
    )
    meeting.refresh_from_db()
    agenda.publish_agenda(
        boss, meeting=meeting, version=meeting.version, now=_at(day - dt.timedelta(days=6), 9)
    )
    items = list(meeting.items.filter(case__isnull=False).order_by("order"))
    for item in items[:1]:
        research.record_research_return(
            users["demo.rep.education"],
            item=item,
            outcome="held",
            summary="Fictional: attendance has dropped this term; two unexplained absences.",
            now=_at(day - dt.timedelta(days=3), 14),
        )
    during = _at(day, 10)
    attendance.record_attendance_all(
        boss,
        meeting=meeting,
        rows=[
            {"member": member, "attendance": ATTENDED.get(member.agency.name, "absent")}
            for member in meeting.members.select_related("agency")
        ],
        now=during,
    )
    meeting.refresh_from_db()
    attendance.record_confidentiality(
        boss,
        meeting=meeting,
        read_by="Demo Chair-Police",
        version=meeting.version,
        now=during,
    )
    attendance.add_guest(
        boss,
        meeting=meeting,
        name="Demo Observer",
        organisation="Demo Safeguarding Partnership (fictional)",
        now=during,
    )
    for item in items:
        hearing.record_decision(
            boss,
            item=item,
            kind="continue",
            reason="Fictional: the plan is working; keep the actions going to the next review.",
            risk_decision="confirmed",
            now=_at(day, 11),
        )
    hearing.record_general_item(
        boss,
        item=hotspots,
        note="Fictional: the police shared the hotspot map; members to check their records "
        "for the two locations named.",
        now=_at(day, 12),
    )
    meeting.refresh_from_db()
    hearing.close_hearing(boss, meeting=meeting, version=meeting.version, now=_at(day, 13))
    drafted = minutes.draft_minutes(boss, meeting=meeting, now=_at(day + dt.timedelta(days=1), 9))
    minutes.circulate_minutes(
        boss,
        meeting=meeting,
        version=drafted.version,
        now=_at(day + dt.timedelta(days=1), 10),
    )
    drafted.refresh_from_db()
    minutes.approve_minutes(
        users["demo.chair.police"],
        meeting=meeting,
        version=drafted.version,
        now=_at(day + dt.timedelta(days=3), 9),
    )
    return meeting


def _upcoming_meeting(boss: User, area: Area, users) -> Meeting:
    """In nine days: the agenda built from the database and published, research returns
    from two member agencies."""
    day = london_today() + dt.timedelta(days=UPCOMING_IN_DAYS)
    meeting = scheduling.schedule_meeting(
        boss,
        area=area,
        date=day,
        start_time=dt.time(10, 0),
        venue="Demo Civic Centre, Committee Room 2",
        police_chair=users["demo.chair.police"],
        local_authority_chair=users["demo.chair.la"],
    )
    agenda.build_agenda(boss, meeting=meeting)
    meeting.refresh_from_db()
    agenda.publish_agenda(boss, meeting=meeting, version=meeting.version)
    items = list(meeting.items.filter(case__isnull=False).order_by("order")[:3])
    for index, item in enumerate(items):
        held = index % 2 == 0
        research.record_research_return(
            users["demo.rep.education"],
            item=item,
            outcome="held" if held else "nothing_held",
            summary="Fictional: a pastoral note about late arrivals." if held else "",
        )
    if items:
        research.record_research_return(
            users["demo.health"],
            item=items[0],
            outcome="nothing_held",
        )
    return meeting
