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
EXPECTED |= {}

# part: links
EXPECTED |= {}

# part: chart and patterns
EXPECTED |= {}

# part: disruption
EXPECTED |= {}

# part: missing
EXPECTED |= {}


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
