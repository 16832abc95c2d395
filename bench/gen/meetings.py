"""Panel meetings for one area, about monthly over the last two years (``plan.meeting_months``):
members from the standing membership with attendance, case items for cases open on the
day with what the panel decided, a general item, an observer, minutes approved by a
co-chair (the latest one circulated, awaiting approval), one meeting cancelled; and the
next meeting, nine days ahead, with its agenda published and research returns coming in.

Quorate by construction: the agencies of the area's quorum are always present."""

from __future__ import annotations

import datetime as dt

from django.db import connections

from audit.models import AuditEvent
from bench.gen.cases import Ctx, at_day
from bench.gen.reference import QUORUM, AreaWorld
from meetings.models import (
    AgendaItem,
    CaseDecision,
    Meeting,
    MeetingGuest,
    MeetingMember,
    Minutes,
    MinutesSection,
    ResearchReturn,
)

READY = True
Verb = AuditEvent.Verb
ITEMS_PER_MEETING = 12
UPCOMING_IN_DAYS = 9
ABSENCE = ["present", "present", "apologies", "sent_information", "absent"]


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def write_meetings(ctx: Ctx, area: AreaWorld, using: str) -> None:
    rng, today = ctx.rng, ctx.today
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT id, reference, status, opened_at, closed_at, risk_level FROM cases_case "
            "WHERE area_id = %s ORDER BY id",
            [area.id],
        )
        cases = cursor.fetchall()
    kind_of = {agency_id: kind for kind, agency_id in area.agencies.items()}
    members = [(agency_id, area.leads[agency_id][0]) for agency_id in area.agencies.values()]
    police_chair = area.leads[area.agencies["police"]][0]
    la_chair = area.leads[area.agencies["social_care"]][0]
    coordinator = area.coordinators[0]
    months = ctx.plan.meeting_months
    cancelled_month = months // 2 + 1
    for month in range(months, 0, -1):
        day = _weekday(today - dt.timedelta(days=month * 30 + 2))
        if month == cancelled_month:
            _cancelled(ctx, area, day, police_chair, la_chair, coordinator, members)
            continue
        during = at_day(day, rng, 10, 11)
        open_then = [
            c
            for c in cases
            if c[3].date() < day - dt.timedelta(days=2) and (c[4] is None or c[4].date() > day)
        ]
        heard = rng.sample(open_then, min(ITEMS_PER_MEETING, len(open_then)))
        latest = month == 1
        meeting_id = _meeting(
            ctx,
            area,
            day,
            police_chair,
            la_chair,
            coordinator,
            status="held" if latest else "approved",
        )
        for agency_id, rep in members:
            present = kind_of[agency_id] in QUORUM
            ctx.rows.add(
                MeetingMember,
                meeting_id=meeting_id,
                agency_id=agency_id,
                representative_id=rep.id,
                attendance="present" if present else rng.choice(ABSENCE),
                recorded_at=during,
            )
        ctx.rows.add(
            MeetingGuest,
            meeting_id=meeting_id,
            name="Bench Observer",
            organisation="Bench Safeguarding Partnership (generated)",
            kind="observer",
            added_by_id=coordinator.id,
            added_at=during,
        )
        minutes_id = ctx.rows.add(
            Minutes,
            meeting_id=meeting_id,
            status="circulated" if latest else "approved",
            circulated_at=at_day(day + dt.timedelta(days=1), rng),
            approved_at=None if latest else at_day(day + dt.timedelta(days=3), rng),
            approved_by_id=None if latest else police_chair.id,
            created_at=at_day(day + dt.timedelta(days=1), rng, 8, 9),
            version=2 if latest else 3,
        )
        ctx.rows.add(
            MinutesSection,
            minutes_id=minutes_id,
            order=1,
            heading="Meeting",
            text=f"Date: {day:%-d %B %Y}, 10:00\nVenue: Bench Civic Centre\nQuorate: Yes",
        )
        ctx.rows.add(
            MinutesSection,
            minutes_id=minutes_id,
            order=2,
            heading="Attendance",
            text="Member agencies: recorded at the meeting (generated).",
        )
        order = 0
        for case_id, reference, _status, _opened, _closed, level in heard:
            order += 1
            item_id = ctx.rows.add(
                AgendaItem,
                area_id=area.id,
                meeting_id=meeting_id,
                order=order,
                kind="case",
                case_id=case_id,
                reason=rng.choice(["review_due", "review_due", "actions_overdue", "added"]),
                status="heard",
                added_by_id=coordinator.id,
                added_at=at_day(day - dt.timedelta(days=14), rng),
                version=2,
            )
            escalate = rng.random() < 0.05
            decided = at_day(day, rng, 11, 13)
            decision_id = ctx.rows.add(
                CaseDecision,
                item_id=item_id,
                meeting_id=meeting_id,
                case_id=case_id,
                kind="escalate" if escalate else "continue",
                reason="The panel's reason (generated).",
                risk_decision="confirmed",
                risk_level=level,
                quorate=True,
                state="effective",
                forum="strategy" if escalate else "",
                escalation_person=f"{police_chair.label} (bench)" if escalate else "",
                recorded_by_id=coordinator.id,
                recorded_at=decided,
            )
            ctx.rows.add(
                MinutesSection,
                minutes_id=minutes_id,
                item_id=item_id,
                order=order + 2,
                heading=reference,
                text="Decision: continue with the plan (generated).",
            )
            ctx.trail.event(
                coordinator,
                Verb.CREATED,
                decided,
                object_type="meetings.casedecision",
                object_id=decision_id,
                case_reference=reference,
                changes={"kind": [None, "escalate" if escalate else "continue"]},
            )
        order += 1
        general_id = ctx.rows.add(
            AgendaItem,
            area_id=area.id,
            meeting_id=meeting_id,
            order=order,
            kind="general",
            title="Hotspot update (generated)",
            status="heard",
            note="Members to check their records for the locations named (generated).",
            added_by_id=coordinator.id,
            added_at=at_day(day - dt.timedelta(days=14), rng),
            version=2,
        )
        ctx.rows.add(
            MinutesSection,
            minutes_id=minutes_id,
            item_id=general_id,
            order=order + 2,
            heading="Hotspot update (generated)",
            text="Members to check their records for the locations named (generated).",
        )
    _upcoming(ctx, area, cases, police_chair, la_chair, coordinator, members)


def _meeting(ctx, area, day, police_chair, la_chair, coordinator, *, status, **extra) -> int:
    rng = ctx.rng
    created = at_day(day - dt.timedelta(days=21), rng)
    published = at_day(day - dt.timedelta(days=6), rng) if status != "scheduled" else None
    held = at_day(day, rng, 13, 14) if status in ("held", "approved") else None
    approved = at_day(day + dt.timedelta(days=3), rng) if status == "approved" else None
    values = dict(
        area_id=area.id,
        date=day,
        start_time=dt.time(10, 0),
        venue=f"Bench Civic Centre {area.slug[-2:]}, Room {rng.randint(1, 4)}",
        police_chair_id=police_chair.id,
        local_authority_chair_id=la_chair.id,
        status=status,
        published_at=published,
        published_by_id=coordinator.id if published else None,
        held_at=held,
        confidentiality_read=held is not None,
        confidentiality_read_by=police_chair.label if held else "",
        approved_at=approved,
        approved_by_id=police_chair.id if approved else None,
        created_by_id=coordinator.id,
        created_at=created,
        version={"scheduled": 1, "published": 2, "held": 3, "approved": 4}.get(status, 2),
    )
    values.update(extra)
    meeting_id = ctx.rows.add(Meeting, **values)
    ctx.trail.event(
        coordinator,
        Verb.CREATED,
        created,
        object_type="meetings.meeting",
        object_id=meeting_id,
        changes={"date": [None, day.isoformat()]},
    )
    steps = [("scheduled", "published", published), ("published", "held", held)]
    steps.append(("held", "approved", approved))
    if status == "cancelled":
        steps = [("scheduled", "cancelled", values["cancelled_at"])]
    for frm, to, at in steps:
        if at is not None:
            actor = police_chair if to == "approved" else coordinator
            ctx.trail.event(
                actor,
                Verb.TRANSITIONED,
                at,
                object_type="meetings.meeting",
                object_id=meeting_id,
                changes={"status": [frm, to]},
            )
    return meeting_id


def _cancelled(ctx, area, day, police_chair, la_chair, coordinator, members) -> None:
    meeting_id = _meeting(
        ctx,
        area,
        day,
        police_chair,
        la_chair,
        coordinator,
        status="cancelled",
        cancelled_at=at_day(day - dt.timedelta(days=10), ctx.rng),
        cancel_reason="Venue unavailable (generated).",
    )
    for agency_id, rep in members:
        ctx.rows.add(
            MeetingMember, meeting_id=meeting_id, agency_id=agency_id, representative_id=rep.id
        )


def _upcoming(ctx, area, cases, police_chair, la_chair, coordinator, members) -> None:
    """The next meeting: agenda published with the cases awaiting panel and some reviews
    due; research returns from two member agencies on the first items."""
    rng = ctx.rng
    day = _weekday(ctx.today + dt.timedelta(days=UPCOMING_IN_DAYS))
    meeting_id = _meeting(ctx, area, day, police_chair, la_chair, coordinator, status="published")
    for agency_id, rep in members:
        ctx.rows.add(
            MeetingMember, meeting_id=meeting_id, agency_id=agency_id, representative_id=rep.id
        )
    awaiting = [c for c in cases if c[2] == "awaiting_panel"]
    open_cases = [c for c in cases if c[2] == "open"]
    chosen = [(c, "awaiting_panel") for c in awaiting[:15]]
    chosen += [(c, "review_due") for c in rng.sample(open_cases, min(5, len(open_cases)))]
    research_by = [
        (area.agencies["education"], area.leads[area.agencies["education"]][0]),
        (area.agencies["health"], area.leads[area.agencies["health"]][0]),
    ]
    for order, (case, reason) in enumerate(chosen, start=1):
        item_id = ctx.rows.add(
            AgendaItem,
            area_id=area.id,
            meeting_id=meeting_id,
            order=order,
            kind="case",
            case_id=case[0],
            reason=reason,
            status="pending",
            added_by_id=coordinator.id,
            added_at=ctx.now - dt.timedelta(days=8),
        )
        if order <= 3:
            for agency_id, lead in research_by:
                held = rng.random() < 0.5
                ctx.rows.add(
                    ResearchReturn,
                    item_id=item_id,
                    agency_id=agency_id,
                    outcome="held" if held else "nothing_held",
                    summary="A pastoral note (generated)." if held else "",
                    recorded_by_id=lead.id,
                    recorded_at=ctx.now - dt.timedelta(days=rng.randint(1, 5)),
                )
