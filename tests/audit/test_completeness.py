"""Every write service leaves exactly the audit events it should (DESIGN.md rule 2).

The table below names each service with its expected events; a new service that takes an
``actor`` and is missing from the table fails test_every_write_service_is_covered."""

import datetime as dt
import importlib
import inspect
import pkgutil
from collections import Counter

import pytest

from audit.models import AuditEvent
from cases import services
from cases.services import AnswerInput
from panel import services as panel_services
from panel.dates import london_today
from tests.factories import (
    ANSWERED,
    AgencyFactory,
    ChildFactory,
    UserFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    make_referral,
    referrer,
    staffordshire,
    years_ago,
)

pytestmark = pytest.mark.django_db

EVIDENCE = AnswerInput("present", "Fictional evidence.")


def events_of(action) -> Counter:
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    action()
    return Counter(AuditEvent.objects.filter(id__gt=before).values_list("verb", "object_type"))


def _create_child():
    services.create_child(
        referrer(), first_name="Testchild", last_name="Audit-01", date_of_birth=years_ago(14),
        gender="male", area=staffordshire(),
    )  # fmt: skip


def _submit_referral():
    make_referral(answers={"hotspots": EVIDENCE})


def _refer_new_child():
    services.refer_new_child(
        referrer(),
        child_fields={
            "first_name": "Testchild", "last_name": "Audit-02", "date_of_birth": years_ago(15),
            "gender": "female", "area": staffordshire(),
        },
        referrer_role="Test role", referrer_contact="Test contact", concerns="Fictional.",
        contact_online=True, answers=ANSWERED,
    )  # fmt: skip


def _triage():
    referral = make_referral()
    return lambda: services.triage_referral(
        coordinator(), referral=referral, outcome="no_further_action", reason="Test."
    )


def _accept():
    referral = make_referral()
    agency = AgencyFactory()
    return lambda: services.accept_referral(
        coordinator(),
        referral=referral,
        reason="Test.",
        lead_agency=agency,
        involved_agencies=[agency],
    )


def _confirm_new_child():
    referral = make_referral()
    return lambda: services.confirm_new_child(coordinator(), referral=referral)


def _link_referral_to_child():
    known = make_referral().child
    referral = make_referral(child=ChildFactory(date_of_birth=known.date_of_birth))
    return lambda: services.link_referral_to_child(coordinator(), referral=referral, child=known)


def _undo_child_merge():
    boss = coordinator()
    known = make_referral().child
    referral = make_referral(child=ChildFactory(date_of_birth=known.date_of_birth))
    services.link_referral_to_child(boss, referral=referral, child=known)
    return lambda: services.undo_child_merge(boss, referral=referral)


def _cross_area_signal():
    from tests.factories import stoke

    held = ChildFactory(area=stoke())
    make_referral(child=held)
    coordinator(stoke())
    referral = make_referral(
        child=ChildFactory(
            first_name=held.first_name, last_name=held.last_name, date_of_birth=held.date_of_birth
        )
    )
    return lambda: services.cross_area_signal(coordinator(), referral=referral)


def _record_assessment():
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    return lambda: services.record_assessment(boss, case=case, answers={"disclosure": EVIDENCE})


def _assess_referral():
    referral = make_referral(answers={})
    boss = coordinator()
    return lambda: services.assess_referral(
        boss, referral=referral, answers={"disclosure": EVIDENCE}
    )


def _transition():
    boss = coordinator()
    case = make_case(coordinator_user=boss, lead_professional=UserFactory())
    return lambda: services.transition_case(boss, case=case, to_status="open")


def _add_note():
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    return lambda: services.add_note(boss, case=case, text="Fictional note.")


def _add_action():
    boss = coordinator()
    agency = AgencyFactory()
    case = make_case(coordinator_user=boss, agencies=[agency])
    return lambda: services.add_action(
        boss, case=case, description="Test.", owning_agency=agency, due_date=dt.date(2030, 1, 1)
    )


def _update_action():
    boss = coordinator()
    agency = AgencyFactory()
    case = make_case(coordinator_user=boss, agencies=[agency])
    action = services.add_action(
        boss, case=case, description="Test.", owning_agency=agency, due_date=dt.date(2030, 1, 1)
    )
    return lambda: services.update_action(
        agency_lead(agency), action=action, version=action.version, note="Progress."
    )


def _reassign_action():
    boss = coordinator()
    agency, other = AgencyFactory(), AgencyFactory()
    case = make_case(coordinator_user=boss, agencies=[agency, other])
    action = services.add_action(
        boss, case=case, description="Test.", owning_agency=agency, due_date=dt.date(2030, 1, 1)
    )
    return lambda: services.reassign_action(
        boss, action=action, version=action.version, owning_agency=other, owner=None,
        due_date=dt.date(2030, 2, 1), priority="high", four_p="protect",
    )  # fmt: skip


def _hold_review():
    boss = coordinator()
    agency = AgencyFactory()
    case = make_case(coordinator_user=boss, agencies=[agency])
    review = case.reviews.get()
    return lambda: services.hold_review(
        boss, review=review, held_on=london_today(), outcome="Test.", risk_level_after="low",
        attending_agencies=[agency],
    )  # fmt: skip


def _set_case_team():
    boss = coordinator()
    agency = AgencyFactory()
    case = make_case(coordinator_user=boss)
    return lambda: services.set_case_team(
        boss, case=case, version=case.version, involved_agencies=[agency], lead_agency=agency,
        lead_professional=None, local_support_team=None,
    )  # fmt: skip


def _update_child_details():
    child = make_referral().child
    return lambda: services.update_child_details(
        coordinator(), child=child, version=child.version, gender="male",
        ethnicity_code="white_irish", ethnicity="Fictional", school_or_setting="",
    )  # fmt: skip


def _grant_role():
    admin = UserFactory(is_staff=True, is_superuser=True, agency=None)
    user = UserFactory()
    return lambda: panel_services.grant_role(
        actor=admin, user=user, role="coordinator", area=staffordshire()
    )


def _revoke_role():
    admin = UserFactory(is_staff=True, is_superuser=True, agency=None)
    user = auditor()
    return lambda: panel_services.revoke_role(actor=admin, user=user, role="auditor")


def immediate(action):
    return lambda: action


EXPECTED = {
    # panel/services.py: roles
    "grant_role": (_grant_role, {("created", "panel.roleassignment"): 1}),
    "revoke_role": (_revoke_role, {("updated", "panel.roleassignment"): 1}),
    "create_child": (immediate(_create_child), {("created", "cases.child"): 1}),
    "submit_referral": (
        immediate(_submit_referral),
        # (the factory makes the child directly, so only the referral and its assessment)
        {("created", "cases.referral"): 1, ("created", "cases.riskassessment"): 1},
    ),
    "refer_new_child": (
        immediate(_refer_new_child),
        {
            ("created", "cases.child"): 1,
            ("created", "cases.referral"): 1,
            ("created", "cases.riskassessment"): 1,
        },
    ),
    "triage_referral": (_triage, {("transitioned", "cases.referral"): 1}),
    "accept_referral": (
        _accept,
        {
            ("created", "cases.case"): 1,
            ("updated", "cases.case"): 1,  # the involved agency
            ("transitioned", "cases.referral"): 1,
        },
    ),
    "confirm_new_child": (_confirm_new_child, {("updated", "cases.referral"): 1}),
    "link_referral_to_child": (
        _link_referral_to_child,
        {("updated", "cases.referral"): 1, ("created", "cases.childmerge"): 1},
    ),
    # Shown (on this side) and told (on the other): DESIGN rule 8's one exception.
    "cross_area_signal": (
        _cross_area_signal,
        {("viewed", "cases.referral"): 1, ("created", "notifications.notification"): 1},
    ),
    "undo_child_merge": (
        _undo_child_merge,
        {("updated", "cases.referral"): 1, ("updated", "cases.childmerge"): 1},
    ),
    "record_assessment": (
        _record_assessment,
        {("created", "cases.riskassessment"): 1, ("updated", "cases.case"): 1},
    ),
    "assess_referral": (_assess_referral, {("created", "cases.riskassessment"): 1}),
    "transition_case": (_transition, {("transitioned", "cases.case"): 1}),
    "add_note": (_add_note, {("created", "cases.casenote"): 1}),
    "add_action": (_add_action, {("created", "cases.action"): 1}),
    "update_action": (_update_action, {("updated", "cases.action"): 1}),
    "reassign_action": (_reassign_action, {("updated", "cases.action"): 1}),
    "hold_review": (
        _hold_review,
        {("updated", "cases.review"): 1, ("created", "cases.review"): 1},
    ),
    "set_case_team": (_set_case_team, {("updated", "cases.case"): 1}),
    "update_child_details": (_update_child_details, {("updated", "cases.child"): 1}),
}


# --- intelligence (issue 13): each part's services in its own block ---------------------
# Keys are "intelligence.<module>.<function>" for intelligence/services/<module>.py.


# part: records
def _intel_records():
    from intelligence.services import records as r

    return r, coordinator(staffordshire(), agency=AgencyFactory())


_GRADE = {"source_evaluation": "B", "intelligence_assessment": "2", "handling_code": "P"}


def _create_person():
    r, boss = _intel_records()
    return lambda: r.create_person(boss, area=staffordshire(), name="Testperson-A", **_GRADE)


def _update_person():
    from tests.factories import PersonOfConcernFactory

    r, boss = _intel_records()
    person = PersonOfConcernFactory()
    return lambda: r.update_person(boss, person=person, version=1, name="Testperson-B")


def _set_person_status():
    from tests.factories import PersonOfConcernFactory

    r, boss = _intel_records()
    person = PersonOfConcernFactory()
    return lambda: r.set_person_status(boss, person=person, version=1, status="no_longer")


def _add_identifier():
    from tests.factories import PersonOfConcernFactory

    r, boss = _intel_records()
    person = PersonOfConcernFactory()
    return lambda: r.add_identifier(boss, person=person, kind="alias", value="Testalias")


def _remove_identifier():
    from intelligence.models import PersonIdentifier
    from tests.factories import PersonOfConcernFactory

    r, boss = _intel_records()
    ident = PersonIdentifier.objects.create(
        person=PersonOfConcernFactory(), kind="alias", value="Testalias"
    )
    return lambda: r.remove_identifier(boss, identifier=ident)


def _create_location():
    r, boss = _intel_records()
    return lambda: r.create_location(
        boss, area=staffordshire(), name="Testplace 1", kind="park", **_GRADE
    )


def _update_location():
    from tests.factories import LocationFactory

    r, boss = _intel_records()
    location = LocationFactory()
    return lambda: r.update_location(boss, location=location, version=1, name="Testplace 2")


def _create_vehicle():
    r, boss = _intel_records()
    return lambda: r.create_vehicle(boss, area=staffordshire(), registration="TE1 2ST", **_GRADE)


def _update_vehicle():
    from tests.factories import VehicleFactory

    r, boss = _intel_records()
    vehicle = VehicleFactory()
    return lambda: r.update_vehicle(boss, vehicle=vehicle, version=1, colour="Testred")


EXPECTED |= {
    "intelligence.records.create_person": (
        _create_person, {("created", "intelligence.personofconcern"): 1}
    ),
    "intelligence.records.update_person": (
        _update_person, {("updated", "intelligence.personofconcern"): 1}
    ),
    "intelligence.records.set_person_status": (
        _set_person_status, {("transitioned", "intelligence.personofconcern"): 1}
    ),
    "intelligence.records.add_identifier": (
        _add_identifier, {("created", "intelligence.personidentifier"): 1}
    ),
    "intelligence.records.remove_identifier": (
        _remove_identifier, {("updated", "intelligence.personofconcern"): 1}
    ),
    "intelligence.records.create_location": (
        _create_location, {("created", "intelligence.location"): 1}
    ),
    "intelligence.records.update_location": (
        _update_location, {("updated", "intelligence.location"): 1}
    ),
    "intelligence.records.create_vehicle": (
        _create_vehicle, {("created", "intelligence.vehicle"): 1}
    ),
    "intelligence.records.update_vehicle": (
        _update_vehicle, {("updated", "intelligence.vehicle"): 1}
    ),
}  # fmt: skip


def _merge_records():
    from intelligence.services import merges
    from tests.factories import VehicleFactory

    boss = coordinator(staffordshire())
    kept, dup = VehicleFactory(), VehicleFactory()
    return lambda: merges.merge_records(boss, kind="vehicle", kept=kept, merged=dup, reason="T")


def _unmerge():
    from intelligence.services import merges
    from tests.factories import VehicleFactory

    boss = coordinator(staffordshire())
    kept, dup = VehicleFactory(), VehicleFactory()
    merge = merges.merge_records(boss, kind="vehicle", kept=kept, merged=dup, reason="T")
    return lambda: merges.unmerge(boss, merge=merge, reason="Undo")


EXPECTED |= {
    "intelligence.merges.merge_records": (_merge_records, {("created", "intelligence.merge"): 1}),
    "intelligence.merges.unmerge": (_unmerge, {("created", "intelligence.merge"): 1}),
}
# end part: records


# part: links
def _links_boss():
    return coordinator(staffordshire(), agency=AgencyFactory())


_GRADED = {"source_evaluation": "B", "intelligence_assessment": "2"}


def _record_link():
    from tests.factories import PersonOfConcernFactory

    boss = _links_boss()
    case = make_case(coordinator_user=boss)
    person = PersonOfConcernFactory()
    from intelligence.services import links

    return lambda: links.record_link(
        boss, case=case, person=person, relationship="seen_with", **_GRADED
    )


def _a_link():
    from tests.factories import LinkFactory

    boss = _links_boss()
    return boss, LinkFactory(case=make_case(coordinator_user=boss))


def _update_link():
    from intelligence.services import links

    boss, link = _a_link()
    return lambda: links.update_link(
        boss, link=link, version=1, relationship="gave_gifts", **_GRADED
    )


def _end_link():
    from intelligence.services import links

    boss, link = _a_link()
    return lambda: links.end_link(boss, link=link, reason="Recorded in error (test).")


def _add_sighting():
    from django.utils import timezone

    from intelligence.services import links

    boss, link = _a_link()
    return lambda: links.add_sighting(boss, link=link, seen_at=timezone.now(), place="Testplace")


def _carry_referral_links():
    from intelligence.models import Link
    from tests.factories import LinkFactory

    boss = _links_boss()
    referral = make_referral()
    LinkFactory(case=None, referral=referral)
    case = services.accept_referral(
        boss, referral=referral, reason="Test.", lead_agency=AgencyFactory()
    )
    Link.objects.update(case=None)
    from intelligence.services import links

    return lambda: links.carry_referral_links(boss, referral=referral, case=case)


EXPECTED |= {
    "intelligence.links.record_link": (_record_link, {("created", "intelligence.link"): 1}),
    "intelligence.links.update_link": (_update_link, {("updated", "intelligence.link"): 1}),
    "intelligence.links.end_link": (_end_link, {("updated", "intelligence.link"): 1}),
    "intelligence.links.add_sighting": (
        _add_sighting,
        {("created", "intelligence.sighting"): 1},
    ),
    "intelligence.links.carry_referral_links": (
        _carry_referral_links,
        {("updated", "intelligence.link"): 1},
    ),
}

# part: chart and patterns
EXPECTED |= {}

# part: disruption


def _disruption_setup():
    from tests.factories import PersonOfConcernFactory, grant_intelligence

    police = AgencyFactory()
    police.areas.add(staffordshire())
    grant_intelligence(police, staffordshire())
    person = PersonOfConcernFactory(source_agency=police)
    return police, person, coordinator(staffordshire())


def _record_disruption():
    from intelligence.services.disruption import record_disruption

    police, person, boss = _disruption_setup()
    return lambda: record_disruption(
        boss, person=person, kind="cawn", date=london_today(), agency=police
    )


def _update_disruption():
    from intelligence.services.disruption import record_disruption, update_disruption

    police, person, boss = _disruption_setup()
    made = record_disruption(boss, person=person, kind="cawn", date=london_today(), agency=police)
    return lambda: update_disruption(
        boss, disruption=made, version=1, kind="arrest", date=london_today(), agency=police
    )


EXPECTED |= {
    "intelligence.disruption.record_disruption": (
        _record_disruption,
        {("created", "intelligence.disruption"): 1},
    ),
    "intelligence.disruption.update_disruption": (
        _update_disruption,
        {("updated", "intelligence.disruption"): 1},
    ),
}


# part: missing
def _record_missing_episode():
    from django.utils import timezone

    from intelligence.services import missing
    from tests.intelligence.missing_helpers import open_case

    team = open_case()
    return lambda: missing.record_episode(
        team.lead_prof, case=team.case, reported_missing_at=timezone.now()
    )


def _update_missing_episode():
    from intelligence.services import missing
    from tests.intelligence.missing_helpers import episode_on, open_case

    team = open_case()
    episode = episode_on(team.case)
    return lambda: missing.update_episode(
        team.boss, episode=episode, version=1, notes="Fictional note."
    )


EXPECTED |= {
    "intelligence.missing.record_episode": (
        _record_missing_episode,
        {("created", "intelligence.missingepisode"): 1},
    ),
    "intelligence.missing.update_episode": (
        _update_missing_episode,
        {("updated", "intelligence.missingepisode"): 1},
    ),
}


# part: sar
def _export_child_record():
    from intelligence.services.subject_access import export_child_record

    case, reader = make_case(), auditor()
    return lambda: export_child_record(reader, child=case.child, fmt="json")


EXPECTED |= {
    # Reading a child's whole record out (subject access): one event, on the child.
    "intelligence.subject_access.export_child_record": (
        _export_child_record,
        {("exported", "cases.child"): 1},
    ),
}


def _intelligence_writes() -> set[str]:
    """Every public function taking ``actor`` first in intelligence/services/*.py."""
    import intelligence.services as package

    found = set()
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if (
                fn.__module__ == module.__name__
                and not name.startswith("_")
                and next(iter(inspect.signature(fn).parameters), None) == "actor"
            ):
                found.add(f"intelligence.{info.name}.{name}")
    return found


def test_every_write_service_is_covered():
    writes = {
        name
        for module in (services, panel_services)
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        # cases.services is a package of modules; panel.services one module
        if (
            fn.__module__.startswith(f"{services.__name__}.")
            or fn.__module__ == panel_services.__name__
        )
        and not name.startswith("_")
        and next(iter(inspect.signature(fn).parameters), None) == "actor"
    }
    assert writes | _intelligence_writes() == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_service_records_exactly_its_events(name):
    arrange, expected = EXPECTED[name]
    action = arrange()

    assert events_of(action) == Counter(expected)


def test_a_refused_write_leaves_no_event_and_no_change():
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    before = AuditEvent.objects.count()

    with pytest.raises(Exception):  # noqa: B017 - any refusal will do: nothing may be left
        services.transition_case(boss, case=case, to_status="closed", closure_reason="bogus")

    assert AuditEvent.objects.count() == before
    case.refresh_from_db()
    assert case.status == "awaiting_panel"
