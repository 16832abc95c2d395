"""The reference data a national deployment has: areas, agencies of every kind in each,
Local Support Teams, people with their roles, each area's quorum and standing panel
membership. Every name is obviously generated ("Bench Area 07", ``bench.coord.a07.1``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import connections

from bench.gen.copy import Rows
from bench.gen.plan import Plan
from bench.gen.trail import Actor
from meetings.models import QuorumKind, StandingMember
from panel.models import Agency, AgencyKind, Area, LocalSupportTeam, Role, RoleAssignment, User

# Documented in docs-pending/gen.md: every generated account signs in with it. Bench only.
BENCH_PASSWORD = "bench-only-password"  # noqa: S105
KINDS = [kind for kind, _ in AgencyKind.choices]
KIND_SHORT = {
    "police": "police",
    "social_care": "social",
    "health": "health",
    "education": "education",
    "youth_justice": "yjs",
    "voluntary": "voluntary",
    "housing": "housing",
    "other": "other",
}
QUORUM = ("police", "social_care", "health", "education")


def area_code(n: int) -> str:
    return f"a{n:02d}"


def write_reference(rows: Rows, plan: Plan, now: dt.datetime) -> None:
    password = make_password(BENCH_PASSWORD)  # hashed once, reused by every account
    through = Agency.areas.through

    def user(username: str, first: str, last: str, agency_id: int | None, title: str) -> int:
        return rows.add(
            User,
            username=username,
            password=password,
            first_name=first,
            last_name=last,
            email=f"{username}@bench.invalid",
            agency_id=agency_id,
            job_title=title,
            date_joined=now - dt.timedelta(days=800),
        )

    def role(user_id: int, name: str, area_id: int | None = None) -> None:
        rows.add(RoleAssignment, user_id=user_id, role=name, area_id=area_id, granted_at=now)

    for n in range(1, plan.areas + 1):
        code = area_code(n)
        area_id = rows.add(
            Area,
            name=f"Bench Area {n:02d}",
            slug=f"bench-area-{n:02d}",
            front_door_name=f"Bench Front Door {n:02d}",
            front_door_phone=f"0800 000 {n:04d}",
            police_non_emergency="101",
            emergency="999",
        )
        for kind in QUORUM:
            rows.add(QuorumKind, area_id=area_id, kind=kind)
        for d in range(1, plan.lsts_per_area + 1):
            rows.add(
                LocalSupportTeam,
                area_id=area_id,
                district=f"Bench District {n:02d}-{d}",
                name=f"Bench LST {n:02d}-{d}",
                contact_name=f"Bench LST Contact {n:02d}-{d}",
                phone=f"0800 111 {n:02d}{d:02d}",
                email=f"lst.{code}.{d}@bench.invalid",
            )
        agencies = {}
        for kind in KINDS:
            label = AgencyKind(kind).label
            agency_id = rows.add(Agency, name=f"Bench {label} {n:02d}", kind=kind)
            rows.add(through, agency_id=agency_id, area_id=area_id)
            agencies[kind] = agency_id
        for c in range(1, plan.coordinators_per_area + 1):
            uid = user(
                f"bench.coord.{code}.{c}",
                "Benchcoord",
                f"{code.upper()}-{c}",
                agencies["social_care"],
                "Panel coordinator (bench)",
            )
            role(uid, Role.COORDINATOR, area_id)
        for kind, agency_id in agencies.items():
            short = KIND_SHORT[kind]
            leads = []
            for k in range(1, plan.leads_per_agency + 1):
                uid = user(
                    f"bench.lead.{code}.{short}.{k}",
                    "Benchlead",
                    f"{code.upper()}-{short}-{k}",
                    agency_id,
                    "Agency lead (bench)",
                )
                role(uid, Role.AGENCY_LEAD)
                leads.append(uid)
            for k in range(1, plan.practitioners_per_agency + 1):
                user(
                    f"bench.prac.{code}.{short}.{k}",
                    "Benchprac",
                    f"{code.upper()}-{short}-{k}",
                    agency_id,
                    "Practitioner (bench)",
                )
            rows.add(
                StandingMember,
                area_id=area_id,
                agency_id=agency_id,
                representative_id=leads[0],
                added_at=now,
            )
        for k in range(1, plan.referrers_per_area + 1):
            kind = KINDS[k % len(KINDS)]
            uid = user(
                f"bench.ref.{code}.{k:04d}",
                "Benchref",
                f"{code.upper()}-{k:04d}",
                agencies[kind],
                "Referrer (bench)",
            )
            role(uid, Role.REFERRER)
    for k in range(1, plan.auditors + 1):
        uid = user(f"bench.auditor.{k}", "Benchauditor", str(k), None, "Auditor (bench)")
        role(uid, Role.AUDITOR)


@dataclass
class AreaWorld:
    id: int
    slug: str
    agencies: dict[str, int] = field(default_factory=dict)  # kind -> id
    lsts: list[int] = field(default_factory=list)
    coordinators: list[Actor] = field(default_factory=list)
    leads: dict[int, list[Actor]] = field(default_factory=dict)  # agency -> leads
    practitioners: dict[int, list[Actor]] = field(default_factory=dict)  # agency -> people
    referrers: list[Actor] = field(default_factory=list)


@dataclass
class World:
    areas: list[AreaWorld]
    auditors: list[Actor]
    tool_id: int
    indicators: list  # RiskIndicator rows of the active tool
    tool: object


def load_world(using: str) -> World:
    """Read the generated reference data back (ids, and what the trail says of each actor)."""
    from cases.models import RiskIndicator, RiskTool

    areas = {
        a.id: AreaWorld(a.id, a.slug)
        for a in Area.objects.using(using).filter(slug__startswith="bench-area-").order_by("slug")
    }
    agency_names = {}
    agency_area = {}
    for agency_id, name, kind, area_id in (
        Agency.objects.using(using)
        .filter(areas__in=list(areas))
        .values_list("id", "name", "kind", "areas")
        .order_by("id")
    ):
        areas[area_id].agencies[kind] = agency_id
        agency_names[agency_id] = name
        agency_area[agency_id] = area_id
    for lst_id, area_id in (
        LocalSupportTeam.objects.using(using)
        .filter(area__in=list(areas))
        .values_list("id", "area_id")
        .order_by("id")
    ):
        areas[area_id].lsts.append(lst_id)
    roles: dict[int, list[tuple[str, int | None]]] = {}
    for user_id, role, area_id in (
        RoleAssignment.objects.using(using)
        .filter(user__username__startswith="bench.")
        .values_list("user_id", "role", "area_id")
    ):
        roles.setdefault(user_id, []).append((role, area_id))
    auditors = []
    for uid, username, agency_id in (
        User.objects.using(using)
        .filter(username__startswith="bench.")
        .values_list("id", "username", "agency_id")
        .order_by("id")
    ):
        mine = roles.get(uid, [])
        actor = Actor(
            uid,
            username,
            agency_names.get(agency_id, ""),
            ", ".join(sorted({r for r, _ in mine})),
            agency_id,
        )
        kind = username.split(".")[1]
        if kind == "auditor":
            auditors.append(actor)
            continue
        area = areas[agency_area[agency_id]]
        if kind == "coord":
            area.coordinators.append(actor)
        elif kind == "lead":
            area.leads.setdefault(agency_id, []).append(actor)
        elif kind == "prac":
            area.practitioners.setdefault(agency_id, []).append(actor)
        elif kind == "ref":
            area.referrers.append(actor)
    tool = RiskTool.objects.using(using).get(slug="risk-factor-matrix", is_active=True)
    indicators = list(RiskIndicator.objects.using(using).filter(tool=tool).order_by("order"))
    return World(list(areas.values()), auditors, tool.id, indicators, tool)


def count_accounts(using: str) -> int:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM panel_user WHERE username LIKE 'bench.%%'")
        return cursor.fetchone()[0]
