"""The bench data generator (bench/generate.py) at a tiny size, into the test database:
the shape of what it makes, the domain rules its rows keep, the need-to-know scope over
them, and an audit trail that verifies. PostgreSQL only: it writes with COPY."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F

from audit.verification import verify_trail
from bench.gen.core import generate
from bench.gen.plan import Plan
from cases.models import Action, Case, CaseAgency, Child, Referral, Review
from meetings.models import AgendaItem, CaseDecision, Meeting
from panel.dates import age_on
from panel.models import User

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the generator writes with PostgreSQL's COPY; run with a PostgreSQL DATABASE_URL",
    ),
]

CASES = 20


@pytest.fixture
def may_build():
    """The generator builds its own database as a user who owns it: it creates its progress
    table and moves the sequences on. With the database roles (CI: the tests connect as
    the application role, which may do neither) the owner lends the application role
    exactly those two rights for the test and takes them back after it; the table itself
    is made inside the test's transaction and rolled back with it."""
    from tests.db_owner import owner_connection, separate_owner

    if not separate_owner():
        yield
        return
    app = connection.ops.quote_name(connection.settings_dict["USER"])
    rights = [
        f"CREATE ON SCHEMA public {{}} {app}",
        f"UPDATE ON ALL SEQUENCES IN SCHEMA public {{}} {app}",
    ]
    owner = owner_connection()
    with owner.cursor() as cursor:
        for right in rights:
            cursor.execute("GRANT " + right.format("TO"))
    try:
        yield
    finally:
        with owner.cursor() as cursor:
            for right in rights:
                cursor.execute("REVOKE " + right.format("FROM"))


@pytest.fixture
def generated(settings, tmp_path, may_build):
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "anchor.json")
    plan = Plan.make(CASES, areas=2, seed=3, batch=8)
    generate("default", plan)
    return plan


def test_counts_in_the_expected_shape(generated):
    assert Case.objects.count() == CASES
    statuses = set(Case.objects.values_list("status", flat=True))
    assert "closed" in statuses
    assert Referral.objects.filter(status="accepted").count() == CASES
    assert Referral.objects.filter(status="submitted").count() == generated.awaiting_triage
    assert Child.objects.count() >= CASES - 3  # re-referrals share a child
    # The partnership report's ethnicity table has more than "not known" to count.
    assert Child.objects.exclude(ethnicity_code="not_known").exists()
    assert Action.objects.count() > CASES * 3
    # An open or awaiting case has exactly one upcoming review; a closed one none.
    for case in Case.objects.all():
        upcoming = Review.objects.filter(case=case, status="upcoming").count()
        assert upcoming == (0 if case.status == "closed" else 1)
    assert User.objects.filter(username__startswith="bench.coord.").count() == 2 * 3


def test_every_child_under_18_or_a_young_adult_with_a_reason(generated):
    for referral in Referral.objects.select_related("child"):
        age = age_on(referral.child.date_of_birth, referral.referred_at.date())
        assert age <= 25
        assert age < 18 or referral.young_adult_reason.strip(), referral.pk


def test_a_coordinator_sees_exactly_their_areas_cases(generated):
    coordinator = User.objects.get(username="bench.coord.a01.1")
    area = coordinator.role_assignments.get().area
    visible = set(Case.objects.visible_to(coordinator).values_list("pk", flat=True))
    assert visible == set(Case.objects.filter(area=area).values_list("pk", flat=True))
    assert visible


def test_an_agency_lead_sees_only_cases_their_agency_is_involved_in(generated):
    lead = User.objects.get(username="bench.lead.a01.social.1")
    visible = set(Case.objects.visible_to(lead).values_list("pk", flat=True))
    involved = set(CaseAgency.objects.filter(agency=lead.agency).values_list("case_id", flat=True))
    assert visible == involved
    assert visible


def test_each_area_has_meetings_its_coordinator_sees(generated):
    coordinator = User.objects.get(username="bench.coord.a01.1")
    area = coordinator.role_assignments.get().area
    mine = Meeting.objects.filter(area=area)
    # About monthly over the plan's months, and the next one with its agenda published.
    assert mine.count() == generated.meeting_months + 1
    assert mine.filter(status="published").count() == 1
    assert mine.filter(status="cancelled").count() == 1
    assert set(Meeting.objects.visible_to(coordinator)) == set(mine)
    # Held meetings minute a general item; cases are heard only in their own area.
    assert AgendaItem.objects.filter(meeting__area=area, kind="general", status="heard").exists()
    assert AgendaItem.objects.filter(kind="case").exists()
    assert not CaseDecision.objects.exclude(case__area=F("meeting__area")).exists()


def test_the_audit_trail_verifies(generated):
    report = verify_trail()
    assert report.ok, report.problem
    assert report.events > CASES * 10


def test_running_again_adds_nothing(generated):
    before = Case.objects.count(), Action.objects.count()
    generate("default", generated)
    assert (Case.objects.count(), Action.objects.count()) == before
    assert verify_trail().ok


def test_children_have_an_ons_ethnic_group_and_some_are_not_known(generated):
    from bench.gen.cases import ETHNICITY_WEIGHTS
    from cases.models import Ethnicity

    # The spread: every ONS 2021 category can occur, about one child in ten "not known".
    assert set(ETHNICITY_WEIGHTS) == set(Ethnicity.values)
    assert sum(ETHNICITY_WEIGHTS.values()) == 100
    assert 8 <= ETHNICITY_WEIGHTS["not_known"] <= 12
    codes = list(Child.objects.values_list("ethnicity_code", flat=True))
    assert set(codes) <= set(Ethnicity.values)
    assert len(set(codes)) > 1  # drawn from the spread, not the column's default


def test_each_area_has_an_intelligence_picture_in_proportion(generated):
    from bench.gen import intelligence as gen
    from intelligence.models import (
        Disruption,
        IntelligenceGrant,
        Link,
        Location,
        Merge,
        MissingEpisode,
        PersonOfConcern,
        Sighting,
        Vehicle,
    )
    from panel.models import Area

    for area in Area.objects.filter(slug__startswith="bench-area-"):
        cases = Case.objects.filter(area=area).count()
        current = PersonOfConcern.objects.filter(area=area).current()
        assert current.count() == max(3, cases // gen.CASES_PER_PERSON)
        assert Location.objects.filter(area=area).count() == max(3, cases // gen.CASES_PER_LOCATION)
        assert Vehicle.objects.filter(area=area).count() == max(2, cases // gen.CASES_PER_VEHICLE)
        # The area's police see its intelligence, and nobody else is granted it.
        assert list(
            IntelligenceGrant.objects.filter(area=area).values_list("agency__kind", flat=True)
        ) == ["police"]
        assert Merge.objects.filter(area=area, kind="person").exists()
    linked = Link.objects.filter(case__isnull=False).values("case_id").distinct().count()
    assert 0.1 * CASES <= linked <= 0.55 * CASES
    assert Link.objects.filter(case__isnull=True).exists()  # record to record
    assert Sighting.objects.exists()
    assert Disruption.objects.exists()
    codes = set()
    for model in (PersonOfConcern, Location, Vehicle, Link):
        codes |= set(model.objects.values_list("handling_code", flat=True))
        assert not model.objects.filter(handling_code="C", handling_conditions="").exists()
    assert codes == {"P", "C"}
    assert MissingEpisode.objects.filter(case__in=Case.objects.all()).exists()


def test_intelligence_keys_are_the_services_own(generated):
    from intelligence import keys
    from intelligence.models import (
        Location,
        PersonIdentifier,
        PersonOfConcern,
        Vehicle,
        identifier_key,
    )

    for person in PersonOfConcern.objects.all():
        assert person.name_key == keys.person_name_key(person.name)
        assert person.name.startswith("Benchperson P-") or person.name.startswith("BENCHPERSON P-")
    for location in Location.objects.all():
        assert location.name_key == keys.person_name_key(location.name)
        assert location.postcode_key == keys.postcode_key(location.postcode)
    for vehicle in Vehicle.objects.all():
        assert vehicle.registration_key == keys.registration_key(vehicle.registration)
        assert vehicle.partial == keys.is_partial(vehicle.registration)
    for identifier in PersonIdentifier.objects.all():
        assert identifier.key == identifier_key(identifier.kind, identifier.value)
    # A merged duplicate is found by the name key of the person it was merged into.
    merged = PersonOfConcern.objects.filter(merged_into__isnull=False).first()
    assert merged.name_key == merged.merged_into.name_key


def test_intelligence_has_patterns_and_repeat_missing_episodes(generated):
    from django.db.models import Count

    from intelligence import patterns
    from intelligence.models import Link, MissingEpisode

    children = (
        Link.objects.live()
        .filter(case__isnull=False)
        .values("person_id", "location_id", "vehicle_id")
        .annotate(n=Count("case__child_id", distinct=True))
        .filter(n__gte=2)
    )
    assert children.exists()
    assert patterns.patterns_for("person", Link.objects.values_list("person_id", flat=True)) or (
        patterns.patterns_for("location", Link.objects.values_list("location_id", flat=True))
    )
    held = MissingEpisode.objects.filter(interview="held")
    assert held.exists()
    assert not held.filter(interview_held_at__isnull=True).exists()
    assert not MissingEpisode.objects.filter(returned_at__lt=F("reported_missing_at")).exists()


def test_coordinators_and_police_leads_see_their_areas_intelligence(generated):
    from intelligence.models import Disruption, Link, Location, PersonOfConcern, Vehicle

    coordinator = User.objects.get(username="bench.coord.a01.1")
    police = User.objects.get(username="bench.lead.a01.police.1")
    social = User.objects.get(username="bench.lead.a01.social.1")
    for model in (PersonOfConcern, Location, Vehicle, Link, Disruption):
        assert model.objects.visible_to(coordinator).exists(), model
        assert model.objects.visible_to(police).exists(), model
        assert not model.objects.visible_to(social).exists(), model
    # Police see the P items and their own C items, not another agency's C items.
    hidden = PersonOfConcern.objects.filter(area__slug="bench-area-01", handling_code="C").exclude(
        source_agency=police.agency
    )
    assert not PersonOfConcern.objects.visible_to(police).filter(pk__in=hidden).exists()
