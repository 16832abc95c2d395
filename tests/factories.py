"""Factories for fictional test data. Names are obviously generated ("Testchild-0007"),
never realistic names of real people."""

import datetime as dt

import factory
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import services
from cases.models import Case, Child, Referral, RiskTool
from panel.dates import london_today
from panel.models import Agency, Area, LocalSupportTeam, Role, RoleAssignment, User

PASSWORD = "correct-horse-battery-staple-test"


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("slug",)

    slug = "staffordshire"
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    front_door_name = "First Response"
    front_door_phone = "0800 1313 126"


def staffordshire() -> Area:
    return AreaFactory(slug="staffordshire", name="Staffordshire")


def stoke() -> Area:
    return AreaFactory(
        slug="stoke-on-trent",
        name="Stoke-on-Trent",
        front_door_name="Safeguarding and Referral Team",
        front_door_phone="01782 235100",
    )


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Test Agency {n:03d}")
    kind = Agency.Kind.POLICE


class LocalSupportTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocalSupportTeam

    area = factory.LazyFunction(staffordshire)
    district = factory.Sequence(lambda n: f"District {n:02d}")
    name = factory.Sequence(lambda n: f"Test LST {n:02d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User-{n:04d}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    agency = factory.SubFactory(AgencyFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """roles=[("coordinator", area), "agency_lead", ...]"""
        for role in extracted or []:
            role, area = role if isinstance(role, tuple) else (role, None)
            RoleAssignment.objects.create(user=self, role=role, area=area)
        self.save()


def with_authenticator(user: User) -> TOTPDevice:
    """A confirmed authenticator app (TOTP) for the user, as if they had set it up."""
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def totp_code(device: TOTPDevice, step_offset: int = 0) -> str:
    """The 6-digit code the user's authenticator app shows now (or ``step_offset`` 30-second
    steps later: a code is accepted once, so a second sign-in in the same step uses the next
    one, which the device accepts within its tolerance)."""
    from django_otp.oath import totp

    drift = device.drift + step_offset
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, drift):06d}"


def coordinator(area: Area | None = None, **kwargs) -> User:
    return UserFactory(roles=[(Role.COORDINATOR, area or staffordshire())], **kwargs)


def agency_lead(agency: Agency | None = None, **kwargs) -> User:
    return UserFactory(roles=[Role.AGENCY_LEAD], agency=agency or AgencyFactory(), **kwargs)


def referrer(**kwargs) -> User:
    return UserFactory(roles=[Role.REFERRER], **kwargs)


def auditor(**kwargs) -> User:
    return UserFactory(roles=[Role.AUDITOR], **kwargs)


def years_ago(years: int, days: int = 0) -> dt.date:
    today = london_today()
    try:
        born = today.replace(year=today.year - years)
    except ValueError:
        born = today.replace(year=today.year - years, day=28)
    return born - dt.timedelta(days=days)


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    # The number twice, so two generated names are never one letter apart (which duplicate
    # matching would offer as the same child, see cases.matching).
    first_name = factory.Sequence(lambda n: f"Testchild-{n:04d}-{n:04d}")
    last_name = "Example"
    date_of_birth = factory.LazyFunction(lambda: years_ago(14, 30))
    gender = Child.Gender.FEMALE
    # As a referral that did not say makes it: "not known" until a coordinator sets it
    # (pass any ONS 2021 code, e.g. ``ChildFactory(ethnicity_code="white_irish")``).
    ethnicity_code = Child.Ethnicity.NOT_KNOWN
    area = factory.LazyFunction(staffordshire)


def matrix_tool() -> RiskTool:
    """The Risk Factor Matrix v1 from its data migration (loaded again if a transactional
    test emptied the tables)."""
    tool = RiskTool.objects.filter(slug="risk-factor-matrix", version=1).first()
    if tool is None:
        import importlib

        from django.apps import apps

        migration = importlib.import_module("cases.migrations.0003_risk_factor_matrix_v1")
        migration.load_tool(apps, None)
        tool = RiskTool.objects.get(slug="risk-factor-matrix", version=1)
    return tool


# What make_referral answers by default: one risk indicator answered "not present", so
# the matrix is assessed (low; under 13, medium). Pass answers={} for a referral sent with
# the matrix unanswered ("not assessed").
ANSWERED = {"hotspots": services.AnswerInput("not_present")}


def make_referral(
    *, by: User | None = None, child: Child | None = None, answers=None, **kwargs
) -> Referral:
    """A referral through the service, as a referrer would make it."""
    matrix_tool()
    by = by or referrer()
    child = child or ChildFactory()
    fields = {
        "referrer_role": "Designated safeguarding lead",
        "referrer_contact": "01234 000000",
        "concerns": "Fictional concerns for a test.",
        "contact_online": True,
        "legal_status": "none",
    }
    fields.update(kwargs)
    answers = ANSWERED if answers is None else answers
    return services.submit_referral(by, child=child, answers=answers, **fields)


def make_case(
    *,
    area: Area | None = None,
    agencies: list[Agency] | None = None,
    coordinator_user: User | None = None,
    answers=None,
    now=None,
    lead_agency: Agency | None = None,
    lead_professional: User | None = None,
) -> Case:
    """An accepted referral's case, awaiting panel. Accepting names a lead agency: the
    first agency involved, else the lead professional's, else a fictional one of its own
    (which becomes involved). Opening the case needs ``lead_professional`` too."""
    area = area or staffordshire()
    coordinator_user = coordinator_user or coordinator(area)
    child = ChildFactory(area=area)
    referral = make_referral(child=child, answers=answers, now=now)
    agencies = agencies or []
    return services.accept_referral(
        coordinator_user,
        referral=referral,
        reason="Meets the panel threshold (test).",
        lead_agency=lead_agency
        or (agencies[0] if agencies else None)
        or (lead_professional.agency if lead_professional else None)
        or AgencyFactory(),
        lead_professional=lead_professional,
        involved_agencies=agencies,
        now=now or timezone.now(),
    )


# --- Panel meetings -------------------------------------------------------------------


def next_weekday(days_ahead: int = 14) -> dt.date:
    return london_today() + dt.timedelta(days=days_ahead)


class MeetingFactory(factory.django.DjangoModelFactory):
    """A scheduled meeting (no members): for a published or held one, build it with
    ``status``/``published_at`` or go through the services."""

    class Meta:
        model = "meetings.Meeting"

    area = factory.LazyFunction(staffordshire)
    date = factory.LazyFunction(next_weekday)
    start_time = dt.time(10, 0)
    venue = "Test Venue Room 1"
    created_by = factory.LazyAttribute(lambda o: coordinator(o.area))


class MeetingMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "meetings.MeetingMember"

    meeting = factory.SubFactory(MeetingFactory)
    agency = factory.SubFactory(AgencyFactory)
    representative = factory.LazyAttribute(lambda o: UserFactory(agency=o.agency))


class AgendaItemFactory(factory.django.DjangoModelFactory):
    """A case item on a meeting's agenda (``case`` defaults to a new case in the area)."""

    class Meta:
        model = "meetings.AgendaItem"

    meeting = factory.SubFactory(MeetingFactory)
    area = factory.LazyAttribute(lambda o: o.meeting.area if o.meeting else staffordshire())
    kind = "case"
    case = factory.LazyAttribute(lambda o: make_case(area=o.area))
    reason = "awaiting_panel"
    order = factory.Sequence(lambda n: n + 1)
    added_by = factory.LazyAttribute(lambda o: o.meeting.created_by)


# --- intelligence (issue 13) ------------------------------------------------------------


def grant_intelligence(agency: Agency, area: Area | None = None):
    """An IntelligenceGrant row: ``agency``'s leads see ``area``'s intelligence."""
    from intelligence.models import IntelligenceGrant

    grant, _ = IntelligenceGrant.objects.get_or_create(area=area or staffordshire(), agency=agency)
    return grant


class _GradedFactory(factory.django.DjangoModelFactory):
    area = factory.LazyFunction(staffordshire)
    source_evaluation = "B"
    intelligence_assessment = "2"
    handling_code = "P"
    source_agency = factory.SubFactory(AgencyFactory)


class PersonOfConcernFactory(_GradedFactory):
    """A fictional person of concern ("Testperson-0001")."""

    class Meta:
        model = "intelligence.PersonOfConcern"

    name = factory.Sequence(lambda n: f"Testperson-{n:04d} Generated")
    approximate_age = 30
    review_date = factory.LazyFunction(lambda: london_today() + dt.timedelta(days=180))
    created_by = factory.LazyAttribute(lambda o: coordinator(o.area))


class LocationFactory(_GradedFactory):
    class Meta:
        model = "intelligence.Location"

    name = factory.Sequence(lambda n: f"Testplace {n:04d} Takeaway")
    kind = "takeaway"
    address = factory.Sequence(lambda n: f"{n} Test Street, Testtown")
    postcode = "ZZ99 9ZZ"
    created_by = factory.LazyAttribute(lambda o: coordinator(o.area))


class VehicleFactory(_GradedFactory):
    class Meta:
        model = "intelligence.Vehicle"

    registration = factory.Sequence(lambda n: f"TE{n % 100:02d} STX")
    make = "Testmake"
    model = "Testmodel"
    colour = "Silver"
    created_by = factory.LazyAttribute(lambda o: coordinator(o.area))


class LinkFactory(_GradedFactory):
    """A child's link (``case`` set) to a person by default. Pass ``person=None`` with a
    ``location`` or ``vehicle`` for the others; ``area`` follows the record."""

    class Meta:
        model = "intelligence.Link"

    case = factory.LazyFunction(make_case)
    person = factory.SubFactory(PersonOfConcernFactory)
    relationship = "seen_with"
    area = factory.LazyAttribute(
        lambda o: (o.person or getattr(o, "location", None) or getattr(o, "vehicle", None)).area
    )
    recorded_by = factory.LazyAttribute(lambda o: coordinator(o.area))
    recorded_at = factory.LazyFunction(timezone.now)
