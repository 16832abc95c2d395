"""Fictional demo data for local use: agencies, one user per role, about 40 children
with referrals and cases over every status and risk level, and per area a past panel
meeting (minuted and approved) and an upcoming one (agenda published, research coming in).

Every name is obviously generated ("Alpha Testchild-01", "Demo Police"). Idempotent: what
already exists is left alone, so running it twice gives the same counts. Everything is
written through the services, so the audit trail records it like any other change.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from audit.services import record
from cases import services
from cases.models import Action, Case, Child
from cases.services import AnswerInput
from intelligence.demo import seed_intelligence
from intelligence.models import IntelligenceGrant
from meetings.demo import seed_meetings
from meetings.models import Meeting
from panel.dates import LONDON, london_today
from panel.models import (
    Agency,
    AgencyKind,
    Area,
    LocalSupportTeam,
    Role,
    RoleAssignment,
    User,
)

DEMO_PASSWORD = "panel-demo-2026"  # noqa: S105 - documented, local demo use only
# Every demo user's authenticator secret (base32, as an app takes it), given only with
# DEBUG on: `python manage.py demo_code` prints the current code, or add it to any
# authenticator app. Published in the README, so never on a live system.
DEMO_TOTP_SECRET = "SAFEGUARDPANELDEMOSECRETLOCALUSE"  # noqa: S105 - documented demo secret

AGENCIES = [
    ("Demo Police", Agency.Kind.POLICE),
    ("Demo Children's Social Care", Agency.Kind.SOCIAL_CARE),
    ("Demo Health Trust", Agency.Kind.HEALTH),
    ("Demo Education Service", Agency.Kind.EDUCATION),
    ("Demo Youth Justice Service", Agency.Kind.YOUTH_JUSTICE),
    ("Demo Voluntary Project", Agency.Kind.VOLUNTARY),
    ("Demo Housing", Agency.Kind.HOUSING),
]

LOCAL_SUPPORT_TEAMS = [
    ("staffordshire", "Demo District North", "Demo LST North"),
    ("staffordshire", "Demo District South", "Demo LST South"),
    ("stoke-on-trent", "Demo District Central", "Demo LST Stoke Central"),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    agency: str | None
    roles: tuple[tuple[str, str | None], ...]
    staff: bool = False
    what: str = ""


USERS = [
    DemoUser(
        "demo.coordinator",
        "Demo",
        "Coordinator",
        "Demo Children's Social Care",
        ((Role.COORDINATOR, "staffordshire"),),
        what="Panel coordinator, Staffordshire",
    ),
    DemoUser(
        "demo.coordinator.stoke",
        "Demo",
        "Coordinator-Stoke",
        "Demo Children's Social Care",
        ((Role.COORDINATOR, "stoke-on-trent"),),
        what="Panel coordinator, Stoke-on-Trent",
    ),
    DemoUser(
        "demo.police",
        "Demo",
        "Police-Lead",
        "Demo Police",
        ((Role.AGENCY_LEAD, None),),
        what="Agency lead, Demo Police",
    ),
    DemoUser(
        "demo.health",
        "Demo",
        "Health-Lead",
        "Demo Health Trust",
        ((Role.AGENCY_LEAD, None),),
        what="Agency lead, Demo Health Trust",
    ),
    # Panel members without a panel role: the co-chairs, and a member agency's named
    # representative who sees the research list of each published agenda and no case.
    DemoUser(
        "demo.chair.police",
        "Demo",
        "Chair-Police",
        "Demo Police",
        (),
        what="Co-chair (police) of both panels: approves minutes, ratifies decisions",
    ),
    DemoUser(
        "demo.chair.la",
        "Demo",
        "Chair-Local-Authority",
        "Demo Children's Social Care",
        (),
        what="Co-chair (local authority) of both panels",
    ),
    DemoUser(
        "demo.rep.education",
        "Demo",
        "Rep-Education",
        "Demo Education Service",
        (),
        what="Panel member for Demo Education Service: research lists only",
    ),
    DemoUser(
        "demo.referrer",
        "Demo",
        "Referrer",
        "Demo Education Service",
        ((Role.REFERRER, None),),
        what="Referrer (a school's safeguarding lead)",
    ),
    DemoUser(
        "demo.auditor",
        "Demo",
        "Auditor",
        None,
        ((Role.AUDITOR, None),),
        what="Auditor (reads everything, changes nothing)",
    ),
    DemoUser(
        "demo.admin",
        "Demo",
        "Administrator",
        None,
        (),
        staff=True,
        what="Administrator: reference data and users only, no case access",
    ),
]

NATO = [
    "Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India",
    "Juliett", "Kilo", "Lima", "Mike", "November", "Oscar", "Papa", "Quebec", "Romeo",
    "Sierra", "Tango", "Uniform", "Victor", "Whiskey", "Xray", "Yankee", "Zulu",
]  # fmt: skip

# Indicators that give each level on the Risk Factor Matrix for a child of 13 or over.
ANSWERS_FOR = {
    "low": {"missing-late": "Fictional: came home late twice."},
    "medium": {"online-grooming": "Fictional: messages from an unknown adult online."},
    "high": {"controlled-by-adult": "Fictional: seen being directed by an adult."},
}
# Ages in years over the children: under 13, 16-17 and one turning 18 soon among them.
AGES = [14, 15, 16, 17, 12, 13, 16, 17, 11, 15, 14, 16, 17, 13]

# (count, what happens) in order; 39 children, the 40th case is a re-referral.
PLAN = (
    [("submitted", None)] * 8
    + [
        ("stepped_down", "eha"),
        ("stepped_down", "lst"),
        ("redirected", "front_door"),
        ("redirected", "s47"),
        ("no_further_action", ""),
    ]
    + [("awaiting_panel", None)] * 6
    + [("open", None)] * 15
    + [("closed", None)] * 5
)


# The demo children's ONS 2021 ethnic groups, cycled: mostly White British, a realistic
# spread of the others, one declined and some still "not known" (the hint on the child's
# page, and the report's missing data, have something to show). With what the family said,
# where a referrer wrote it down (fictional descriptions).
DEMO_ETHNICITIES = [
    ("white_british", "White British"),
    ("not_known", ""),
    ("mixed_white_black_caribbean", "Mixed, dad is Jamaican"),
    ("white_british", ""),
    ("asian_pakistani", "British Pakistani"),
    ("white_other", "Polish"),
    ("white_british", "English"),
    ("not_known", "Not sure, to ask the family"),
    ("black_african", "Black African"),
    ("white_gypsy_traveller", "Romany Gypsy"),
    ("white_british", ""),
    ("asian_indian", "Indian"),
    ("declined", ""),
    ("mixed_white_asian", "Mixed White and Asian"),
    ("white_british", "British"),
    ("not_known", ""),
    ("white_british", "White British"),
    ("white_british", ""),
    ("white_british", "Welsh"),
    ("white_british", "White"),
]


def demo_children() -> list[dict]:
    """The demo children, the same every run (names, dates of birth relative to today)."""
    children = []
    for index, (outcome, route) in enumerate(PLAN):
        age = AGES[index % len(AGES)]
        extra_days = (index * 37) % 300
        if index == 17:
            age, extra_days = 17, 340  # turning 18 within weeks
        young_adult = index == 20
        if young_adult:
            age = 19
        level = ["low", "medium", "high"][index % 3]
        if level == "low" and age < 13:
            age = 14  # under 13 is never low: keep low-risk demo cases on older children
        children.append(
            {
                "index": index,
                "first_name": NATO[index % len(NATO)],
                "last_name": f"Testchild-{index + 1:02d}",
                "age": age,
                "extra_days": extra_days,
                "area": "stoke-on-trent" if index % 3 == 2 else "staffordshire",
                "gender": ["female", "male", "female", "non_binary", "male"][index % 5],
                "ethnicity_code": DEMO_ETHNICITIES[index % len(DEMO_ETHNICITIES)][0],
                "ethnicity": DEMO_ETHNICITIES[index % len(DEMO_ETHNICITIES)][1],
                "outcome": outcome,
                "route": route,
                "level": level,
                "young_adult": young_adult,
            }
        )
    return children


class Command(BaseCommand):
    help = "Load fictional demo data (idempotent). Local use only: passwords are public."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--print-logins", action="store_true", help="Only print the demo sign-ins."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (never on a live system: the passwords are public).",
        )

    def handle(self, *args, **options) -> None:
        if options["print_logins"]:
            self.print_logins()
            return
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo makes users with published passwords: it runs only with DEBUG on "
                "(or --force on a throwaway instance)."
            )
        areas = {area.slug: area for area in Area.objects.all()}
        missing = {"staffordshire", "stoke-on-trent"} - set(areas)
        if missing:
            raise CommandError(f"Areas missing ({', '.join(sorted(missing))}): run migrate.")
        agencies = self.seed_agencies(areas)
        self.seed_local_support_teams(areas)
        users = self.seed_users(agencies, areas)
        made = self.seed_children(users, agencies, areas)
        meetings = seed_meetings(users, agencies, areas)
        # After the children and meetings: the network links four open cases.
        seed_intelligence(users, agencies, areas)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {Child.objects.count()} children, {Case.objects.count()} "
                f"cases ({made} children added this run), {Meeting.objects.count()} panel "
                f"meetings ({meetings} added this run)."
            )
        )

    def print_logins(self) -> None:
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        for user in USERS:
            self.stdout.write(f"  {user.username:<24} {user.what}")
        if settings.DEBUG:
            self.stdout.write(
                "Then the 6-digit code: python manage.py demo_code "
                f"(or an authenticator app with the demo secret {DEMO_TOTP_SECRET})."
            )

    def seed_agencies(self, areas: dict[str, Area]) -> dict[str, Agency]:
        agencies = {}
        for name, kind in AGENCIES:
            agency, _ = Agency.objects.get_or_create(name=name, defaults={"kind": kind})
            agency.areas.add(*areas.values())
            agencies[name] = agency
            if kind == AgencyKind.POLICE:
                # The default grant (as the data migration gives): police see the areas'
                # intelligence. A row an administrator may revoke.
                for area in areas.values():
                    IntelligenceGrant.objects.get_or_create(area=area, agency=agency)
        return agencies

    def seed_local_support_teams(self, areas: dict[str, Area]) -> None:
        for area_slug, district, name in LOCAL_SUPPORT_TEAMS:
            LocalSupportTeam.objects.get_or_create(
                area=areas[area_slug],
                name=name,
                defaults={
                    "district": district,
                    "contact_name": f"{name} duty desk",
                    "phone": "01234 000000",
                    "email": "lst@example.test",
                },
            )

    def seed_users(self, agencies: dict[str, Agency], areas: dict[str, Area]) -> dict[str, User]:
        users = {}
        for spec in USERS:
            user, created = User.objects.get_or_create(
                username=spec.username,
                defaults={
                    "first_name": spec.first_name,
                    "last_name": spec.last_name,
                    "email": f"{spec.username}@example.test",
                    "agency": agencies.get(spec.agency) if spec.agency else None,
                    "is_staff": spec.staff,
                    "is_superuser": spec.staff,
                    "job_title": spec.what,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            for role, area_slug in spec.roles:
                RoleAssignment.objects.get_or_create(
                    user=user, role=role, area=areas[area_slug] if area_slug else None
                )
            if settings.DEBUG:
                self.seed_authenticator(user)
            users[spec.username] = User.objects.get(pk=user.pk)
        return users

    def seed_authenticator(self, user: User) -> None:
        """The demo authenticator (DEMO_TOTP_SECRET), so demo sign-ins show the code step.
        DEBUG only: with --force on a non-debug instance users set up their own."""
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            return
        device = TOTPDevice.objects.create(
            user=user,
            name="Demo authenticator",
            key=base64.b32decode(DEMO_TOTP_SECRET).hex(),
            confirmed=True,
        )
        record(
            actor=user,
            verb=AuditEvent.Verb.CREATED,
            obj=device,
            object_type="otp_totp.totpdevice",
            changes={"two_factor": "demo authenticator (DEBUG only)"},
        )

    def seed_children(
        self, users: dict[str, User], agencies: dict[str, Agency], areas: dict[str, Area]
    ) -> int:
        made = 0
        rng = random.Random(2026)
        for spec in demo_children():
            exists = Child.objects.filter(
                first_name=spec["first_name"], last_name=spec["last_name"]
            ).exists()
            if exists:
                continue
            with transaction.atomic():
                self.seed_one(spec, users, agencies, areas, rng)
            made += 1
        return made

    def seed_one(self, spec, users, agencies, areas, rng: random.Random) -> None:
        today = london_today()
        area = areas[spec["area"]]
        boss = users[
            "demo.coordinator" if spec["area"] == "staffordshire" else "demo.coordinator.stoke"
        ]
        teacher = users["demo.referrer"]
        # How long ago it was referred: older for cases further along.
        days_ago = {
            "submitted": 1 + spec["index"] % 6,
            "awaiting_panel": 8 + spec["index"] % 10,
            "open": 20 + (spec["index"] * 11) % 110,
            "closed": 150 + spec["index"] * 3,
        }.get(spec["outcome"], 10 + spec["index"])
        referred = timezone.now() - dt.timedelta(days=days_ago, hours=rng.randint(1, 8))
        born = _years_before(today, spec["age"]) - dt.timedelta(days=spec["extra_days"])

        young_adult_reason = (
            "Fictional: learning disability; transitional safeguarding agreed."
            if spec["young_adult"]
            else ""
        )
        child = services.create_child(
            teacher,
            first_name=spec["first_name"],
            last_name=spec["last_name"],
            date_of_birth=born,
            gender=spec["gender"],
            ethnicity_code=spec["ethnicity_code"],
            ethnicity=spec["ethnicity"],
            area=area,
            school_or_setting=f"Demo Academy {spec['index'] % 4 + 1}",
            address=f"{spec['index'] + 1} Example Street, Demo Town",
            young_adult_reason=young_adult_reason,
            now=referred,
        )
        level = spec["level"]
        answers = {
            code: AnswerInput("present", evidence, "0_6")
            for code, evidence in ANSWERS_FOR[level].items()
        }
        if spec["young_adult"]:
            answers["learning-disability"] = AnswerInput("present", "Fictional: diagnosed.", "")
        immediate = spec["index"] in (0, 3)
        referral = services.submit_referral(
            teacher,
            child=child,
            referrer_role="Designated safeguarding lead",
            referrer_contact="demo.referrer@example.test",
            concerns=(
                "Fictional demo concerns: changes in behaviour, unexplained gifts and "
                "contact with an older person met online."
            ),
            contact_in_person=spec["index"] % 2 == 0,
            contact_mobile_phone=spec["index"] % 3 == 0,
            contact_online=True,
            known_to_social_care=["yes", "no", "unknown"][spec["index"] % 3],
            lead_social_worker="Demo Social-Worker" if spec["index"] % 3 == 0 else "",
            child_aware="yes",
            child_agrees="yes" if spec["index"] % 4 else "no",
            parents_aware="yes",
            parents_agree="yes",
            consent_notes="" if spec["index"] % 4 else "Fictional: the young person is worried.",
            legal_status=["none", "child_in_need", "looked_after_s20"][spec["index"] % 3],
            immediate_risk=immediate,
            police_contacted_at=referred - dt.timedelta(minutes=30) if immediate else None,
            police_contacted_by="Demo Referrer" if immediate else "",
            police_incident_number=f"DEMO-{spec['index']:04d}" if immediate else "",
            young_adult_reason=young_adult_reason,
            answers=answers,
            now=referred,
        )
        outcome = spec["outcome"]
        if outcome == "submitted":
            return
        triaged = referred + dt.timedelta(days=2)
        if outcome in ("stepped_down", "redirected", "no_further_action"):
            services.triage_referral(
                boss,
                referral=referral,
                outcome=outcome,
                route=spec["route"],
                reason="Fictional triage reason for the demo.",
                now=triaged,
            )
            return
        police, social_care = agencies["Demo Police"], agencies["Demo Children's Social Care"]
        others = [agencies["Demo Health Trust"], agencies["Demo Education Service"]]
        involved = [police, social_care, others[spec["index"] % 2]]
        lst = LocalSupportTeam.objects.filter(area=area).order_by("name").first()
        case = services.accept_referral(
            boss,
            referral=referral,
            reason="Fictional: meets the threshold for the multi-agency panel.",
            lead_agency=social_care,
            # The coordinator is a social worker of the lead agency: a named team, so the
            # case can be opened when the panel has heard it.
            lead_professional=boss,
            local_support_team=lst,
            lst_contact=f"{lst.name} duty desk" if lst else "",
            involved_agencies=involved,
            now=triaged,
        )
        if outcome == "awaiting_panel":
            return
        heard = triaged + dt.timedelta(days=5)
        services.transition_case(boss, case=case, to_status="open", now=heard)
        actions = []
        for number, (agency, four_p) in enumerate(
            [(police, "pursue"), (others[spec["index"] % 2], "protect")]
        ):
            due = (heard + dt.timedelta(days=14 + 21 * number)).astimezone(LONDON).date()
            actions.append(
                services.add_action(
                    boss,
                    case=case,
                    description=f"Fictional action {number + 1} agreed at panel.",
                    owning_agency=agency,
                    due_date=due,
                    four_p=four_p,
                    priority="high" if level == "high" else "normal",
                    now=heard,
                )
            )
        review = case.reviews.get(status="upcoming")
        if review.due_date < today - dt.timedelta(days=3) and spec["index"] % 2 == 0:
            held_on = review.due_date
            services.hold_review(
                boss,
                review=review,
                held_on=held_on,
                outcome="Fictional: plan working; risk level confirmed.",
                risk_level_after=case.risk_level,
                attending_agencies=involved,
                now=_at_noon(held_on),
            )
        if outcome == "closed":
            for action in actions:
                action.refresh_from_db()
                services.update_action(
                    boss,
                    action=action,
                    version=action.version,
                    status=Action.Status.DONE,
                    completion_note="Fictional: completed.",
                    now=heard + dt.timedelta(days=30),
                )
            closed_on = heard + dt.timedelta(days=60)
            if level == "high":
                # A child still at high risk is never closed as "risk reduced".
                reason = Case.ClosureReason.MOVED_OUT
                summary = "Fictional: moved out of the area; transferred to that panel."
            else:
                # Closing as "risk reduced" needs the final level recorded at closure.
                services.record_assessment(boss, case=case, answers=answers, now=closed_on)
                reason = Case.ClosureReason.RISK_REDUCED
                summary = "Fictional: risk reduced; the young person is engaging."
            services.transition_case(
                boss,
                case=case,
                to_status="closed",
                closure_reason=reason,
                closure_summary=summary,
                now=closed_on,
            )
            if spec["index"] == len(PLAN) - 1:
                self.re_refer(case, teacher, boss, answers)
        elif spec["index"] % 3 == 0:
            first = actions[0]
            services.update_action(
                boss,
                action=first,
                version=first.version,
                status=Action.Status.IN_PROGRESS,
                note="Fictional: work under way.",
                now=heard + dt.timedelta(days=3),
            )

    def re_refer(self, closed: Case, teacher: User, boss: User, answers) -> None:
        """The last closed case's child is referred again: a new case linked to it."""
        referred = timezone.now() - dt.timedelta(days=4)
        referral = services.submit_referral(
            teacher,
            child=closed.child,
            referrer_role="Designated safeguarding lead",
            referrer_contact="demo.referrer@example.test",
            concerns="Fictional demo concerns: renewed contact with the same older person.",
            contact_online=True,
            child_aware="yes",
            child_agrees="yes",
            parents_aware="yes",
            parents_agree="yes",
            legal_status="none",
            answers=answers,
            now=referred,
        )
        services.accept_referral(
            boss,
            referral=referral,
            reason="Fictional: re-referral after closure.",
            lead_agency=closed.lead_agency,
            lead_professional=closed.lead_professional,
            involved_agencies=list(closed.involved_agencies.all()),
            now=referred + dt.timedelta(days=1),
        )


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _at_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=dt.UTC)
