"""The authorization matrix: every URL pattern the project registers (web and API), for
every role plus anonymous, checked against one table of expected statuses.

The table is the access policy written out cell by cell (DESIGN.md rules 1, 8 and 10):
need to know, out of scope is the same 404 as a record that does not exist, role-gated
pages are 403, only the right people write, auditors change nothing, staff see no case
data. A route missing from the table fails ``test_every_route_is_in_the_table``.

Reading a row: ``GET(target, cells)`` / ``POST(target, cells)``, where ``target`` picks the
record from the world and ``cells`` gives each role's status. ``signed_in(200, staff=403)``
is "every signed-in role 200 but staff 403"; ``scoped(coord_a=200)`` is "every signed-in
role 404 (out of scope) but coord_a 200". Anonymous is 302 to the sign-in page on the web
and 401 on the API unless a row says otherwise. ``to("route")`` is a 302 to that route
(for the same record unless told). POST rows send an empty body: people who may act get
their validation result (a form again, a redirect, or 400), the others 403 or 404. Every
404 is also compared with the same request for an id nobody has (999999): same status,
same body, so existence never leaks.

Where the code breaks the policy today the cell keeps the policy's value and the route is
listed in KNOWN_BUGS with what the code gives: a strict xfail that the lead removes once
the code is fixed. Any other mismatch on that route still fails the test.
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLResolver, get_resolver, include, path, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from cases import services
from meetings.models import MeetingMember
from meetings.services.scheduling import (
    add_meeting_member,
    add_standing_member,
    schedule_meeting,
)
from notifications.models import Notification
from notifications.services import notify
from panel.accounts import create_api_token
from panel.models import Agency, Area, User
from tests.factories import (
    ANSWERED,
    AgencyFactory,
    ChildFactory,
    UserFactory,
    agency_lead,
    auditor,
    coordinator,
    make_referral,
    matrix_tool,
    referrer,
    staffordshire,
    stoke,
)

ROLES = (
    "anon",
    "referrer",
    "lead_in",
    "lead_out",
    "lead_prof",
    "action_owner",
    "coord_a",
    "coord_b",
    "auditor",
    "staff",
    # A meeting's named representatives (no role at all): one live, one who has since left
    # the agency they were named for. See "the research list" below.
    "rep",
    "rep_left",
)
SIGNED_IN = ROLES[1:]
MISSING = 999999  # an id no record has
ADMIN = "admin:"  # one rule covers every admin route; admin:index is the one requested
API_ROUTES = ("v1:", "schema", "api-docs")


# --- the world every row is checked against --------------------------------------------


@dataclass
class World:
    users: dict[str, User | None]
    area_a: Area
    area_b: Area
    agency_in: Agency  # P: involved in the case
    agency_out: Agency  # Q: serves the same area, not involved
    r1: Any  # R0's referral, accepted by coord_a into the case
    r2: Any  # R0's referral, pending triage
    case: Any  # lead agency P, lead professional lead_prof
    child: Any  # the case's child (R1's)
    child2: Any  # R2's child
    assessment: Any  # recorded on the case by coord_a (not the referral's own)
    action: Any  # on the case, owned by agency P (lead_in's), owner action_owner
    case2: Any  # another case P is involved in: lead_prof and action_owner are not on it
    child2_case: Any  # case2's child
    r3: Any  # case2's referral
    action2: Any  # on case2, owned by P, no owner named
    review: Any  # the case's upcoming review
    tool: Any
    notification: Notification  # coord_a's
    token: Any  # coord_a's API token
    event: AuditEvent
    # Panel meetings in area A with P (agency_in) as a member agency, rep its named
    # representative, the case on each agenda. The research list's time box: published and
    # open; not yet published; held more than MEETING_RESEARCH_DAYS_AFTER days ago; minutes
    # approved.
    meeting_open: Any
    meeting_unpublished: Any
    meeting_past: Any
    meeting_approved: Any
    item_open: Any  # the case on meeting_open's agenda (and so on)
    item_unpublished: Any
    item_past: Any
    item_approved: Any
    research_return: Any  # P's return for item_open, by rep
    # Panel meetings: a meeting of area A scheduled by coord_a; agency P sits on it with
    # lead_prof (no role) as its named representative, attendance recorded (apologies).
    meeting: Any = None
    meeting_member: Any = None
    standing_member: Any = None  # area A's: agency Q, no named representative
    # Intelligence (issue 13): see intelligence_world. Q (agency_out, lead_out) is granted
    # area A's intelligence; P (agency_in, lead_in) is not, so lead_in sees only the
    # case-side summary of the case's links.
    intel: Any = None


@pytest.fixture
def world() -> World:
    area_a, area_b = staffordshire(), stoke()
    agency_in = AgencyFactory(name="Test Agency Involved (fictional)")
    agency_out = AgencyFactory(name="Test Agency Not Involved (fictional)")
    agency_in.areas.add(area_a)
    agency_out.areas.add(area_a)
    users = {
        "anon": None,
        "referrer": referrer(),
        "lead_in": agency_lead(agency_in),
        "lead_out": agency_lead(agency_out),
        # Members of P without the agency-lead role, who do the work on the case.
        "lead_prof": referrer(agency=agency_in),
        "action_owner": referrer(agency=agency_in),
        "coord_a": coordinator(area_a),
        "coord_b": coordinator(area_b),
        "auditor": auditor(),
        "staff": UserFactory(is_staff=True, is_superuser=True, agency=None),
    }
    tool = matrix_tool()
    child = ChildFactory(area=area_a)
    r1 = make_referral(by=users["referrer"], child=child)
    case = services.accept_referral(
        users["coord_a"],
        referral=r1,
        reason="Meets the panel threshold (fictional test).",
        lead_agency=agency_in,
        lead_professional=users["lead_prof"],
        involved_agencies=[agency_in],
    )
    child2 = ChildFactory(area=area_a)
    r2 = make_referral(by=users["referrer"], child=child2)
    assessment = services.record_assessment(users["coord_a"], case=case, answers=ANSWERED)
    action = services.add_action(
        users["coord_a"],
        case=case,
        description="Fictional action for the access matrix.",
        owning_agency=agency_in,
        owner=users["action_owner"],
        due_date=dt.date(2030, 1, 1),
        four_p="protect",
    )
    r3 = make_referral(by=users["referrer"], child=ChildFactory(area=area_a))
    case2 = services.accept_referral(
        users["coord_a"],
        referral=r3,
        reason="Meets the panel threshold (fictional test).",
        lead_agency=agency_in,
    )
    action2 = services.add_action(
        users["coord_a"],
        case=case2,
        description="Fictional action on another case.",
        owning_agency=agency_in,
        due_date=dt.date(2030, 1, 1),
        four_p="protect",
    )
    notify(
        recipients=[users["coord_a"]],
        kind=Notification.Kind.REVIEW_DUE,
        link=reverse("cases:case-detail", args=[case.pk]),
        about=f"review:{case.pk}:matrix",
        case_reference=case.reference,
    )
    token, _ = create_api_token(users["coord_a"], name="Matrix token (fictional)", days=30)
    meeting = schedule_meeting(
        users["coord_a"], area=area_a, date=dt.date(2030, 1, 7), start_time=dt.time(10),
        venue="Test Venue (fictional)",
    )  # fmt: skip
    meeting_member = add_meeting_member(
        users["coord_a"], meeting=meeting, agency=agency_in, representative=users["lead_prof"]
    )
    MeetingMember.objects.filter(pk=meeting_member.pk).update(attendance="apologies")
    standing_member = add_standing_member(users["coord_a"], area=area_a, agency=agency_out)
    research = research_world(users, area_a, agency_in, case)
    return World(
        users=users,
        area_a=area_a,
        area_b=area_b,
        agency_in=agency_in,
        agency_out=agency_out,
        r1=r1,
        r2=r2,
        case=case,
        child=child,
        child2=child2,
        assessment=assessment,
        action=action,
        case2=case2,
        child2_case=case2.child,
        r3=r3,
        action2=action2,
        review=case.reviews.get(status="upcoming"),
        tool=tool,
        notification=Notification.objects.get(
            recipient=users["coord_a"], kind=Notification.Kind.REVIEW_DUE
        ),
        token=token,
        event=AuditEvent.objects.order_by("-id").first(),
        meeting=meeting,
        meeting_member=meeting_member,
        standing_member=standing_member,
        **research,
        intel=intelligence_world(users, area_a, agency_in, agency_out, case, case2),
    )


def intelligence_world(users, area_a, agency_in, agency_out, case, case2):
    """Area A's intelligence: agency Q (lead_out) granted, P (lead_in) not.

    - ``person``: graded P, from Q, linked to the case's child and to case2's child (an
      emerging pattern), and to ``vehicle``;
    - ``person_c``: graded C (handling conditions), from P: only coord_a and the auditor
      see it (P's leads would, but P is not granted);
    - ``location``: a private house, linked to the case's child;
    - ``vehicle``: a partial registration, linked to ``person``;
    - ``disruption``: against ``person``, by Q; ``episode``: a missing episode on the case.

    Each part of issue 13 adds what its rows need in its own block below."""
    from intelligence.models import (
        Disruption,
        Link,
        Location,
        MissingEpisode,
        PersonOfConcern,
        Sighting,
        Vehicle,
    )
    from panel.dates import london_today
    from tests.factories import grant_intelligence

    grant_intelligence(agency_out, area_a)
    coord = users["coord_a"]
    today = london_today()
    graded = {"source_evaluation": "B", "intelligence_assessment": "2", "area": area_a}
    person = PersonOfConcern.objects.create(
        name="Testperson Matrix-One", approximate_age=30, created_by=coord,
        review_date=today + dt.timedelta(days=180), handling_code="P", source_agency=agency_out,
        **graded,
    )  # fmt: skip
    person_c = PersonOfConcern.objects.create(
        name="Testperson Matrix-Two", approximate_age=40, created_by=coord,
        review_date=today + dt.timedelta(days=180), handling_code="C",
        handling_conditions="Not to be shared outside the panel (fictional).",
        source_agency=agency_in, **graded,
    )  # fmt: skip
    location = Location.objects.create(
        name="Testplace Matrix House", kind="house", address="1 Test Street, Testtown",
        postcode="ZZ99 9ZZ", created_by=coord, handling_code="P", source_agency=agency_out,
        **graded,
    )  # fmt: skip
    vehicle = Vehicle.objects.create(
        registration="TE5 T??", make="Testmake", colour="Grey", created_by=coord,
        handling_code="P", source_agency=agency_out, **graded,
    )  # fmt: skip
    now = timezone.now()
    link_kwargs = {"recorded_by": coord, "recorded_at": now, "handling_code": "P",
                   "source_agency": agency_out, **graded}  # fmt: skip
    link = Link.objects.create(case=case, person=person, relationship="seen_with", **link_kwargs)
    link2 = Link.objects.create(case=case2, person=person, relationship="gave_gifts", **link_kwargs)
    link_location = Link.objects.create(
        case=case, location=location, relationship="found_at", **link_kwargs
    )
    link_vehicle = Link.objects.create(
        person=person, vehicle=vehicle, relationship="drives", **link_kwargs
    )
    sighting = Sighting.objects.create(
        link=link, seen_at=now - dt.timedelta(days=2), location=location, recorded_by=coord
    )
    disruption = Disruption.objects.create(
        area=area_a, person=person, kind="cawn", date=today - dt.timedelta(days=10),
        agency=agency_out, outcome="Notice served (fictional).",
        review_date=today + dt.timedelta(days=90), recorded_by=coord,
    )  # fmt: skip
    episode = MissingEpisode.objects.create(
        case=case, reported_missing_at=now - dt.timedelta(days=3),
        returned_at=now - dt.timedelta(days=2), found_location=location,
        recorded_by=coord,
    )  # fmt: skip
    intel = types.SimpleNamespace(
        person=person, person_c=person_c, location=location, vehicle=vehicle, link=link,
        link2=link2, link_location=link_location, link_vehicle=link_vehicle,
        sighting=sighting, disruption=disruption, episode=episode,
    )  # fmt: skip
    # --- intelligence world: records and merges ---
    from intelligence.models import PersonIdentifier
    from intelligence.services import merges

    intel.identifier = PersonIdentifier.objects.create(
        person=person, kind="alias", value="Testalias Matrix"
    )
    vehicle_dup = Vehicle.objects.create(
        registration="TE5 TXX", created_by=coord, handling_code="P", source_agency=agency_out,
        **graded,
    )  # fmt: skip
    intel.merge = merges.merge_records(
        coord, kind="vehicle", kept=vehicle, merged=vehicle_dup, reason="Matrix (fictional)."
    )
    # --- intelligence world: links ---
    # ``link_c``: the case's child linked to person_c, graded C by P: only coord_a and
    # the auditor see it in full.
    intel.link_c = Link.objects.create(
        case=case, person=person_c, relationship="contacted_online",
        **(link_kwargs | {"handling_code": "C", "source_agency": agency_in,
                          "handling_conditions": "Not beyond the panel (fictional)."}),
    )  # fmt: skip
    # --- intelligence world: chart and patterns ---
    # --- intelligence world: disruption ---
    # --- intelligence world: missing episodes ---
    return intel


def intel(name: str) -> Kwargs:
    """The URL of the intelligence world's record ``name``."""
    return lambda w: {"pk": getattr(w.intel, name).pk}


def research_world(users: dict, area: Area, member: Agency, case) -> dict:
    """The meetings of the research list's rows: rep (no role, in P) and rep_left (named
    for P, since moved to another agency) hold P's seats at each; lead_in leads P without a
    seat; Q (lead_out's agency) is not a member."""
    from django.conf import settings
    from django.utils import timezone

    from meetings.models import AgendaItem, Meeting, MeetingMember, MeetingStatus
    from meetings.services.research import record_research_return
    from panel.dates import london_today

    users["rep"] = UserFactory(agency=member)
    users["rep_left"] = UserFactory(agency=member)
    made = {}
    days_after = settings.MEETING_RESEARCH_DAYS_AFTER
    for name, status, days, published in (
        ("open", MeetingStatus.PUBLISHED, 3, True),
        ("unpublished", MeetingStatus.SCHEDULED, 10, False),
        ("past", MeetingStatus.HELD, -(days_after + 1), True),
        ("approved", MeetingStatus.APPROVED, -2, True),
    ):
        meeting = Meeting.objects.create(
            area=area,
            date=london_today() + dt.timedelta(days=days),
            start_time=dt.time(10),
            venue="Test Venue Room 1",
            status=status,
            published_at=timezone.now() - dt.timedelta(days=30) if published else None,
            approved_at=timezone.now() if status == MeetingStatus.APPROVED else None,
            created_by=users["coord_a"],
        )
        for seat in ("rep", "rep_left"):
            MeetingMember.objects.create(meeting=meeting, agency=member, representative=users[seat])
        made[f"meeting_{name}"] = meeting
        made[f"item_{name}"] = AgendaItem.objects.create(
            area=area, meeting=meeting, case=case, order=1, added_by=users["coord_a"]
        )
    made["research_return"] = record_research_return(
        users["rep"], item=made["item_open"], outcome="nothing_held"
    )
    # rep_left moves agency after being named: their seat is no longer live.
    User.objects.filter(pk=users["rep_left"].pk).update(agency=AgencyFactory())
    users["rep_left"].refresh_from_db()
    return made


# --- the table's vocabulary ------------------------------------------------------------

Kwargs = Callable[[World], dict]


class Goes(NamedTuple):
    """A redirect to ``route``: for the record ``pk(world)`` picks if given, else for the
    record requested (routes that take a pk), else the route itself."""

    route: str
    pk: Callable[[World], int] | None = None
    status: int = 302


def to(route: str, pk: Callable[[World], int] | None = None) -> Goes:
    return Goes(route, pk)


Cell = int | Goes


class Row(NamedTuple):
    method: str
    kwargs: Kwargs  # the URL's kwargs, from the world
    body: dict | None
    expect: dict[str, Cell]  # anonymous may be left out: see the module docstring
    label: str = ""  # tells apart several rows for one route


def signed_in(status: Cell, **others: Cell) -> dict[str, Cell]:
    """Every signed-in role gets ``status`` except those named (``anon=`` too)."""
    return {role: status for role in SIGNED_IN} | others


def everyone(status: Cell, **others: Cell) -> dict[str, Cell]:
    return signed_in(status, anon=status, **others)


def scoped(**seen: Cell) -> dict[str, Cell]:
    """A record: the roles named get their status, every other signed-in role 404."""
    return signed_in(404, **seen)


def GET(kwargs: Kwargs, expect: dict[str, Cell], label: str = "") -> Row:
    return Row("GET", kwargs, None, expect, label)


def POST(kwargs: Kwargs, expect: dict[str, Cell], label: str = "") -> Row:
    return Row("POST", kwargs, {}, expect, label)


def none(w: World) -> dict:
    return {}


def pk(name: str) -> Kwargs:
    """The URL of the world's record ``name``."""
    return lambda w: {"pk": getattr(w, name).pk}


def link(referral: str, child: str) -> Kwargs:
    return lambda w: {"pk": getattr(w, referral).pk, "child_pk": getattr(w, child).pk}


def the_case(w: World) -> int:
    return w.case.pk


TRIAGE = to("cases:triage-detail")
REFERRAL_PAGE = to("cases:referral-detail")
ADMIN_LOGIN = to("admin:login")
# R2 is pending: its referrer sees it and may not triage it. R1 is accepted onto the case:
# the lead of the involved agency sees it too, and may not triage it either.
# The people doing the work on the case (its lead professional, the owner of its open
# action), without the agency-lead role: they read the case like an involved lead.
WORKERS = ("lead_prof", "action_owner")


def workers(status: Cell) -> dict[str, Cell]:
    return dict.fromkeys(WORKERS, status)


# A meeting's representatives hold no role: what needs one (referring, the case list,
# contributing to a case) is 403 for them as for anyone without a role.
NO_ROLE = ("rep", "rep_left")


def no_role(status: Cell) -> dict[str, Cell]:
    return dict.fromkeys(NO_ROLE, status)


PENDING = scoped(referrer=403, coord_a=200, auditor=403)
ACCEPTED = scoped(referrer=403, lead_in=403, coord_a=200, auditor=403, **workers(403))
# Coordinator-only changes to the case: the lead of an involved agency, the people doing
# the work and the auditor see the case (403), everyone else does not (404).
COORDINATOR_ONLY = scoped(lead_in=403, coord_a=200, auditor=403, **workers(403))
# Creating an assessment or a note with no case named: coordinators and agency leads may
# add them (to their own cases) and get 400; referrers (the workers are referrers too),
# staff and auditors never may.
CONTRIBUTE = signed_in(400, referrer=403, auditor=403, staff=403, **workers(403), **no_role(403))
# The case and what hangs off it: the involved lead, the workers, coord_a, the auditor.
SEE_CASE = scoped(lead_in=200, coord_a=200, auditor=200, **workers(200))
# Another case P is involved in: the workers are not on it, so 404 like anyone outside.
SEE_OTHER_CASE = scoped(lead_in=200, coord_a=200, auditor=200)
# Progressing an action: the owning agency's lead (lead_in), its owner and coord_a get their
# form again for the empty body; the lead professional and the auditor see it and may not
# (403); everyone else 404.
PROGRESS = scoped(lead_in=200, action_owner=200, lead_prof=403, coord_a=200, auditor=403)
PROGRESS_OTHER = scoped(lead_in=200, coord_a=200, auditor=403)
# R1 and its child (the case's child): the referrer, the involved lead, the workers,
# coord_a, the auditor.
SEE_R1 = scoped(referrer=200, lead_in=200, coord_a=200, auditor=200, **workers(200))
# R3 (case2's referral) and its child: the workers are not on case2.
SEE_R3 = scoped(referrer=200, lead_in=200, coord_a=200, auditor=200)
# Changing those children's details: their area's coordinator; the others who see them 403.
CHANGE_R1_CHILD = scoped(referrer=403, lead_in=403, coord_a=200, auditor=403, **workers(403))
CHANGE_R3_CHILD = scoped(referrer=403, lead_in=403, coord_a=200, auditor=403)
# A meeting: its area's coordinator, the leads of its member agencies (lead_in), its
# members' named representatives (lead_prof), auditors. Changing it: the coordinator only.
SEE_MEETING = scoped(lead_in=200, lead_prof=200, coord_a=200, auditor=200)
RUN_MEETING = scoped(lead_in=403, lead_prof=403, coord_a=200, auditor=403)
# An area's scheduling and standing membership: its coordinators; an area is no secret, so
# everyone else is refused by role.
AREA_COORDINATOR = signed_in(403, coord_a=200)


def meeting_member(w: World) -> dict:
    return {"pk": w.meeting.pk, "member_pk": w.meeting_member.pk}


def standing_member(w: World) -> dict:
    return {"pk": w.area_a.pk, "member_pk": w.standing_member.pk}


def minutes_meeting(w: World) -> dict:
    """A held meeting of area A with circulated minutes: agencies P and Q are members (so
    their leads see the meeting), the case is heard on it; no role in the table chairs it.
    Made on first use, so the rest of the table does not pay for it."""
    if not hasattr(w, "minutes_meeting"):
        from meetings.models import AgendaItem, Meeting, MeetingMember, MeetingStatus
        from meetings.services.minutes import circulate_minutes, draft_minutes

        coord = w.users["coord_a"]
        meeting = Meeting.objects.create(
            area=w.area_a,
            date=dt.date(2030, 1, 7),
            start_time=dt.time(10),
            venue="Fictional Room 1",
            status=MeetingStatus.HELD,
            created_by=coord,
        )
        for agency in (w.agency_in, w.agency_out):
            MeetingMember.objects.create(meeting=meeting, agency=agency, attendance="present")
        AgendaItem.objects.create(
            area=w.area_a, meeting=meeting, case=w.case, status="heard", added_by=coord
        )
        minutes = draft_minutes(coord, meeting=meeting)
        circulate_minutes(coord, meeting=meeting, version=minutes.version)
        w.minutes_meeting = meeting
        w.minutes_section = minutes.sections.order_by("order").first()
    return {"pk": w.minutes_meeting.pk}


def minutes_section(w: World) -> dict:
    return minutes_meeting(w) | {"section_pk": w.minutes_section.pk}


# Meetings: the meeting is seen by area A's coordinator, the leads of its member agencies
# and auditors; its minutes are run by the coordinator (a co-chair approves: none here).
SEE_MINUTES = scoped(lead_in=200, lead_out=200, coord_a=200, auditor=200)
MEETING_COORDINATOR = scoped(lead_in=403, lead_out=403, coord_a=200, auditor=403)
MINUTES = to("meetings:minutes")


# --- panel meetings: attendance (issue 10) ------------------------------------------------
# A meeting of area A taking place today (agenda published), with agency P as its one member
# (lead_in its named representative) and one observer. It is seen by coord_a, lead_in (the
# member's representative and agency lead) and the auditor; everyone else gets 404. Made on
# first use, so the world above stays as it was for the other rows.


# Seen by area A's coordinator, the leads of its member agency (lead_in) and auditors; run
# by the coordinator.
SEE_AT_MEETING = scoped(lead_in=200, coord_a=200, auditor=200)
RUN_AT_MEETING = scoped(lead_in=403, coord_a=200, auditor=403)


def _attendance_meeting(w: World):
    if not hasattr(w, "attendance_meeting"):
        from django.utils import timezone

        from meetings.models import MeetingGuest
        from panel.dates import london_today
        from tests.factories import MeetingFactory, MeetingMemberFactory

        meeting = MeetingFactory(
            area=w.area_a, status="published", published_at=timezone.now(), date=london_today()
        )
        w.attendance_member = MeetingMemberFactory(
            meeting=meeting, agency=w.agency_in, representative=w.users["lead_in"]
        )
        w.attendance_guest = MeetingGuest.objects.create(
            meeting=meeting, name="Matrix Observer (fictional)", organisation="Test",
            added_by=w.users["coord_a"],
        )  # fmt: skip
        w.attendance_meeting = meeting
    return w.attendance_meeting


def at_meeting(w: World) -> dict:
    return {"pk": _attendance_meeting(w).pk}


def meeting_guest(w: World) -> dict:
    _attendance_meeting(w)
    return {"pk": w.attendance_meeting.pk, "guest_pk": w.attendance_guest.pk}


def api_meeting(w: World) -> dict:
    return {"meeting_pk": _attendance_meeting(w).pk}


def api_member(w: World) -> dict:
    _attendance_meeting(w)
    return {"meeting_pk": w.attendance_meeting.pk, "pk": w.attendance_member.pk}


# --- panel meetings: the agenda ------------------------------------------------------------
# Made on first use, so the world above stays as it was: a meeting of area A with agency P
# (lead_in's) a member agency with no named representative, the case on its agenda, and a
# general item on area A's "to be scheduled" list.


def agenda_world(w: World) -> types.SimpleNamespace:
    made = getattr(w, "_agenda", None)
    if made is None:
        from meetings.models import AgendaItem, MeetingMember
        from tests.factories import MeetingFactory

        boss = w.users["coord_a"]
        meeting = MeetingFactory(area=w.area_a, created_by=boss)
        MeetingMember.objects.create(meeting=meeting, agency=w.agency_in)
        made = types.SimpleNamespace(
            meeting=meeting,
            item=AgendaItem.objects.create(
                area=w.area_a, meeting=meeting, case=w.case, order=1, added_by=boss
            ),
            listed=AgendaItem.objects.create(
                area=w.area_a,
                meeting=None,
                kind="general",
                title="Fictional carried item",
                added_by=boss,
            ),
        )
        w._agenda = made
    return made


def agenda_meeting(w: World) -> dict:
    return {"pk": agenda_world(w).meeting.pk}


def agenda_api(w: World) -> dict:
    return {"meeting_pk": agenda_world(w).meeting.pk}


def agenda_item(name: str) -> Kwargs:
    return lambda w: {"item_pk": getattr(agenda_world(w), name).pk}


def the_agenda(w: World) -> int:
    return agenda_world(w).meeting.pk


# The meeting: its area's coordinators, the agency leads of its member agencies, auditors.
SEE_AGENDA_MEETING = scoped(lead_in=200, coord_a=200, auditor=200)
# The agenda's editing pages: those who see the meeting but do not coordinate it get 403.
RUN_AGENDA = scoped(lead_in=403, coord_a=200, auditor=403)
# An agenda item about the case: whoever sees the case may read it; only coord_a changes it.
CHANGE_ITEM = COORDINATOR_ONLY

# The research list (meetings): read by the live representative, the area's coordinator
# and the auditor while open; recorded by the representative alone.
RESEARCH_READ = scoped(rep=200, coord_a=200, auditor=200)
RESEARCH_WRITE = scoped(rep=200, coord_a=403, auditor=403)


def meeting_of(name: str) -> Kwargs:
    return lambda w: {"pk": getattr(w, f"meeting_{name}").pk}


def entry_of(name: str) -> Kwargs:
    return lambda w: {
        "pk": getattr(w, f"meeting_{name}").pk,
        "item_pk": getattr(w, f"item_{name}").pk,
    }


def research_api_meeting(name: str) -> Kwargs:
    return lambda w: {"meeting_pk": getattr(w, f"meeting_{name}").pk}


def the_return(w: World) -> dict:
    return {"meeting_pk": w.meeting_open.pk, "pk": w.research_return.pk}


# A meeting of area A with agency P (lead_in's) as a member and the case on its agenda,
# made the first time a row asks for it (rows of the meeting pack).
MEETING_READER_ROLES = ("lead_in", "coord_a", "auditor")
MEETING_READERS = scoped(**dict.fromkeys(MEETING_READER_ROLES, 200))
PACK_PAGE = to("meetings:pack")


def the_meeting(w: World):
    if getattr(w, "_meeting", None) is None:
        from meetings.models import AgendaItem, Meeting, MeetingMember

        meeting = Meeting.objects.create(
            area=w.area_a,
            date=dt.date(2030, 1, 15),
            start_time=dt.time(10, 0),
            venue="Fictional Venue",
            created_by=w.users["coord_a"],
        )
        MeetingMember.objects.create(meeting=meeting, agency=w.agency_in)
        AgendaItem.objects.create(
            area=w.area_a, meeting=meeting, case=w.case, order=1, added_by=w.users["coord_a"]
        )
        w._meeting = meeting
    return w._meeting


def meeting_pk(w: World) -> dict:
    return {"pk": the_meeting(w).pk}


def pack_meeting_api(w: World) -> dict:
    return {"meeting_pk": the_meeting(w).pk}


# Partnership report exports: readers of reports, and coord_a's own export (queued).
REPORT_READERS = signed_in(403, coord_a=200, coord_b=200, auditor=200)
OWN_EXPORT = signed_in(403, coord_a=200, coord_b=404, auditor=404)


def report_table(w: World) -> dict:
    return {"slug": "referrals-by-agency-kind"}


def report_export(w: World) -> dict:
    if getattr(w, "_report_export", None) is None:
        from reports.export_jobs import request_export
        from reports.periods import financial_quarter

        w._report_export = request_export(
            w.users["coord_a"],
            fmt="pdf",
            areas=[w.area_a],
            period=financial_quarter(dt.date(2026, 5, 1)),
        )
    return {"pk": w._report_export.pk}


TABLE: dict[str, Row | list[Row]] = {
    # --- the panel's own pages -----------------------------------------------------------
    "home": GET(none, signed_in(200)),
    # Signed in already: LoginView(redirect_authenticated_user=True) sends you home.
    "login": GET(none, signed_in(to("home"), anon=200)),
    # Sign-out is POST only (Django 5): a GET is 405 for everyone, signed in or not.
    "logout": GET(none, everyone(405)),
    # Status only for anonymous callers and non-staff; staff see the details (test_healthz).
    "healthz": GET(none, everyone(200)),
    # Two-factor sign-in (panel/mfa_views.py). The code step without a password just given
    # goes back to the sign-in page, signed in or not.
    "sign-in-code": GET(none, everyone(to("login"))),
    "account-mfa": GET(none, signed_in(200)),
    # Nobody in the world has an authenticator yet: every signed-in user may set one up.
    "account-mfa-setup": GET(none, signed_in(200)),
    # Codes are shown once, right after they are made: with none waiting, the overview.
    # Making new ones needs an authenticator, which nobody here has.
    "account-mfa-recovery-codes": [
        GET(none, signed_in(to("account-mfa")), "show"),
        POST(none, signed_in(403), "regenerate"),
    ],
    # The timeout warning's "Stay signed in": any signed-in person; without a session 401
    # (a fetch from the page, which then goes to sign in), not a redirect.
    "session-keep-alive": [
        POST(none, signed_in(200, anon=401)),
        GET(none, signed_in(405, anon=405), "post only"),
    ],
    ADMIN + "index": GET(none, everyone(ADMIN_LOGIN, staff=200)),
    # --- your account: everyone signed in reaches their own, and only their own ------------
    "account": GET(none, signed_in(200)),
    # An empty body is the form again with its errors: nothing changes.
    "account-password": [GET(none, signed_in(200), "form"), POST(none, signed_in(200), "send")],
    "account-tokens": GET(none, signed_in(200)),
    "account-token-new": [GET(none, signed_in(200), "form"), POST(none, signed_in(200), "send")],
    # coord_a's token: nobody else can see or revoke it, exactly as if it did not exist.
    "account-token-revoke": [
        GET(pk("token"), scoped(coord_a=200), "confirm"),
        POST(pk("token"), scoped(coord_a=to("account-tokens")), "revoke"),
    ],
    # --- referring -----------------------------------------------------------------------
    # "My referrals" lists only what the user sent (empty for everyone else); not role-gated
    # because whoever made a referral follows it whatever their role now (cases/access.py).
    "cases:referral-list": GET(none, signed_in(200)),
    "cases:referral-new": GET(none, signed_in(200, auditor=403, staff=403, **no_role(403))),
    "cases:referral-score": POST(none, signed_in(200, auditor=403, staff=403, **no_role(403))),
    "cases:referral-detail": [
        GET(pk("r1"), SEE_R1 | {"coord_a": TRIAGE}, "accepted"),
        GET(pk("r2"), scoped(referrer=200, coord_a=TRIAGE, auditor=200), "pending"),
        GET(pk("r3"), SEE_R3 | {"coord_a": TRIAGE}, "another case"),
    ],
    # --- triage --------------------------------------------------------------------------
    # The queue is the coordinators' work list: auditors read each referral, not the queue.
    "cases:triage-queue": GET(none, signed_in(403, coord_a=200, coord_b=200)),
    "cases:triage-detail": [
        GET(pk("r2"), scoped(referrer=REFERRAL_PAGE, coord_a=200, auditor=200), "pending"),
        GET(pk("r1"), SEE_R1 | {"referrer": REFERRAL_PAGE}, "accepted"),
    ],
    # Already accepted (R1): the coordinator is told so on the triage page.
    "cases:triage-confirm-new": [
        POST(pk("r2"), PENDING | {"coord_a": TRIAGE}, "pending"),
        POST(pk("r1"), ACCEPTED | {"coord_a": TRIAGE}, "accepted"),
    ],
    # Not a possible duplicate: the coordinator is told so on the triage page.
    "cases:triage-link-child": [
        POST(link("r2", "child"), PENDING | {"coord_a": TRIAGE}, "pending"),
        POST(link("r1", "child2"), ACCEPTED | {"coord_a": TRIAGE}, "accepted"),
    ],
    # Assessing a referral's risk at triage: a form (GET); once triaged, back to its page.
    "cases:triage-assess": [
        GET(pk("r2"), PENDING, "pending"),
        GET(pk("r1"), ACCEPTED | {"coord_a": TRIAGE}, "accepted"),
    ],
    # No link to undo (or already in a case): the coordinator is told so on the triage page.
    "cases:triage-undo-link": [
        POST(pk("r2"), PENDING | {"coord_a": TRIAGE}, "pending"),
        POST(pk("r1"), ACCEPTED | {"coord_a": TRIAGE}, "accepted"),
    ],
    "cases:triage-accept": [
        POST(pk("r2"), PENDING, "pending"),
        POST(pk("r1"), ACCEPTED, "accepted"),
    ],
    "cases:triage-decide": [
        POST(pk("r2"), PENDING, "pending"),
        POST(pk("r1"), ACCEPTED, "accepted"),
    ],
    # --- cases ---------------------------------------------------------------------------
    # The case list is the panel's: the workers open their cases from My work and links.
    "cases:case-list": GET(
        none, signed_in(200, referrer=403, staff=403, **workers(403), **no_role(403))
    ),
    "cases:case-detail": [
        GET(pk("case"), SEE_CASE, "theirs"),
        GET(pk("case2"), SEE_OTHER_CASE, "not theirs"),
    ],
    # "Show earlier entries" of the chronology is reading the case: the same cells.
    "cases:case-chronology": [
        GET(pk("case"), SEE_CASE, "theirs"),
        GET(pk("case2"), SEE_OTHER_CASE, "not theirs"),
    ],
    # The lifecycle and team pages are forms for a write: GET them (the permission is
    # checked before the method is looked at).
    "cases:case-open": GET(pk("case"), COORDINATOR_ONLY),
    "cases:case-close": GET(pk("case"), COORDINATOR_ONLY),
    "cases:case-reopen": GET(pk("case"), COORDINATOR_ONLY),
    "cases:case-team": GET(pk("case"), COORDINATOR_ONLY),
    # Notes and assessments are the panel's (coordinators, involved leads): the workers
    # read them and may not add them.
    "cases:case-assess": GET(pk("case"), SEE_CASE | {"auditor": 403, **workers(403)}),
    "cases:case-note": POST(pk("case"), SEE_CASE | {"auditor": 403, **workers(403)}),
    "cases:child-detail": [
        GET(pk("child"), SEE_R1, "theirs"),
        GET(pk("child2_case"), SEE_R3, "not theirs"),
    ],
    # Filling in a child's details (gender, ethnic group): the coordinators of the child's
    # area; everyone else who sees the child is refused (403), the rest 404.
    "cases:child-details": [
        GET(pk("child"), CHANGE_R1_CHILD, "theirs"),
        GET(pk("child2_case"), CHANGE_R3_CHILD, "not theirs"),
    ],
    # --- actions and reviews -------------------------------------------------------------
    # Coordinators agree, cancel and re-assign actions; the owning agency's leads progress
    # them; the involved lead and the auditor read them.
    "cases:action-add": GET(pk("case"), COORDINATOR_ONLY),
    "cases:action-detail": [
        GET(pk("action"), SEE_CASE, "theirs"),
        GET(pk("action2"), SEE_OTHER_CASE, "not theirs"),
    ],
    "cases:action-update": [
        POST(pk("action"), PROGRESS, "theirs"),
        POST(pk("action2"), PROGRESS_OTHER, "not theirs"),
    ],
    "cases:action-cancel": POST(pk("action"), COORDINATOR_ONLY),
    "cases:action-reassign": GET(pk("action"), COORDINATOR_ONLY),
    "cases:review-hold": GET(pk("review"), COORDINATOR_ONLY),
    # Work lists: My work is for those who have work (coordinators, agency leads, a lead
    # professional, an action's owner; an auditor changes nothing, so has none); Reviews
    # due is the coordinators' like triage.
    "cases:my-work": GET(
        none,
        signed_in(403, lead_in=200, lead_out=200, coord_a=200, coord_b=200, **workers(200)),
    ),
    "cases:reviews-due": GET(none, signed_in(403, coord_a=200, coord_b=200)),
    # --- notifications -------------------------------------------------------------------
    "notifications:list": GET(none, signed_in(200)),
    "notifications:open": POST(
        pk("notification"), scoped(coord_a=to("cases:case-detail", the_case))
    ),
    "notifications:read-all": POST(none, signed_in(to("notifications:list"))),
    # --- the audit trail (auditors only) ---------------------------------------------------
    # --- panel meetings: attendance (issue 10) -------------------------------------------
    # An empty attendance form changes nothing: saved (no rows), back to the page.
    "meetings:attendance": [
        GET(at_meeting, SEE_AT_MEETING),
        POST(at_meeting, RUN_AT_MEETING | {"coord_a": to("meetings:attendance")}),
    ],
    "meetings:attendance-guest-add": POST(at_meeting, RUN_AT_MEETING | {"coord_a": 400}),
    "meetings:attendance-guest-remove": POST(
        meeting_guest, RUN_AT_MEETING | {"coord_a": to("meetings:attendance")}
    ),
    "meetings:attendance-confidentiality": POST(at_meeting, RUN_AT_MEETING | {"coord_a": 400}),
    # The member's representative declares for their own seat (400: the empty form).
    "meetings:declarations": [
        GET(at_meeting, SEE_AT_MEETING),
        POST(at_meeting, scoped(lead_in=400, coord_a=400, auditor=403)),
    ],
    "audit:search": GET(none, signed_in(403, auditor=200)),
    # Aggregates over areas, no child named: refused by role (403), never 404.
    "reports:partnership": GET(none, signed_in(403, coord_a=200, coord_b=200, auditor=200)),
    "audit:export": GET(none, signed_in(403, auditor=200)),
    # Audit pages are role-gated as a whole: 403 for every non-auditor before any lookup,
    # the same for an id that does not exist, so nothing leaks.
    "audit:case-history": GET(pk("case"), signed_in(403, auditor=200)),
    "audit:child-viewers": GET(pk("child"), signed_in(403, auditor=200)),
    # --- panel meetings: scheduling and membership ----------------------------------------
    # The list is scoped, not role-gated: each user gets the meetings they may see.
    "meetings:meeting-list": GET(none, signed_in(200)),
    "meetings:meeting-detail": GET(pk("meeting"), SEE_MEETING),
    "meetings:meeting-ics": GET(pk("meeting"), SEE_MEETING),
    "meetings:meeting-reschedule": GET(pk("meeting"), RUN_MEETING),
    "meetings:meeting-cancel": GET(pk("meeting"), RUN_MEETING),
    "meetings:meeting-members": GET(pk("meeting"), RUN_MEETING),
    # P's attendance is recorded: the coordinator is told it stays (back to the members).
    "meetings:meeting-member-remove": POST(
        meeting_member, RUN_MEETING | {"coord_a": to("meetings:meeting-members")}
    ),
    "meetings:meeting-schedule": GET(pk("area_a"), AREA_COORDINATOR),
    "meetings:standing-members": GET(pk("area_a"), AREA_COORDINATOR),
    "meetings:standing-member-remove": POST(
        standing_member, AREA_COORDINATOR | {"coord_a": to("meetings:standing-members")}
    ),
    # --- panel meetings: the research list ------------------------------------------------
    # Open (published, not yet N days past, minutes not approved): the live representative,
    # the area's coordinator and the auditor; nobody else, not even the lead of the member
    # agency (not its named representative) or rep_left (left the agency named for).
    # Before publication, N days after, and once the minutes are approved: nobody (404).
    # It never opens the case: rep is 404 on cases:case-detail and v1:case-detail above.
    "meetings:my-research": GET(none, signed_in(200)),
    "meetings:research-list": [
        GET(meeting_of("open"), RESEARCH_READ, "open"),
        GET(meeting_of("unpublished"), scoped(), "before publication"),
        GET(meeting_of("past"), scoped(), "N days after"),
        GET(meeting_of("approved"), scoped(), "minutes approved"),
    ],
    # Recording a return: the representative (an empty body is the form again); those who
    # read the list and may not record for an agency 403.
    "meetings:research-return": [
        GET(entry_of("open"), RESEARCH_WRITE, "open"),
        POST(entry_of("open"), RESEARCH_WRITE, "open, send"),
        GET(entry_of("unpublished"), scoped(), "before publication"),
        GET(entry_of("past"), scoped(), "N days after"),
        POST(entry_of("approved"), scoped(), "minutes approved"),
    ],
    # --- API: reference data -------------------------------------------------------------
    "v1:api-root": GET(none, signed_in(200)),
    "v1:me": GET(none, signed_in(200)),
    "v1:area-list": GET(none, signed_in(200)),
    "v1:area-detail": GET(pk("area_a"), signed_in(200)),
    "v1:risk-tool-list": GET(none, signed_in(200)),
    "v1:risk-tool-detail": GET(pk("tool"), signed_in(200)),
    # A calculator that saves nothing: an empty body is invalid for anyone signed in.
    "v1:risk-tool-score": POST(pk("tool"), signed_in(400)),
    # The OpenAPI schema and its docs: signed-in users; anonymous 401 like the rest of the
    # API (token authentication comes first, so it is never 403).
    "schema": GET(none, signed_in(200)),
    "api-docs": GET(none, signed_in(200)),
    # --- API: case data ------------------------------------------------------------------
    # Collections are scoped, not role-gated: each user gets what they may see (an empty
    # page for staff), so they say nothing about what else exists.
    "v1:child-list": GET(none, signed_in(200)),
    "v1:child-detail": [
        GET(pk("child"), SEE_R1, "theirs"),
        GET(pk("child2_case"), SEE_R3, "not theirs"),
    ],
    # The coordinator's empty body is 400 (every detail and the version are needed).
    "v1:child-details": [
        POST(pk("child"), CHANGE_R1_CHILD | {"coord_a": 400}, "theirs"),
        POST(pk("child2_case"), CHANGE_R3_CHILD | {"coord_a": 400}, "not theirs"),
    ],
    "v1:referral-list": [
        GET(none, signed_in(200), "list"),
        # Referring: referrers, coordinators and agency leads (400 for the empty body).
        POST(none, signed_in(400, auditor=403, staff=403, **no_role(403)), "create"),
    ],
    "v1:referral-detail": [
        GET(pk("r1"), SEE_R1, "accepted"),
        GET(pk("r2"), scoped(referrer=200, coord_a=200, auditor=200), "pending"),
        GET(pk("r3"), SEE_R3, "another case"),
    ],
    "v1:referral-accept": [
        POST(pk("r2"), PENDING | {"coord_a": 400}, "pending"),
        POST(pk("r1"), ACCEPTED | {"coord_a": 400}, "accepted"),
    ],
    "v1:referral-decide": [
        POST(pk("r2"), PENDING | {"coord_a": 400}, "pending"),
        POST(pk("r1"), ACCEPTED | {"coord_a": 400}, "accepted"),
    ],
    "v1:referral-link-child": [
        POST(pk("r2"), PENDING | {"coord_a": 400}, "pending"),
        POST(pk("r1"), ACCEPTED | {"coord_a": 400}, "accepted"),
    ],
    # Nothing to undo (no link was made): a conflict for the coordinator of the area.
    "v1:referral-undo-link": [
        POST(pk("r2"), PENDING | {"coord_a": 409}, "pending"),
        POST(pk("r1"), ACCEPTED | {"coord_a": 409}, "accepted"),
    ],
    # No body to validate: the coordinator's check is recorded (200), or refused because the
    # referral is already triaged (409).
    "v1:referral-confirm-new-child": [
        POST(pk("r2"), PENDING, "pending"),
        POST(pk("r1"), ACCEPTED | {"coord_a": 409}, "accepted"),
    ],
    # A triage tool: coordinators of the area only (the web triage page shows possible
    # duplicates to them alone too), so auditors and referrers get 403.
    "v1:referral-possible-duplicates": [
        GET(pk("r2"), PENDING, "pending"),
        GET(pk("r1"), ACCEPTED, "accepted"),
    ],
    "v1:case-list": GET(none, signed_in(200)),
    "v1:case-detail": [
        GET(pk("case"), SEE_CASE, "theirs"),
        GET(pk("case2"), SEE_OTHER_CASE, "not theirs"),
    ],
    "v1:case-team": POST(pk("case"), COORDINATOR_ONLY | {"coord_a": 400}),
    "v1:case-transition": POST(pk("case"), COORDINATOR_ONLY | {"coord_a": 400}),
    "v1:assessment-list": [GET(none, signed_in(200), "list"), POST(none, CONTRIBUTE, "create")],
    # Recorded on the case, not the referral's own assessment: nothing for the referrer.
    "v1:assessment-detail": GET(pk("assessment"), SEE_CASE),
    "v1:note-list": [GET(none, signed_in(200), "list"), POST(none, CONTRIBUTE, "create")],
    # Adding an action with no case named: coordinators get 400, everyone else 403 (leads
    # progress actions, they never add them).
    "v1:action-list": [
        GET(none, signed_in(200), "list"),
        POST(none, signed_in(403, coord_a=400, coord_b=400), "create"),
    ],
    "v1:action-detail": [
        GET(pk("action"), SEE_CASE, "theirs"),
        GET(pk("action2"), SEE_OTHER_CASE, "not theirs"),
    ],
    "v1:action-update": [
        POST(
            pk("action"),
            PROGRESS | {"lead_in": 400, "action_owner": 400, "coord_a": 400},
            "theirs",
        ),
        POST(pk("action2"), PROGRESS_OTHER | {"lead_in": 400, "coord_a": 400}, "not theirs"),
    ],
    "v1:action-reassign": POST(pk("action"), COORDINATOR_ONLY | {"coord_a": 400}),
    "v1:review-list": GET(none, signed_in(200)),
    "v1:review-detail": GET(pk("review"), SEE_CASE),
    "v1:review-hold": POST(pk("review"), COORDINATOR_ONLY | {"coord_a": 400}),
    # --- API: panel meetings -------------------------------------------------------------
    "v1:meeting-list": GET(none, signed_in(200)),
    "v1:meeting-detail": GET(pk("meeting"), SEE_MEETING),
    # --- API: panel meetings, attendance (issue 10) ---------------------------------------
    "v1:meeting-attendance-list": GET(api_meeting, SEE_AT_MEETING),
    "v1:meeting-attendance-detail": GET(api_member, SEE_AT_MEETING),
    "v1:meeting-quorum-list": GET(api_meeting, SEE_AT_MEETING),
    # --- panel meetings: the agenda --------------------------------------------------------
    "meetings:agenda": GET(agenda_meeting, SEE_AGENDA_MEETING),
    "meetings:agenda-build": GET(agenda_meeting, RUN_AGENDA),
    "meetings:agenda-add-case": GET(agenda_meeting, RUN_AGENDA),
    "meetings:agenda-add-general": GET(agenda_meeting, RUN_AGENDA),
    "meetings:agenda-publish": GET(agenda_meeting, RUN_AGENDA),
    # Asking for a case: a member agency's lead (or named representative), not others.
    "meetings:agenda-request": GET(agenda_meeting, scoped(lead_in=200, coord_a=403, auditor=403)),
    "meetings:agenda-item-withdraw": [
        GET(agenda_item("item"), CHANGE_ITEM, "on the agenda"),
        GET(agenda_item("listed"), scoped(coord_a=200, auditor=403), "to be scheduled"),
    ],
    "meetings:agenda-item-move": GET(agenda_item("item"), CHANGE_ITEM),
    "meetings:agenda-item-shift": POST(
        agenda_item("item"), CHANGE_ITEM | {"coord_a": to("meetings:agenda", the_agenda)}
    ),
    # Areas are reference data (v1:area-detail): the list is role-gated, not scoped.
    "meetings:to-be-scheduled": GET(
        lambda w: {"area_pk": w.area_a.pk}, signed_in(403, coord_a=200)
    ),
    "v1:meeting-agenda-item-list": [
        GET(agenda_api, SEE_AGENDA_MEETING, "list"),
        # An empty body names no case: 400 for those who may add (the coordinator, a member
        # agency's lead); auditors never write (403 before the meeting is looked up).
        POST(agenda_api, scoped(lead_in=400, coord_a=400, auditor=403), "create"),
    ],
    # --- API: the research list ------------------------------------------------------------
    "v1:meeting-research-entry-list": [
        GET(research_api_meeting("open"), RESEARCH_READ, "open"),
        GET(research_api_meeting("unpublished"), scoped(), "before publication"),
        GET(research_api_meeting("past"), scoped(), "N days after"),
        GET(research_api_meeting("approved"), scoped(), "minutes approved"),
    ],
    "v1:meeting-research-return-list": [
        GET(research_api_meeting("open"), RESEARCH_READ, "open"),
        POST(research_api_meeting("open"), RESEARCH_WRITE | {"rep": 400}, "open, create"),
        GET(research_api_meeting("past"), scoped(), "N days after"),
        POST(research_api_meeting("approved"), scoped(auditor=403), "minutes approved, create"),
    ],
    "v1:meeting-research-return-detail": GET(the_return, RESEARCH_READ),
    # --- Panel meetings: the pack and the approved minutes as PDF ---------------------------
    # The meeting's readers (meetings/access.py): its member agency's lead, the area's
    # coordinator, auditors; anyone else 404. Nothing is ready: downloads go back to the
    # page; the minutes are not approved (making their PDF is refused: 409 in the API).
    "meetings:pack": [
        GET(meeting_pk, MEETING_READERS),
        POST(meeting_pk, scoped(**dict.fromkeys(MEETING_READER_ROLES, PACK_PAGE)), "make"),
    ],
    "meetings:pack-status": GET(meeting_pk, MEETING_READERS),
    "meetings:pack-download": GET(
        meeting_pk, scoped(**dict.fromkeys(MEETING_READER_ROLES, PACK_PAGE))
    ),
    "meetings:minutes-pdf": POST(
        meeting_pk, scoped(**dict.fromkeys(MEETING_READER_ROLES, PACK_PAGE))
    ),
    "meetings:minutes-pdf-status": GET(meeting_pk, MEETING_READERS),
    "meetings:minutes-pdf-download": GET(
        meeting_pk, scoped(**dict.fromkeys(MEETING_READER_ROLES, PACK_PAGE))
    ),
    "v1:meeting-pack-list": GET(
        pack_meeting_api, scoped(**dict.fromkeys(MEETING_READER_ROLES, 202))
    ),
    "v1:meeting-minutes-pdf-list": GET(
        pack_meeting_api, scoped(**dict.fromkeys(MEETING_READER_ROLES, 409))
    ),
    # --- API: the audit trail ------------------------------------------------------------
    "v1:audit-event-list": GET(none, signed_in(403, auditor=200)),
    "v1:audit-event-detail": GET(pk("event"), signed_in(403, auditor=200)),
    # --- meetings: minutes ---------------------------------------------------------------
    "meetings:minutes": GET(minutes_meeting, SEE_MINUTES),
    # Circulated already: the coordinator is told so (or, with no version, of a conflict).
    "meetings:minutes-draft": POST(minutes_meeting, MEETING_COORDINATOR | {"coord_a": MINUTES}),
    "meetings:minutes-section-edit": GET(minutes_section, MEETING_COORDINATOR),
    "meetings:minutes-circulate": POST(minutes_meeting, MEETING_COORDINATOR | {"coord_a": MINUTES}),
    # Approval is a co-chair's; a coordinator records it only naming a later meeting.
    "meetings:minutes-approve": POST(minutes_meeting, MEETING_COORDINATOR | {"coord_a": 403}),
    # Not approved yet: the coordinator is sent back to the minutes.
    "meetings:minutes-addendum": GET(minutes_meeting, MEETING_COORDINATOR | {"coord_a": MINUTES}),
    # --- partnership report exports (issue 12) -------------------------------------------
    # Coordinators (their areas) and auditors (every area); anyone else is refused by role
    # (a report names no child). An export is its requester's alone: coord_a's is 404 for
    # the other readers, exactly like an id nobody has. The empty POST names no format: 400.
    "reports:export-list": GET(none, REPORT_READERS),
    "reports:export-new": [
        GET(none, REPORT_READERS, "form"),
        POST(none, signed_in(403, coord_a=400, coord_b=400, auditor=400), "make"),
    ],
    "reports:export-csv": GET(report_table, REPORT_READERS),
    "reports:export-detail": GET(report_export, OWN_EXPORT),
    "reports:export-status": GET(report_export, OWN_EXPORT),
    # Not made yet: its requester goes back to its page.
    "reports:export-download": GET(
        report_export, OWN_EXPORT | {"coord_a": to("reports:export-detail")}
    ),
}


# --- panel meetings: at the meeting (hearing) ----------------------------------------------
# A meeting of area A being held today, agency P its one member (present): coord_a runs it;
# lead_in (lead of a member agency) and the auditor see the meeting and may not run it; the
# case's item is seen by whoever sees the case. A decision on case2 waits for ratification.
# Made only for these rows, so the rest of the world is as before.


def _held_meeting(w: World) -> World:
    if not hasattr(w, "hearing_meeting"):
        from django.utils import timezone

        from meetings.models import AgendaItem, CaseDecision, Meeting, MeetingMember
        from panel.dates import london_today

        boss = w.users["coord_a"]
        w.hearing_meeting = Meeting.objects.create(
            area=w.area_a,
            date=london_today(),
            start_time=dt.time(10, 0),
            venue="Test Venue (fictional)",
            status="published",
            published_at=timezone.now(),
            created_by=boss,
        )
        MeetingMember.objects.create(
            meeting=w.hearing_meeting, agency=w.agency_in, attendance="present"
        )
        w.item = AgendaItem.objects.create(
            area=w.area_a, meeting=w.hearing_meeting, case=w.case, order=1, added_by=boss
        )
        heard = AgendaItem.objects.create(
            area=w.area_a,
            meeting=w.hearing_meeting,
            case=w.case2,
            order=2,
            status="heard",
            added_by=boss,
        )
        w.decision = CaseDecision.objects.create(
            item=heard,
            meeting=w.hearing_meeting,
            case=w.case2,
            kind="continue",
            reason="Fictional decision.",
            risk_decision="confirmed",
            risk_level=w.case2.risk_level,
            quorate=False,
            state="to_ratify",
            recorded_by=boss,
            recorded_at=timezone.now(),
        )
    return w


def hearing_meeting(w: World) -> dict:
    return {"pk": _held_meeting(w).hearing_meeting.pk}


def hearing_item(w: World) -> dict:
    return {"pk": _held_meeting(w).hearing_meeting.pk, "item_pk": w.item.pk}


def hearing_general(w: World) -> dict:
    """General business on the meeting being held (minuted as discussed)."""
    from meetings.models import AgendaItem

    meeting = _held_meeting(w).hearing_meeting
    if not hasattr(w, "general_item"):
        w.general_item = AgendaItem.objects.create(
            area=w.area_a,
            meeting=meeting,
            kind="general",
            title="Fictional general business",
            order=3,
            added_by=w.users["coord_a"],
        )
    return {"pk": meeting.pk, "item_pk": w.general_item.pk}


def hearing_action(w: World) -> dict:
    return hearing_item(w) | {"action_pk": w.action.pk}


def ratify_decision(w: World) -> dict:
    return hearing_meeting(w) | {"decision_pk": w.decision.pk}


def meeting_api(w: World) -> dict:
    return {"meeting_pk": _held_meeting(w).hearing_meeting.pk}


def decision_api(w: World) -> dict:
    return meeting_api(w) | {"pk": w.decision.pk}


# The meeting's pages: coord_a runs them; lead_in and the auditor see the meeting (403).
RUNS_MEETING = scoped(lead_in=403, coord_a=200, auditor=403)
SEES_MEETING = scoped(lead_in=200, coord_a=200, auditor=200)

TABLE |= {
    "meetings:hearing": GET(hearing_meeting, RUNS_MEETING),
    "meetings:hearing-close": GET(hearing_meeting, RUNS_MEETING),
    "meetings:hearing-general": POST(
        hearing_general, RUNS_MEETING | {"coord_a": to("meetings:hearing")}
    ),
    # One case heard: whoever sees the case sees it exists (403), coord_a hears it; an empty
    # form comes back with its errors (400).
    "meetings:hearing-item": GET(hearing_item, COORDINATOR_ONLY),
    "meetings:hearing-decision": POST(hearing_item, COORDINATOR_ONLY | {"coord_a": 400}),
    "meetings:hearing-action-add": POST(hearing_item, COORDINATOR_ONLY | {"coord_a": 400}),
    "meetings:hearing-action-review": POST(hearing_action, COORDINATOR_ONLY | {"coord_a": 400}),
    # Ratification: the meeting's co-chairs (none here) and coordinators; a coordinator
    # ratifies only at a later quorate meeting, so not this meeting's own decision (403).
    "meetings:ratify": GET(hearing_meeting, RUNS_MEETING),
    "meetings:ratify-decision": POST(
        ratify_decision, scoped(lead_in=403, coord_a=403, auditor=403)
    ),
    "v1:meeting-decision-list": [
        GET(meeting_api, SEES_MEETING, "list"),
        POST(meeting_api, scoped(lead_in=403, coord_a=400, auditor=403), "create"),
    ],
    # The decision on case2: the workers are not on it (and do not see the meeting).
    "v1:meeting-decision-detail": GET(decision_api, SEES_MEETING),
}

# --- intelligence (issue 13): each part's rows in its own block -------------------------

# Records: persons of concern, locations, vehicles, identifiers, merges.
TABLE |= {
    # part: records
    # Lists: who sees some intelligence (granted lead_out, coordinators of any area, the
    # auditor); everyone else is refused by role.
    **{
        f"intelligence:{kind}-list": GET(
            none, signed_in(403, lead_out=200, coord_a=200, coord_b=200, auditor=200)
        )
        for kind in ("person", "location", "vehicle")
    },
    # Recording: coordinators (of any area) and granted leads; an empty form is 400.
    **{
        f"intelligence:{kind}-new": [
            GET(none, signed_in(403, lead_out=200, coord_a=200, coord_b=200)),
            POST(none, signed_in(403, lead_out=400, coord_a=400, coord_b=400), "empty"),
        ]
        for kind in ("person", "location", "vehicle")
    },
    "intelligence:person-detail": [
        GET(intel("person"), scoped(lead_out=200, coord_a=200, auditor=200)),
        # Graded C from P (not granted): only the area's coordinators and the auditor.
        GET(intel("person_c"), scoped(coord_a=200, auditor=200), "code C"),
    ],
    # A private house: only who sees the area's intelligence sees it at all.
    "intelligence:location-detail": GET(
        intel("location"), scoped(lead_out=200, coord_a=200, auditor=200)
    ),
    "intelligence:vehicle-detail": GET(
        intel("vehicle"), scoped(lead_out=200, coord_a=200, auditor=200)
    ),
    **{
        f"intelligence:{route}": [
            GET(intel(record), scoped(lead_out=200, coord_a=200, auditor=403)),
            POST(intel(record), scoped(lead_out=400, coord_a=400, auditor=403), "empty"),
        ]
        for route, record in (
            ("person-edit", "person"),
            ("location-edit", "location"),
            ("vehicle-edit", "vehicle"),
            ("person-status", "person"),
            ("person-identifier-add", "person"),
        )
    },
    "intelligence:person-identifier-remove": GET(
        lambda w: {"pk": w.intel.person.pk, "identifier_pk": w.intel.identifier.pk},
        scoped(lead_out=200, coord_a=200, auditor=403),
    ),
    # Merging: the area's coordinators only (a granted lead and the auditor see the record).
    **{
        f"intelligence:{kind}-merge-new": [
            GET(intel(kind), scoped(lead_out=403, coord_a=200, auditor=403)),
            POST(intel(kind), scoped(lead_out=403, coord_a=400, auditor=403), "empty"),
        ]
        for kind in ("person", "location", "vehicle")
    },
    "intelligence:merge-detail": GET(intel("merge"), scoped(coord_a=200, auditor=200)),
    "intelligence:merge-undo": [
        GET(intel("merge"), scoped(coord_a=200, auditor=403)),
        POST(intel("merge"), scoped(coord_a=400, auditor=403), "empty"),
    ],
    # API: lists for who sees some intelligence (403 by role for the rest), details scoped;
    # writes refused by role before the body is read (403), an empty body 400.
    **{
        f"v1:intel-{kind}-list": [
            GET(none, signed_in(403, lead_out=200, coord_a=200, coord_b=200, auditor=200)),
            POST(none, signed_in(403, lead_out=400, coord_a=400, coord_b=400), "create"),
        ]
        for kind in ("person", "location", "vehicle")
    },
    **{
        f"v1:intel-{kind}-detail": GET(intel(kind), scoped(lead_out=200, coord_a=200, auditor=200))
        for kind in ("person", "location", "vehicle")
    },
    "v1:intel-person-status": POST(intel("person"), scoped(lead_out=400, coord_a=400, auditor=403)),
    "v1:intel-person-identifiers": POST(
        intel("person"), scoped(lead_out=400, coord_a=400, auditor=403)
    ),
    "v1:intel-merge-list": [
        GET(none, signed_in(200)),
        POST(none, signed_in(403, coord_a=400, coord_b=400), "merge"),
    ],
    "v1:intel-merge-detail": GET(intel("merge"), scoped(coord_a=200, auditor=200)),
    "v1:intel-merge-undo": POST(intel("merge"), scoped(coord_a=400, auditor=403)),
}


# Links, sightings, links at triage and on the case page.
def case_of(w: World) -> dict:
    return {"case_pk": w.case.pk}


def r2_referral(w: World) -> dict:
    return {"referral_pk": w.r2.pk}


def r1_referral(w: World) -> dict:
    return {"referral_pk": w.r1.pk}


# A link seen in full (graded P, from Q): area A's coordinator, Q's lead (granted) and the
# auditor; changing it: the coordinator and Q's lead (the auditor 403, by role).
SEE_LINK = scoped(coord_a=200, lead_out=200, auditor=200)
CHANGE_LINK = scoped(coord_a=200, lead_out=200, auditor=403)
CHANGE_LINK_EMPTY = scoped(coord_a=400, lead_out=400, auditor=403)
# Recording links over the API: whoever may record in some area (coordinators, granted
# leads) gets the field errors; everyone else 403 before the body is read.
RECORD_SOMEWHERE = signed_in(403, coord_a=400, coord_b=400, lead_out=400)
# Adding a link to the case: who sees the case is refused by role, except its coordinator.
ADD_TO_CASE = scoped(lead_in=403, coord_a=200, auditor=403, **workers(403))

TABLE |= {
    # part: links
    # The case's links: whoever sees the case (each told only what they may know).
    "intelligence:case-links": GET(case_of, SEE_CASE),
    "intelligence:case-link-new": [
        GET(case_of, ADD_TO_CASE, "form"),
        POST(case_of, ADD_TO_CASE | {"coord_a": 400}, "empty"),
    ],
    # At triage: the coordinator triaging the pending referral; an accepted one is 403.
    "intelligence:referral-link-new": [
        GET(r2_referral, PENDING, "pending"),
        POST(r2_referral, PENDING | {"coord_a": 400}, "pending, empty"),
        GET(r1_referral, ACCEPTED | {"coord_a": 403}, "accepted"),
    ],
    # Without ?person=, ?location= or ?vehicle= there is nothing to link from.
    "intelligence:link-new": GET(none, signed_in(404)),
    "intelligence:link-detail": [
        GET(intel("link"), SEE_LINK, "P"),
        GET(intel("link_c"), scoped(coord_a=200, auditor=200), "C from P"),
        GET(intel("link_vehicle"), SEE_LINK, "between records"),
    ],
    "intelligence:link-edit": [
        GET(intel("link"), CHANGE_LINK, "form"),
        POST(intel("link"), CHANGE_LINK_EMPTY, "empty"),
    ],
    "intelligence:link-end": [
        GET(intel("link"), CHANGE_LINK, "form"),
        POST(intel("link"), CHANGE_LINK_EMPTY, "empty"),
    ],
    "intelligence:sighting-new": [
        GET(intel("link"), CHANGE_LINK, "form"),
        POST(intel("link"), CHANGE_LINK_EMPTY, "empty"),
    ],
    "v1:intel-link-list": [
        GET(none, signed_in(200), "list"),
        POST(none, RECORD_SOMEWHERE, "create"),
    ],
    "v1:intel-link-detail": [
        GET(intel("link"), SEE_LINK, "P"),
        GET(intel("link_c"), scoped(coord_a=200, auditor=200), "C from P"),
    ],
    "v1:intel-link-end": POST(intel("link"), CHANGE_LINK_EMPTY),
    "v1:intel-sighting-list": [
        GET(none, signed_in(200), "list"),
        POST(none, RECORD_SOMEWHERE, "create"),
    ],
}

# The link chart and emerging patterns.
# A case's chart: who sees the case AND sees intelligence in its area (coord_a, the
# auditor); who sees the case but no intelligence there (lead_in, P not granted; the
# workers) 403, the case exists to them; everyone else 404. A record's chart: who the record
# is visible_to (coord_a, lead_out of the granted Q, the auditor), else 404.
CHART_CASE = scoped(lead_in=403, coord_a=200, auditor=200, **workers(403))
SEE_INTEL_P = scoped(lead_out=200, coord_a=200, auditor=200)
TABLE |= {
    # part: chart
    "intelligence:case-chart": GET(lambda w: {"case_pk": w.case.pk}, CHART_CASE),
    "intelligence:person-chart": GET(intel("person"), SEE_INTEL_P),
    "intelligence:location-chart": GET(intel("location"), SEE_INTEL_P),
    "intelligence:vehicle-chart": GET(intel("vehicle"), SEE_INTEL_P),
    # Emerging patterns (the world's person is linked to the case's and case2's children):
    # coordinators and auditors read; offering is coord_a's (an empty body: 400).
    "intelligence:patterns": GET(none, signed_in(403, coord_a=200, coord_b=200, auditor=200)),
    "intelligence:pattern-offer": POST(none, signed_in(403, coord_a=400, coord_b=400)),
}

# Disruption.
# The list: whoever sees some intelligence (coord_a, coord_b of area B, lead_out granted A,
# the auditor); everyone else is refused by role. Recording needs a person or location
# (?person= / ?location=, which the matrix cannot send): without one, who may record
# somewhere gets 400 and the others 403. intel.disruption is against intel.person (P, A).
SEES_INTEL = signed_in(403, lead_out=200, coord_a=200, coord_b=200, auditor=200)
RECORDS_INTEL = signed_in(403, lead_out=400, coord_a=400, coord_b=400)
CHANGES_DISRUPTION = scoped(lead_out=400, coord_a=400, auditor=403)
TABLE |= {
    # part: disruption
    "intelligence:disruption-list": GET(none, SEES_INTEL),
    "intelligence:disruption-new": [
        GET(none, RECORDS_INTEL, "get"),
        POST(none, RECORDS_INTEL, "post"),
    ],
    "intelligence:disruption-detail": GET(
        intel("disruption"), scoped(lead_out=200, coord_a=200, auditor=200)
    ),
    "intelligence:disruption-edit": [
        GET(intel("disruption"), scoped(lead_out=200, coord_a=200, auditor=403), "get"),
        POST(intel("disruption"), CHANGES_DISRUPTION, "post"),
    ],
    # The API: a list is everyone's own scope (empty for most); creating needs an empty
    # body's 400 from who may record somewhere. PUT is in tests/intelligence/.
    "v1:intel-disruption-list": [
        GET(none, signed_in(200), "list"),
        POST(none, RECORDS_INTEL, "create"),
    ],
    "v1:intel-disruption-detail": GET(
        intel("disruption"), scoped(lead_out=200, coord_a=200, auditor=200)
    ),
}


# Missing episodes.
def episode_of_case(w: World) -> dict:
    return {"case_pk": w.case.pk, "pk": w.intel.episode.pk}


def case_of_episodes(w: World) -> dict:
    return {"case_pk": w.case.pk}


# Case data: whoever sees the case reads them; whoever adds to it (coord_a, the involved
# lead, the lead professional) records them (an empty POST is 400); the action owner and
# the auditor see the case and may not (403); everyone else 404.
RECORD_MISSING = scoped(lead_in=200, coord_a=200, lead_prof=200, action_owner=403, auditor=403)
RECORD_MISSING_POST = scoped(lead_in=400, coord_a=400, lead_prof=400, action_owner=403, auditor=403)

TABLE |= {
    # part: missing
    "intelligence:missing-list": GET(case_of_episodes, SEE_CASE),
    "intelligence:missing-detail": GET(episode_of_case, SEE_CASE),
    "intelligence:missing-new": [
        GET(case_of_episodes, RECORD_MISSING),
        POST(case_of_episodes, RECORD_MISSING_POST),
    ],
    "intelligence:missing-edit": [
        GET(episode_of_case, RECORD_MISSING),
        POST(episode_of_case, RECORD_MISSING_POST),
    ],
    # The API: any signed-in user lists (their cases' episodes only). Recording is asked
    # of the role first (coordinators, agency leads, live lead professionals; 403 for the
    # rest), then the empty body is 400. Updating: as the page.
    "v1:intel-missing-episode-list": [
        GET(none, signed_in(200), "list"),
        POST(
            none,
            signed_in(403, lead_in=400, lead_out=400, lead_prof=400, coord_a=400, coord_b=400),
            "create",
        ),
    ],
    "v1:intel-missing-episode-detail": GET(intel("episode"), SEE_CASE),
    "v1:intel-missing-episode-update": POST(intel("episode"), RECORD_MISSING_POST),
}

# Subject access export of a child's record: a data-protection task for the coordinators of
# the child's area and auditors; the others who see the child are refused (403), the rest
# 404. Read only (a page and a JSON download), each an ``exported`` event.
SUBJECT_ACCESS_R1 = scoped(referrer=403, lead_in=403, coord_a=200, auditor=200, **workers(403))
SUBJECT_ACCESS_R3 = scoped(referrer=403, lead_in=403, coord_a=200, auditor=200)
TABLE |= {
    # part: sar
    "cases:child-subject-access": [
        GET(pk("child"), SUBJECT_ACCESS_R1, "theirs"),
        GET(pk("child2_case"), SUBJECT_ACCESS_R3, "not theirs"),
    ],
    "cases:child-subject-access-download": [
        GET(pk("child"), SUBJECT_ACCESS_R1, "theirs"),
        GET(pk("child2_case"), SUBJECT_ACCESS_R3, "not theirs"),
    ],
}

# Cells where the code breaks the policy today: case id -> {role: status the code gives}.
# The table keeps the policy's value; each entry is a bug for the lead to fix. All of them
# are the API validating the body before asking whether the user may act at all (a valid
# body does get the service's 403), so someone with no right to act gets 400 and the
# field errors instead of 403.
KNOWN_BUGS: dict[str, dict[str, int]] = {}


class KnownBug(AssertionError):
    """Raised when the only cells that differ from the policy are those in KNOWN_BUGS."""


def _show(cell: Cell) -> str:
    return f"{cell.status} to {cell.route}" if isinstance(cell, Goes) else str(cell)


def _rows(rows: Row | list[Row]) -> list[Row]:
    return rows if isinstance(rows, list) else [rows]


def matrix_cases() -> list:
    params = []
    for route, rows in TABLE.items():
        for row in _rows(rows):
            case_id = f"{route}[{row.label}]" if row.label else route
            marks = []
            if case_id in KNOWN_BUGS:
                cells = "; ".join(
                    f"{role} policy {_show(row.expect[role])}, code {got}"
                    for role, got in KNOWN_BUGS[case_id].items()
                )
                marks = [pytest.mark.xfail(strict=True, raises=KnownBug, reason=cells)]
            params.append(pytest.param(route, row, id=case_id, marks=marks))
    return params


# --- walking the URLconf ---------------------------------------------------------------


def registered_routes(urlconf=None) -> dict[str, list[str]]:
    """Every registered URL pattern: namespaced name -> its routes. DRF's format-suffix
    variants share their route's name, so they are one entry. A pattern without a name is
    listed as ``<unnamed: route>`` so it cannot slip past the table."""
    found: dict[str, list[str]] = {}

    def walk(patterns, namespace: str, prefix: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = entry.namespace
                joined = f"{namespace}:{inner}" if namespace and inner else inner or namespace
                walk(entry.url_patterns, joined, route)
            else:
                name = entry.name or f"<unnamed: {route}>"
                found.setdefault(f"{namespace}:{name}" if namespace else name, []).append(route)

    walk(get_resolver(urlconf).url_patterns, "", "")
    return found


def not_in_table(found: dict[str, list[str]]) -> list[str]:
    """Routes the table does not cover: admin:* is covered by the one admin rule."""
    return sorted(n for n in found if n not in TABLE and not n.startswith(ADMIN))


# --- the tests -------------------------------------------------------------------------


def test_every_route_is_in_the_table():
    found = registered_routes()
    assert ADMIN + "index" in found
    missing = not_in_table(found)
    stale = sorted(set(TABLE) - set(found))
    assert missing == [], f"routes with no row in the access matrix: {missing}"
    assert stale == [], f"rows for routes that no longer exist: {stale}"
    files = [r for routes in found.values() for r in routes if r.startswith(("static", "media"))]
    assert files == [], "static and media files are served by WhiteNoise, not URL patterns"


def test_a_route_added_without_a_row_is_caught():
    from panel import urls

    extra = types.ModuleType("urls_with_new_routes")
    extra.urlpatterns = [
        *urls.urlpatterns,
        path("new-page/", _a_view, name="new-page"),
        path("nameless/", _a_view),
        path("cases-extra/", include(([path("x/", _a_view, name="x")], "cases"))),
    ]
    assert not_in_table(registered_routes(extra)) == [
        "<unnamed: nameless/>",
        "cases:x",
        "new-page",
    ]


def _a_view(request):
    raise AssertionError("never called")


def test_every_row_names_every_signed_in_role_and_nothing_else():
    for route, rows in TABLE.items():
        for row in _rows(rows):
            assert set(SIGNED_IN) <= set(row.expect) <= set(ROLES), route


# The django_db mark (not only the db fixture) so the database outlives conftest's autouse
# audit-chain check, which runs after each test.
@pytest.mark.django_db
@pytest.mark.parametrize(("route", "row"), matrix_cases())
def test_access_matrix(route: str, row: Row, world: World, request):
    api = route.startswith(API_ROUTES)
    expect = {"anon": 401 if api else to("login")} | row.expect
    kwargs = row.kwargs(world)
    url = reverse(route, kwargs=kwargs)
    known = KNOWN_BUGS.get(request.node.callspec.id, {})
    unexpected, bugs = [], []
    for role in ROLES:
        client = _client(world.users[role], api)
        response = _send(client, row, url, api)
        problem = _mismatch(response, expect[role], world, kwargs)
        if problem is None and response.status_code == 404 and "pk" in kwargs:
            problem = _differs_from_missing(client, row, route, kwargs, response, api)
        if problem is None:
            continue
        line = f"{role}: {problem}"
        (bugs if known.get(role) == response.status_code else unexpected).append(line)
    assert not unexpected, f"{route} {row.method} {url}: " + "; ".join(unexpected)
    if bugs:
        raise KnownBug(f"{route}: " + "; ".join(bugs))


# --- helpers ---------------------------------------------------------------------------


def _client(user: User | None, api: bool):
    if api:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _send(client, row: Row, url: str, api: bool):
    if row.method == "GET":
        return client.get(url)
    if api:
        return client.post(url, row.body, format="json")
    return client.post(url, row.body)


def _mismatch(response, wanted: Cell, world: World, kwargs: dict) -> str | None:
    status = wanted.status if isinstance(wanted, Goes) else wanted
    if response.status_code != status:
        return f"expected {_show(wanted)}, got {response.status_code}"
    if isinstance(wanted, Goes):
        if wanted.pk is not None:
            target = reverse(wanted.route, kwargs={"pk": wanted.pk(world)})
        else:
            try:
                target = reverse(wanted.route)
            except NoReverseMatch:
                target = reverse(wanted.route, kwargs={"pk": kwargs["pk"]})
        went = urlsplit(response["Location"]).path
        if went != target:
            return f"expected a redirect to {target}, went to {response['Location']}"
    return None


def _differs_from_missing(client, row: Row, route: str, kwargs: dict, response, api: bool):
    """Out of scope must read exactly like an id nobody has: same status, same body."""
    missing = _send(client, row, reverse(route, kwargs=kwargs | {"pk": MISSING}), api)
    if (missing.status_code, missing.content) != (404, response.content):
        return (
            f"404 differs from a missing id's ({missing.status_code}): "
            f"{response.content[:120]!r} vs {missing.content[:120]!r}"
        )
    return None
