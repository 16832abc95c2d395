"""visible_to() against a brute-force statement of the need-to-know rule, on random cases,
referrals and memberships (DESIGN.md rule 1), and the narrow scopes of the people doing
the work: a case's lead professional and the owners of its open actions (rule 11); the
research list; and the intelligence scopes (persons, locations, vehicles, links, sightings,
disruption, missing episodes) against the README's "Who sees intelligence"."""

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.models import Action, Case, CaseAgency, Child, Referral, RiskAssessment
from panel.models import Agency, Role, RoleAssignment, User
from tests.factories import (
    AgencyFactory,
    ChildFactory,
    UserFactory,
    make_case,
    make_referral,
    staffordshire,
    stoke,
)

pytestmark = pytest.mark.django_db


def expected_cases(user: User) -> set[int]:
    """The rule in plain Python, from the current rows."""
    if not user.is_active:
        return set()
    roles = set(RoleAssignment.objects.filter(user=user).values_list("role", "area_id"))
    if any(role == Role.AUDITOR for role, _ in roles):
        return set(Case.objects.values_list("pk", flat=True))
    areas = {area for role, area in roles if role == Role.COORDINATOR}
    lead = any(role == Role.AGENCY_LEAD for role, _ in roles)
    seen = set()
    for case in Case.objects.all():
        involved = set(CaseAgency.objects.filter(case=case).values_list("agency_id", flat=True))
        if case.area_id in areas or (lead and user.agency_id in involved):
            seen.add(case.pk)
        # The lead professional, while their agency is involved in the case.
        if case.lead_professional_id == user.pk and user.agency_id in involved:
            seen.add(case.pk)
        # An owner of an open action, while still in its owning agency, which is involved.
        for action in Action.objects.filter(case=case, owner=user):
            if (
                action.status in ("open", "in_progress")
                and user.agency_id == action.owning_agency_id
                and action.owning_agency_id in involved
            ):
                seen.add(case.pk)
    return seen


def expected_referrals(user: User) -> set[int]:
    if not user.is_active:
        return set()
    roles = set(RoleAssignment.objects.filter(user=user).values_list("role", "area_id"))
    if any(role == Role.AUDITOR for role, _ in roles):
        return set(Referral.objects.values_list("pk", flat=True))
    areas = {area for role, area in roles if role == Role.COORDINATOR}
    cases = expected_cases(user)
    return {
        r.pk
        for r in Referral.objects.all()
        if r.area_id in areas or r.referrer_id == user.pk or r.case_id in cases
    }


role_sets = st.lists(
    st.sampled_from(
        ["coordinator-staffs", "coordinator-stoke", "agency_lead", "referrer", "auditor"]
    ),
    max_size=3,
    unique=True,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_visible_to_matches_the_rule(data):
    areas = {"staffs": staffordshire(), "stoke": stoke()}
    agencies = list(Agency.objects.all()[:3])
    while len(agencies) < 3:
        agencies.append(AgencyFactory())
    referrers = [UserFactory(roles=["referrer"], agency=agencies[0]) for _ in range(2)]
    # The user under test and a colleague: either may be named lead professional or owner.
    user = UserFactory(agency=data.draw(st.sampled_from(agencies)))
    colleague = UserFactory(roles=["referrer"], agency=data.draw(st.sampled_from(agencies)))
    workers = [user, colleague]

    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        area = areas[data.draw(st.sampled_from(["staffs", "stoke"]))]
        involved = data.draw(st.lists(st.sampled_from(agencies), max_size=3, unique=True))
        # Mostly cases, and mostly with a worker named, so the narrow scopes are exercised.
        if data.draw(st.integers(min_value=0, max_value=2)):
            lead = data.draw(st.sampled_from([*workers, None]))
            if lead is not None and lead.agency not in involved:
                involved.append(lead.agency)
            case = make_case(area=area, agencies=involved, lead_professional=lead)
            # Accepting named a lead agency, so at least one agency is involved.
            on_case = list(case.involved_agencies.order_by("pk"))
            for owning in data.draw(st.lists(st.sampled_from(on_case), max_size=3)):
                members = [w for w in workers if w.agency_id == owning.pk]
                status = data.draw(st.sampled_from(["open", "in_progress", "done", "cancelled"]))
                Action.objects.create(
                    case=case,
                    description="Fictional action for the property test.",
                    owning_agency=owning,
                    owner=data.draw(st.sampled_from([*members, None])),
                    due_date=dt.date(2030, 1, 1),
                    status=status,
                    completion_note="Fictional." if status == "done" else "",
                    completed_at=timezone.now() if status == "done" else None,
                    cancel_reason="Fictional." if status == "cancelled" else "",
                    created_by=colleague,
                )
        else:
            make_referral(by=data.draw(st.sampled_from(referrers)), child=ChildFactory(area=area))

    # People move agency after they were named: their links to the case may no longer be
    # live (a lead professional whose agency is not involved, an owner who left the agency).
    elsewhere = AgencyFactory()  # involved in no case
    for worker in workers:
        if data.draw(st.booleans()):
            moved_to = data.draw(st.sampled_from([elsewhere, *agencies]))
            User.objects.filter(pk=worker.pk).update(agency=moved_to)
    User.objects.filter(pk=user.pk).update(is_active=data.draw(st.booleans()))
    for role in data.draw(role_sets):
        if role.startswith("coordinator"):
            RoleAssignment.objects.create(
                user=user, role=Role.COORDINATOR, area=areas[role.split("-")[1]]
            )
        else:
            RoleAssignment.objects.create(user=user, role=role)
    user = data.draw(st.sampled_from([user, user, colleague, referrers[0]]))
    user = User.objects.get(pk=user.pk)  # fresh: roles are read from the current rows

    cases = expected_cases(user)
    referrals = expected_referrals(user)
    assert set(Case.objects.visible_to(user).values_list("pk", flat=True)) == cases
    assert set(Referral.objects.visible_to(user).values_list("pk", flat=True)) == referrals
    visible_children = set(Child.objects.visible_to(user).values_list("pk", flat=True))
    expected_children = set(
        Case.objects.filter(pk__in=cases).values_list("child_id", flat=True)
    ) | set(Referral.objects.filter(pk__in=referrals).values_list("child_id", flat=True))
    assert visible_children == expected_children
    assert set(Action.objects.visible_to(user).values_list("pk", flat=True)) == set(
        Action.objects.filter(case_id__in=cases).values_list("pk", flat=True)
    )
    assert set(RiskAssessment.objects.visible_to(user).values_list("pk", flat=True)) == set(
        RiskAssessment.objects.filter(
            Q(case_id__in=cases) | Q(referral_id__in=referrals)
        ).values_list("pk", flat=True)
    )


def test_a_moved_user_loses_access_at_once():
    old, new = AgencyFactory(), AgencyFactory()
    case = make_case(agencies=[old])
    lead = UserFactory(roles=["agency_lead"], agency=old)
    assert Case.objects.visible_to(User.objects.get(pk=lead.pk)).filter(pk=case.pk).exists()

    User.objects.filter(pk=lead.pk).update(agency=new)

    assert not Case.objects.visible_to(User.objects.get(pk=lead.pk)).exists()


def test_a_deactivated_user_sees_nothing():
    make_case()
    user = UserFactory(roles=["auditor"], is_active=False)

    assert not Case.objects.visible_to(user).exists()


# --- the research list (panel meetings): its own narrow scope --------------------------


def expected_research(user: User, today: dt.date) -> set[int]:
    """The research list rule in plain Python: case items still on the agenda (to be heard
    or heard) of a meeting whose list is open today (published, minutes not approved, no
    more than MEETING_RESEARCH_DAYS_AFTER days past), for an active non-staff user who
    audits, coordinates the meeting's area, or is named for a member agency they are
    still in."""
    from django.conf import settings as django_settings

    from meetings.models import AgendaItem, MeetingMember

    if not user.is_active or user.is_staff or user.is_superuser:
        return set()
    roles = set(RoleAssignment.objects.filter(user=user).values_list("role", "area_id"))
    audits = any(role == Role.AUDITOR for role, _ in roles)
    areas = {area for role, area in roles if role == Role.COORDINATOR}
    oldest = today - dt.timedelta(days=django_settings.MEETING_RESEARCH_DAYS_AFTER)
    seen = set()
    for item in AgendaItem.objects.select_related("meeting"):
        meeting = item.meeting
        if item.kind != "case" or meeting is None or item.status not in ("pending", "heard"):
            continue
        if not (
            meeting.status in ("published", "held")
            and meeting.published_at is not None
            and meeting.approved_at is None
            and meeting.date >= oldest
        ):
            continue
        seat = MeetingMember.objects.filter(
            meeting=meeting, representative=user, agency_id=user.agency_id
        ).exists()
        if audits or meeting.area_id in areas or (user.agency_id and seat):
            seen.add(item.pk)
    return seen


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_research_scope_matches_the_rule_and_never_widens_the_case_scope(data):
    from meetings.models import (
        AgendaItem,
        Meeting,
        MeetingMember,
        ResearchListEntry,
        ResearchReturn,
    )
    from panel.dates import london_today

    today = london_today()
    areas = {"staffs": staffordshire(), "stoke": stoke()}
    agencies = list(Agency.objects.all()[:3])
    while len(agencies) < 3:
        agencies.append(AgencyFactory())
    user = UserFactory(agency=data.draw(st.sampled_from(agencies)))
    colleague = UserFactory(agency=data.draw(st.sampled_from(agencies)))
    boss = UserFactory(
        roles=[(Role.COORDINATOR, areas["staffs"]), (Role.COORDINATOR, areas["stoke"])]
    )

    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        area = areas[data.draw(st.sampled_from(["staffs", "stoke"]))]
        status = data.draw(
            st.sampled_from(["scheduled", "published", "held", "approved", "cancelled"])
        )
        published = status != "scheduled" and data.draw(st.integers(0, 4)) > 0
        meeting = Meeting.objects.create(
            area=area,
            date=today + dt.timedelta(days=data.draw(st.sampled_from([-20, -15, -14, -1, 0, 3]))),
            start_time=dt.time(10),
            venue="Test Venue (fictional)",
            status=status,
            published_at=timezone.now() if published else None,
            approved_at=timezone.now() if status == "approved" else None,
            cancel_reason="Fictional." if status == "cancelled" else "",
            created_by=boss,
        )
        for agency in data.draw(st.lists(st.sampled_from(agencies), max_size=3, unique=True)):
            MeetingMember.objects.create(
                meeting=meeting,
                agency=agency,
                representative=data.draw(st.sampled_from([user, colleague, None])),
            )
        for _ in range(data.draw(st.integers(min_value=0, max_value=2))):
            involved = data.draw(st.lists(st.sampled_from(agencies), max_size=2, unique=True))
            item = AgendaItem.objects.create(
                area=area,
                meeting=meeting,
                case=make_case(area=area, agencies=involved, coordinator_user=boss),
                status=data.draw(
                    st.sampled_from(["pending", "heard", "not_reached", "moved", "withdrawn"])
                ),
                added_by=boss,
            )
            for agency in data.draw(st.lists(st.sampled_from(agencies), max_size=2, unique=True)):
                ResearchReturn.objects.create(
                    item=item,
                    agency=agency,
                    outcome="nothing_held",
                    recorded_by=boss,
                    recorded_at=timezone.now(),
                )
        if data.draw(st.booleans()):
            AgendaItem.objects.create(
                area=area, meeting=meeting, kind="general", case=None, title="Fictional.",
                added_by=boss,
            )  # fmt: skip

    # Membership moves after the meetings were set up: access follows it live.
    if data.draw(st.booleans()):
        User.objects.filter(pk=user.pk).update(agency=data.draw(st.sampled_from(agencies)))
    seat = MeetingMember.objects.filter(representative=user).first()
    if seat is not None and data.draw(st.integers(0, 4)) == 0:
        seat.delete()  # removed from one meeting (or their agency removed)
    User.objects.filter(pk=user.pk).update(
        is_active=data.draw(st.integers(0, 5)) > 0, is_staff=data.draw(st.integers(0, 8)) == 0
    )
    for role in data.draw(role_sets):
        if role.startswith("coordinator"):
            RoleAssignment.objects.create(
                user=user, role=Role.COORDINATOR, area=areas[role.split("-")[1]]
            )
        else:
            RoleAssignment.objects.create(user=user, role=role)
    user = User.objects.get(pk=user.pk)

    research = expected_research(user, today)
    assert set(ResearchListEntry.objects.visible_to(user).values_list("pk", flat=True)) == research
    # Never wider: the research list adds nothing to the case, child or referral scopes.
    # (expected_cases does not know staff: staff read nothing, as cases/access.py says.)
    staff = user.is_staff
    cases = set() if staff else expected_cases(user)
    assert set(Case.objects.visible_to(user).values_list("pk", flat=True)) == cases
    assert set(Referral.objects.visible_to(user).values_list("pk", flat=True)) == (
        set() if staff else expected_referrals(user)
    )
    # Returns: every one on a case the user sees; their agency's own on the open entries at
    # which they hold a live seat; all for auditors.
    seat_items = {
        pk
        for pk in research
        if user.agency_id
        and MeetingMember.objects.filter(
            meeting__items__pk=pk, representative=user, agency_id=user.agency_id
        ).exists()
    }
    if not user.is_active or user.is_staff:
        expected_returns = set()
    elif user.is_auditor:
        expected_returns = set(ResearchReturn.objects.values_list("pk", flat=True))
    else:
        expected_returns = {
            r.pk
            for r in ResearchReturn.objects.select_related("item")
            if r.item.case_id in cases
            or (r.agency_id == user.agency_id and r.item_id in seat_items)
        }
    assert set(ResearchReturn.objects.visible_to(user).values_list("pk", flat=True)) == (
        expected_returns
    )


# --- intelligence (issue 13): need to know within need to know ---------------------------


def reads_at_all(user: User) -> bool:
    """Active, and neither staff nor superuser (who configure the panel and read nothing)."""
    return user.is_active and not (user.is_staff or user.is_superuser)


class IntelligenceRule:
    """The rule as the README ("Who sees intelligence") states it, in plain Python from the
    current rows (role rows, the user's agency, IntelligenceGrant rows), never through
    intelligence/access.py:

    - the area's coordinators: all of the area's intelligence, whatever its handling code;
    - agency leads of an agency granted the area: its items graded P, and those graded C
      that came from their own agency;
    - auditors: everything, read-only;
    - anyone else (referrers, leads not granted, staff, inactive accounts): none of it.

    A link is seen in full only with the link and every record it joins; a sighting with
    its link (and its location, if any); disruption with the person or location it is
    against, in an area whose intelligence the user sees. Missing episodes are case data:
    whoever sees the case."""

    def __init__(self, user: User) -> None:
        from intelligence.models import IntelligenceGrant

        self.user = user
        self.reads = reads_at_all(user)
        roles = set(RoleAssignment.objects.filter(user=user).values_list("role", "area_id"))
        self.auditor = self.reads and any(role == Role.AUDITOR for role, _ in roles)
        self.areas = {a for role, a in roles if role == Role.COORDINATOR} if self.reads else set()
        lead = self.reads and user.agency_id and any(r == Role.AGENCY_LEAD for r, _ in roles)
        grants = IntelligenceGrant.objects.values_list("area_id", "agency_id")
        self.granted = {a for a, agency in grants if lead and agency == user.agency_id}

    def sees(self, item) -> bool:
        """A graded item (person, location, vehicle or link) by its area and handling code."""
        if not self.reads:
            return False
        if self.auditor or item.area_id in self.areas:
            return True
        return item.area_id in self.granted and (
            item.handling_code == "P" or item.source_agency_id == self.user.agency_id
        )

    def sees_link(self, link) -> bool:
        joined = [link.person, link.other_person, link.location, link.vehicle]
        return self.sees(link) and all(self.sees(r) for r in joined if r is not None)

    def sees_sighting(self, sighting) -> bool:
        return self.sees_link(sighting.link) and (
            sighting.location is None or self.sees(sighting.location)
        )

    def sees_disruption(self, disruption) -> bool:
        if self.auditor:
            return self.reads
        return disruption.area_id in (self.areas | self.granted) and self.sees(
            disruption.person or disruption.location
        )

    def may_record(self, area_id: int) -> bool:
        """Coordinators and granted leads record in the area; auditors change nothing."""
        if not self.reads or self.auditor:
            return False
        return area_id in self.areas or area_id in self.granted

    def may_merge(self, area_id: int) -> bool:
        return self.reads and not self.auditor and area_id in self.areas


def graded(data, areas, agencies) -> dict:
    code = data.draw(st.sampled_from(["P", "C"]))
    return {
        "area": data.draw(st.sampled_from(areas)),
        "handling_code": code,
        "handling_conditions": "Not to be shared further (fictional)." if code == "C" else "",
        "source_agency": data.draw(st.sampled_from(agencies)),
    }


# Agency leads twice as often: theirs is the rule with most to it (grants, handling codes).
intelligence_roles = st.lists(
    st.sampled_from(
        [
            "coordinator-staffs",
            "coordinator-stoke",
            "agency_lead",
            "agency_lead",
            "referrer",
            "auditor",
        ]
    ),
    max_size=3,
    unique=True,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_intelligence_scopes_match_the_rule(data):
    # Each example in a savepoint of its own, rolled back: examples otherwise share the
    # test's transaction, and the rows (and the brute force over them) grow with each one.
    with transaction.atomic():
        intelligence_example(data)
        transaction.set_rollback(True)


def intelligence_example(data):
    from intelligence import access
    from intelligence.models import (
        Disruption,
        IntelligenceGrant,
        Link,
        Location,
        MissingEpisode,
        PersonOfConcern,
        Sighting,
        Vehicle,
    )
    from tests.factories import (
        LinkFactory,
        LocationFactory,
        PersonOfConcernFactory,
        VehicleFactory,
        coordinator,
    )

    areas = {"staffs": staffordshire(), "stoke": stoke()}
    both = list(areas.values())
    agencies = list(Agency.objects.all()[:3])
    while len(agencies) < 3:
        agencies.append(AgencyFactory())
    bosses = {area.pk: coordinator(area) for area in both}
    boss = bosses[areas["staffs"].pk]
    # Grants: any of the six (area, agency) pairs, so an agency may be granted one area,
    # both or none.
    for area, agency in data.draw(
        st.lists(st.sampled_from([(a, g) for a in both for g in agencies]), unique=True)
    ):
        IntelligenceGrant.objects.create(area=area, agency=agency)
    user = UserFactory(agency=data.draw(st.sampled_from([*agencies, None])))

    persons = [
        PersonOfConcernFactory(created_by=boss, **graded(data, both, agencies))
        for _ in range(data.draw(st.integers(min_value=2, max_value=3)))
    ]
    locations = [
        LocationFactory(created_by=boss, **graded(data, both, agencies))
        for _ in range(data.draw(st.integers(min_value=1, max_value=2)))
    ]
    vehicles = [
        VehicleFactory(created_by=boss, **graded(data, both, agencies))
        for _ in range(data.draw(st.integers(min_value=1, max_value=2)))
    ]
    records = [*persons, *locations, *vehicles]

    # A case or two (the user sometimes its lead professional) and a referral at triage.
    cases = []
    for _ in range(data.draw(st.integers(min_value=1, max_value=2))):
        involved = data.draw(st.lists(st.sampled_from(agencies), max_size=2, unique=True))
        lead_prof = user if user.agency_id and data.draw(st.booleans()) else None
        if lead_prof and lead_prof.agency not in involved:
            involved.append(lead_prof.agency)
        area = data.draw(st.sampled_from(both))
        cases.append(
            make_case(
                area=area,
                agencies=involved,
                coordinator_user=bosses[area.pk],
                lead_professional=lead_prof,
            )
        )
    referral = make_referral(child=ChildFactory(area=data.draw(st.sampled_from(both))))

    # Links: a child's (on a case or the referral) to one record, or two records joined.
    # The link's area is that of the record it is about (the first one).
    links = []
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        grading = graded(data, both, agencies)
        if data.draw(st.booleans()):
            subject = data.draw(st.sampled_from(records))
            child = {"case": data.draw(st.sampled_from(cases)), "referral": None}
            if data.draw(st.integers(0, 3)) == 0:
                child = {"case": None, "referral": referral}
            joined = {type(subject)._meta.model_name.replace("ofconcern", ""): subject}
        else:
            shape = data.draw(
                st.sampled_from([("person", "other_person"), ("person", "location")])
                | st.sampled_from([("person", "vehicle"), ("location", "vehicle")])
            )
            pools = {
                "person": persons, "other_person": persons, "location": locations,
                "vehicle": vehicles,
            }  # fmt: skip
            first = data.draw(st.sampled_from(pools[shape[0]]))
            second = data.draw(st.sampled_from([r for r in pools[shape[1]] if r != first]))
            joined = {shape[0]: first, shape[1]: second}
            child = {"case": None, "referral": None}
        fields = {"person": None, "other_person": None, "location": None, "vehicle": None}
        fields.update(joined)
        about = fields["person"] or fields["location"] or fields["vehicle"]
        grading["area"] = about.area
        links.append(LinkFactory(recorded_by=boss, **child, **fields, **grading))
    for link in data.draw(st.lists(st.sampled_from(links), min_size=1, max_size=2)):
        Sighting.objects.create(
            link=link,
            seen_at=timezone.now(),
            location=data.draw(st.sampled_from([*locations, None])),
            recorded_by=boss,
        )
    for _ in range(data.draw(st.integers(min_value=0, max_value=3))):
        subject = data.draw(st.sampled_from([*persons, *locations]))
        Disruption.objects.create(
            area=subject.area,
            person=subject if isinstance(subject, PersonOfConcern) else None,
            location=subject if isinstance(subject, Location) else None,
            kind="patrol",
            date=dt.date(2026, 1, 1),
            agency=data.draw(st.sampled_from(agencies)),
            recorded_by=boss,
        )
    for case in data.draw(st.lists(st.sampled_from(cases), max_size=2)):
        MissingEpisode.objects.create(
            case=case,
            reported_missing_at=timezone.now() - dt.timedelta(days=2),
            found_location=data.draw(st.sampled_from([*locations, None])),
            recorded_by=boss,
        )

    User.objects.filter(pk=user.pk).update(
        is_active=data.draw(st.integers(0, 5)) > 0, is_staff=data.draw(st.integers(0, 8)) == 0
    )
    for role in data.draw(intelligence_roles):
        if role.startswith("coordinator"):
            RoleAssignment.objects.create(
                user=user, role=Role.COORDINATOR, area=areas[role.split("-")[1]]
            )
        else:
            RoleAssignment.objects.create(user=user, role=role)
    user = data.draw(st.sampled_from([user, user, user, boss]))
    user = User.objects.get(pk=user.pk)  # fresh: roles and grants from the current rows
    rule = IntelligenceRule(user)

    def ids(queryset) -> set[int]:
        return set(queryset.values_list("pk", flat=True))

    for model in (PersonOfConcern, Location, Vehicle):
        expected = {r.pk for r in model.objects.all() if rule.sees(r)}
        assert ids(model.objects.visible_to(user)) == expected, model.__name__
    assert ids(Link.objects.visible_to(user)) == {
        link.pk for link in Link.objects.all() if rule.sees_link(link)
    }
    assert ids(Sighting.objects.visible_to(user)) == {
        s.pk for s in Sighting.objects.select_related("link") if rule.sees_sighting(s)
    }
    assert ids(Disruption.objects.visible_to(user)) == {
        d.pk for d in Disruption.objects.all() if rule.sees_disruption(d)
    }
    # Case data: who sees the case sees its episodes, and that its child is linked.
    seen_cases = expected_cases(user) if reads_at_all(user) else set()
    seen_referrals = expected_referrals(user) if reads_at_all(user) else set()
    assert ids(MissingEpisode.objects.visible_to(user)) == {
        e.pk for e in MissingEpisode.objects.all() if e.case_id in seen_cases
    }
    assert ids(Link.objects.on_cases_visible_to(user)) == {
        link.pk
        for link in Link.objects.all()
        if link.case_id in seen_cases or link.referral_id in seen_referrals
    }
    for area in both:
        assert access.may_record(user, area.pk) == rule.may_record(area.pk), area
        assert access.may_merge(user, area.pk) == rule.may_merge(area.pk), area
    assert access.sees_intelligence(user) == (
        rule.auditor or bool(rule.areas) or bool(rule.granted)
    )
