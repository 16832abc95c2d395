import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from cases import services
from cases.models import Case, Referral, Review
from cases.services import AnswerInput
from cases.workflow import InvalidTransition
from panel.dates import london_today
from panel.errors import Conflict
from tests.factories import (
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
    stoke,
    years_ago,
)

pytestmark = pytest.mark.django_db


def test_a_referral_records_the_referrer_the_assessment_and_audit_events():
    by = referrer()
    referral = make_referral(
        by=by,
        answers={"online-grooming": AnswerInput("present", "Fictional evidence.", "0_6")},
    )

    assessment = referral.assessments.get()
    assert referral.referrer == by
    assert referral.referrer_agency == by.agency
    assert assessment.computed_level == assessment.final_level == "medium"
    assert set(AuditEvent.objects.filter(actor=by).values_list("verb", "object_type")) == {
        ("created", "cases.referral"),
        ("created", "cases.riskassessment"),
    }


@pytest.mark.parametrize("years", [16, 17])
def test_16_and_17_year_olds_are_referred_and_accepted_without_question(years):
    child = ChildFactory(date_of_birth=years_ago(years, 10))
    referral = make_referral(child=child)

    case = services.accept_referral(
        coordinator(), referral=referral, reason="Fictional.", lead_agency=AgencyFactory()
    )

    assert case.child == child
    assert referral.young_adult_reason == ""


def test_a_young_adult_needs_a_reason_and_over_25_is_refused():
    young_adult = ChildFactory(date_of_birth=years_ago(19))
    with pytest.raises(ValidationError) as error:
        make_referral(child=young_adult)
    assert "young_adult_reason" in error.value.message_dict

    referral = make_referral(child=young_adult, young_adult_reason="Learning disability.")
    assert referral.pk

    with pytest.raises(ValidationError) as error:
        services.check_date_of_birth(years_ago(26), timezone.now().date(), "A reason.")
    assert "over 25" in error.value.message_dict["date_of_birth"][0]


def test_a_date_of_birth_in_the_future_is_refused():
    with pytest.raises(ValidationError) as error:
        services.create_child(
            referrer(),
            first_name="Testchild",
            last_name="Future",
            date_of_birth=timezone.now().date() + dt.timedelta(days=1),
            gender="male",
            area=staffordshire(),
        )
    assert "date_of_birth" in error.value.message_dict


def test_immediate_risk_needs_the_police_contact_recorded():
    with pytest.raises(ValidationError) as error:
        make_referral(immediate_risk=True)
    assert set(error.value.message_dict) == {
        "police_contacted_at",
        "police_contacted_by",
        "police_incident_number",
    }
    assert not Referral.objects.exists()


def test_an_override_needs_a_reason():
    with pytest.raises(ValidationError) as error:
        make_referral(override_level="high")
    assert "override_reason" in error.value.message_dict
    assert not Referral.objects.exists()


def test_a_present_indicator_needs_evidence():
    with pytest.raises(ValidationError) as error:
        make_referral(answers={"hotspots": AnswerInput("present")})
    assert "hotspots" in error.value.message_dict


def test_submitting_the_same_form_twice_makes_one_referral():
    import uuid

    by = referrer()
    token = uuid.uuid4()
    first = make_referral(by=by, submission_token=token)
    second = make_referral(by=by, submission_token=token)

    assert first.pk == second.pk
    assert Referral.objects.count() == 1


def test_accepting_opens_a_case_with_a_reference_and_a_review_by_the_risk_cadence():
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)):
        referral = make_referral(
            answers={"controlled-by-adult": AnswerInput("present", "Fictional.")}
        )
        case = services.accept_referral(
            coordinator(), referral=referral, reason="Fictional.", lead_agency=AgencyFactory()
        )

    assert case.reference == "CSE-2026-0001"
    assert case.status == "awaiting_panel"
    assert case.risk_level == "high"
    assert case.reviews.get().due_date == dt.date(2026, 3, 16)
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.case == case


def test_references_are_sequential_per_year_and_never_reused():
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)):
        first = make_case()
    with time_machine.travel(dt.datetime(2027, 1, 1, 9, 0, tzinfo=dt.UTC)):
        second = make_case()
        third = make_case()

    assert [first.reference, second.reference, third.reference] == [
        "CSE-2026-0001",
        "CSE-2027-0001",
        "CSE-2027-0002",
    ]


def test_only_a_coordinator_of_the_area_triages():
    referral = make_referral()
    for user in [referrer(), agency_lead(), auditor(), coordinator(area=_stoke())]:
        with pytest.raises(PermissionDenied):
            services.accept_referral(user, referral=referral, reason="Fictional.")
    assert not Case.objects.exists()


def _stoke():
    from tests.factories import stoke

    return stoke()


def test_a_referral_is_triaged_once():
    referral = make_referral()
    services.triage_referral(
        coordinator(), referral=referral, outcome="no_further_action", reason="Fictional."
    )
    with pytest.raises(Conflict):
        services.accept_referral(coordinator(), referral=referral, reason="Fictional.")


def test_a_re_referral_after_closure_gets_a_new_case_linked_to_the_old_one():
    boss = coordinator()
    first = make_case(coordinator_user=boss)
    services.transition_case(
        boss,
        case=first,
        to_status="closed",
        closure_reason="risk_reduced",
        closure_summary="Fictional summary.",
    )

    again = make_referral(child=first.child)
    second = services.accept_referral(
        boss, referral=again, reason="Fictional.", lead_agency=first.lead_agency
    )

    assert second.pk != first.pk
    assert second.previous_case == first


def test_a_second_referral_for_an_active_case_joins_it():
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    again = make_referral(child=case.child)

    assert services.accept_referral(boss, referral=again, reason="Fictional.") == case
    assert case.referrals.count() == 2


def test_illegal_transitions_are_refused():
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    with pytest.raises(InvalidTransition):
        services.transition_case(boss, case=case, to_status="awaiting_panel")


def test_closing_needs_no_open_actions_and_cancels_the_upcoming_review():
    boss = coordinator()
    agency = AgencyFactory()
    case = make_case(
        coordinator_user=boss, agencies=[agency], lead_professional=UserFactory(agency=agency)
    )
    services.transition_case(boss, case=case, to_status="open")
    action = services.add_action(
        boss,
        case=case,
        description="Fictional action.",
        owning_agency=agency,
        due_date=dt.date(2030, 1, 1),
    )
    close = {"closure_reason": "risk_reduced", "closure_summary": "Fictional."}

    with pytest.raises(ValidationError) as error:
        services.transition_case(boss, case=case, to_status="closed", **close)
    assert "actions" in error.value.message_dict

    services.update_action(
        boss, action=action, version=action.version, status="done", completion_note="Done."
    )
    closed = services.transition_case(boss, case=case, to_status="closed", **close)

    assert closed.status == "closed"
    assert not closed.reviews.filter(status=Review.Status.UPCOMING).exists()


def test_reopening_needs_a_reason_and_schedules_a_review():
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    services.transition_case(
        boss, case=case, to_status="closed", closure_reason="other", closure_summary="Fictional."
    )
    with pytest.raises(ValidationError):
        services.transition_case(boss, case=case, to_status="open")

    reopened = services.transition_case(boss, case=case, to_status="open", reason="New concerns.")

    assert reopened.reviews.filter(status="upcoming").count() == 1
    assert list(reopened.transitions.values_list("to_status", flat=True)) == [
        "awaiting_panel",
        "closed",
        "open",
    ]


def test_a_stale_action_update_is_a_conflict_and_changes_nothing():
    boss = coordinator()
    agency = AgencyFactory()
    lead = agency_lead(agency)
    case = make_case(coordinator_user=boss, agencies=[agency])
    action = services.add_action(
        boss,
        case=case,
        description="Fictional.",
        owning_agency=agency,
        due_date=dt.date(2030, 1, 1),
    )
    seen = action.version
    services.update_action(lead, action=action, version=seen, note="First.")

    with pytest.raises(Conflict):
        services.update_action(lead, action=action, version=seen, status="in_progress")

    action.refresh_from_db()
    assert action.status == "open"
    assert action.updates.count() == 1


def test_a_new_assessment_sets_the_risk_and_re_sets_the_review():
    boss = coordinator()
    with time_machine.travel(dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)):
        case = make_case(coordinator_user=boss)
        assert case.risk_level == "low"
        services.record_assessment(
            boss, case=case, answers={"disclosure": AnswerInput("present", "Fictional.")}
        )

    case.refresh_from_db()
    assert case.risk_level == "high"
    assert case.reviews.get(status="upcoming").due_date == dt.date(2026, 5, 15)


def test_auditors_change_nothing_whatever_else_they_hold():
    area = staffordshire()
    case = make_case(area=area)
    both = auditor()
    both.role_assignments.create(role="coordinator", area=area)
    both = type(both).objects.get(pk=both.pk)

    with pytest.raises(PermissionDenied):
        services.add_note(both, case=case, text="Fictional.")


# --- issue 8, point 2: an unanswered matrix is not assessed, never low ---------------------


def test_a_referral_with_the_matrix_unanswered_is_not_assessed():
    referral = make_referral(
        answers={
            "hotspots": AnswerInput("unknown"),
            "learning-disability": AnswerInput("present", "Fictional."),  # context only
        }
    )

    assessment = referral.assessments.get()
    assert assessment.computed_level is None
    assert assessment.final_level is None
    assert not assessment.assessed


def test_a_matrix_answered_all_not_present_is_low(matrix):
    answers = {
        i.code: AnswerInput("not_present") for i in matrix.indicators.exclude(band="vulnerability")
    }

    assert make_referral(answers=answers).assessments.get().final_level == "low"


def test_an_under_13_keeps_the_never_low_floor_once_assessed():
    young = ChildFactory(date_of_birth=years_ago(11))

    assessment = make_referral(child=young).assessments.get()  # answered: nothing present

    assert assessment.final_level == "medium"


def test_a_not_assessed_referral_is_not_accepted_until_a_coordinator_assesses_it():
    boss = coordinator()
    referral = make_referral(answers={})

    with pytest.raises(ValidationError) as error:
        services.accept_referral(
            boss, referral=referral, reason="Fictional.", lead_agency=AgencyFactory()
        )

    assert "not been assessed" in error.value.message_dict["assessment"][0]
    assert not Case.objects.exists()
    referral.refresh_from_db()
    assert referral.status == "submitted"

    services.assess_referral(
        boss,
        referral=referral,
        answers={"online-grooming": AnswerInput("present", "Fictional evidence.")},
    )
    case = services.accept_referral(
        boss, referral=referral, reason="Fictional.", lead_agency=AgencyFactory()
    )

    assert case.risk_level == "medium"


def test_a_coordinator_may_assess_a_referral_by_professional_judgement_with_a_reason():
    boss = coordinator()
    referral = make_referral(answers={})

    with pytest.raises(ValidationError) as error:
        services.assess_referral(boss, referral=referral, answers={})
    assert "answers" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.assess_referral(boss, referral=referral, answers={}, override_level="high")

    assessment = services.assess_referral(
        boss,
        referral=referral,
        answers={},
        override_level="high",
        override_reason="Fictional: police intelligence shared at triage.",
    )
    case = services.accept_referral(
        boss, referral=referral, reason="Fictional.", lead_agency=AgencyFactory()
    )

    assert (assessment.computed_level, assessment.final_level) == (None, "high")
    assert case.risk_level == "high"


def test_only_the_areas_coordinators_assess_a_referral_and_only_while_it_awaits_triage():
    referral = make_referral(answers={})
    answered = {"hotspots": AnswerInput("not_present")}
    for outsider in [referrer(), agency_lead(), auditor(), coordinator(stoke())]:
        with pytest.raises(PermissionDenied):
            services.assess_referral(outsider, referral=referral, answers=answered)
    boss = coordinator()
    services.triage_referral(boss, referral=referral, outcome="no_further_action", reason="F.")

    with pytest.raises(Conflict):
        services.assess_referral(boss, referral=referral, answers=answered)


@pytest.mark.parametrize(
    "answers",
    [{}, {"hotspots": AnswerInput("unknown")}, {"looked-after": AnswerInput("present", "F.")}],
    ids=["blank", "unknown", "vulnerability-only"],
)
def test_an_unanswered_matrix_on_a_case_is_refused(answers):
    boss = coordinator()
    case = make_case(coordinator_user=boss)

    with pytest.raises(ValidationError) as error:
        services.record_assessment(boss, case=case, answers=answers)

    assert "not an assessment" in error.value.message_dict["answers"][0]
    assert case.assessments.count() == 1


# --- issue 8, point 3: closing as "risk reduced" needs a current assessment, not high ------


RISK_REDUCED = {"closure_reason": "risk_reduced", "closure_summary": "Fictional summary."}
HIGH = {"controlled-by-adult": AnswerInput("present", "Fictional.")}
LOW = {"hotspots": AnswerInput("not_present")}


def test_a_case_assessed_high_does_not_close_as_risk_reduced():
    boss = coordinator()
    case = make_case(coordinator_user=boss, answers=HIGH)

    with pytest.raises(ValidationError) as error:
        services.transition_case(boss, case=case, to_status="closed", **RISK_REDUCED)

    assert "high" in error.value.message_dict["closure_reason"][0]
    case.refresh_from_db()
    assert case.status == "awaiting_panel"
    # Another reason, recorded as such, is still possible.
    services.transition_case(
        boss, case=case, to_status="closed", closure_reason="moved_out", closure_summary="F."
    )


def test_closing_as_risk_reduced_needs_an_assessment_since_the_latest_review():
    boss = coordinator()
    agency = AgencyFactory()
    opened = timezone.now() - dt.timedelta(days=30)
    case = make_case(coordinator_user=boss, agencies=[agency], now=opened)
    services.hold_review(
        boss,
        review=case.reviews.get(),
        held_on=london_today(),
        outcome="Fictional outcome.",
        risk_level_after="low",
        attending_agencies=[agency],
    )

    with pytest.raises(ValidationError) as error:
        services.transition_case(boss, case=case, to_status="closed", **RISK_REDUCED)
    assert "before the latest review" in error.value.message_dict["closure_reason"][0]

    services.record_assessment(boss, case=case, answers=LOW)
    closed = services.transition_case(boss, case=case, to_status="closed", **RISK_REDUCED)

    assert closed.status == "closed"
    assert closed.risk_level == "low"


def test_a_new_high_assessment_at_closure_refuses_risk_reduced():
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    services.record_assessment(boss, case=case, answers=HIGH)

    with pytest.raises(ValidationError):
        services.transition_case(boss, case=case, to_status="closed", **RISK_REDUCED)
