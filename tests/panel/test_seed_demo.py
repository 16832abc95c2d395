import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from audit.sealing import seal
from audit.verification import verify_trail
from cases.models import Action, Case, Child, Referral, Review, RiskAssessment
from panel.models import Agency, LocalSupportTeam, Role, RoleAssignment, User

pytestmark = pytest.mark.django_db

MODELS = [Agency, LocalSupportTeam, User, RoleAssignment, Child, Referral, Case, Action, Review]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in [*MODELS, RiskAssessment]}


def test_seed_demo_twice_gives_the_same_counts(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    first = counts()
    events = AuditEvent.objects.count()

    call_command("seed_demo")

    assert counts() == first
    assert AuditEvent.objects.count() == events
    assert first["Child"] >= 35
    assert first["Case"] >= 25


def test_demo_data_covers_every_status_and_risk_level_and_the_age_flags(settings):
    settings.DEBUG = True
    call_command("seed_demo")

    pairs = set(Case.objects.values_list("status", "risk_level"))
    assert pairs == {(s, r) for s in Case.Status.values for r in ["low", "medium", "high"]}
    assert set(Referral.objects.values_list("status", flat=True)) == set(Referral.Status.values)
    flags = {flag for child in Child.objects.all() for flag in child.age_flags()}
    assert {"Under 13", "16-17", "Turning 18 soon", "Young adult (18+)"} <= flags
    assert Case.objects.filter(previous_case__isnull=False).exists()
    assert {r.role for r in RoleAssignment.objects.all()} == set(Role.values)


def test_demo_children_have_a_spread_of_ethnic_groups_with_some_not_known(settings):
    settings.DEBUG = True
    call_command("seed_demo")

    codes = list(Child.objects.values_list("ethnicity_code", flat=True))
    assert codes.count("white_british") > len(codes) / 3
    assert {"not_known", "declined"} <= set(codes)
    assert len(set(codes)) >= 8
    # What the family said is kept beside the code, where the referrer wrote it down.
    assert Child.objects.filter(ethnicity_code="white_other", ethnicity="Polish").exists()


def test_demo_names_are_obviously_generated(settings):
    settings.DEBUG = True
    call_command("seed_demo")

    assert all(c.last_name.startswith("Testchild-") for c in Child.objects.all())
    assert all(a.name.startswith("Demo ") for a in Agency.objects.all())
    assert all(u.username.startswith("demo.") for u in User.objects.all())


def test_every_open_case_has_exactly_one_upcoming_review(settings):
    settings.DEBUG = True
    call_command("seed_demo")

    for case in Case.objects.exclude(status="closed"):
        assert case.reviews.filter(status="upcoming").count() == 1, case.reference
    assert not Review.objects.filter(case__status="closed", status="upcoming").exists()


def test_the_demo_audit_trail_verifies(settings):
    settings.DEBUG = True
    call_command("seed_demo")

    seal()
    assert verify_trail().ok
    assert AuditEvent.objects.filter(object_type="cases.case", verb="created").count() == (
        Case.objects.count()
    )


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_print_logins_lists_one_user_per_role(capsys):
    call_command("seed_demo", "--print-logins")

    out = capsys.readouterr().out
    for username in ["demo.coordinator", "demo.police", "demo.referrer", "demo.auditor"]:
        assert username in out
    assert not User.objects.exists()


def test_the_demo_has_a_fictional_intelligence_network(settings):
    """Issue 13: two persons of concern, three locations and one partial vehicle linked
    across four children, graded (one C item with conditions), a disruption history and
    one child missing three times in 90 days; every name obviously generated."""
    import datetime as dt

    from django.utils import timezone

    from intelligence.models import (
        Disruption,
        Link,
        Location,
        MissingEpisode,
        PersonOfConcern,
        Vehicle,
    )

    settings.DEBUG = True
    call_command("seed_demo")

    persons = list(PersonOfConcern.objects.all())
    assert len(persons) == 2
    assert all(p.name.startswith("Testperson-") and p.name.endswith(" Generated") for p in persons)
    locations = list(Location.objects.all())
    assert {loc.kind for loc in locations} == {"takeaway", "hotel", "park"}
    assert all(loc.name.startswith("Testplace ") for loc in locations)
    assert all(loc.postcode.startswith("ZZ99") for loc in locations)
    vehicle = Vehicle.objects.get()
    assert vehicle.partial
    child_links = Link.objects.filter(case__isnull=False)
    assert child_links.values("case").distinct().count() == 4
    assert {"seen_with", "gave_gifts", "picked_up_from", "found_at"} <= set(
        child_links.values_list("relationship", flat=True)
    )
    code_c = child_links.get(handling_code="C")
    assert code_c.source_evaluation == "C" and code_c.handling_conditions
    assert Link.objects.filter(case__isnull=True, person__isnull=False, vehicle=vehicle).exists()
    assert set(Disruption.objects.values_list("kind", flat=True)) == {
        "cawn",
        "licensing",
        "patrol",
    }
    since = timezone.now() - dt.timedelta(days=90)
    by_case = {}
    for episode in MissingEpisode.objects.filter(reported_missing_at__gte=since):
        by_case.setdefault(episode.case_id, []).append(episode)
    assert max(len(episodes) for episodes in by_case.values()) == 3
    interviews = {e.interview for e in MissingEpisode.objects.all()}
    assert {"offered", "held"} <= interviews
    # Each was recorded in the audit trail.
    for model in ("personofconcern", "location", "vehicle", "link", "disruption",
                  "missingepisode"):  # fmt: skip
        assert AuditEvent.objects.filter(object_type=f"intelligence.{model}").exists(), model
