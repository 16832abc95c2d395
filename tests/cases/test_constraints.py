"""The database itself refuses rows that break the domain's rules, whatever code writes
them: each test bypasses forms and services and writes the bad row directly."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cases.models import Action, Case, Child, Referral, Review, RiskAnswer, RiskAssessment
from notifications.models import Notification
from panel.models import Agency, Area, Role, RoleAssignment
from tests.factories import (
    AgencyFactory,
    ChildFactory,
    UserFactory,
    coordinator,
    make_case,
    make_referral,
    staffordshire,
)

pytestmark = pytest.mark.django_db


def refused(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_area_needs_a_front_door_phone():
    refused(lambda: Area.objects.create(name="Elsewhere", slug="elsewhere", front_door_name="X"))


def test_agency_kind_must_be_known():
    refused(lambda: Agency.objects.create(name="Odd", kind="astrology"))


def test_coordinator_role_needs_an_area_and_other_roles_have_none():
    user = UserFactory()
    refused(lambda: RoleAssignment.objects.create(user=user, role=Role.COORDINATOR))
    refused(
        lambda: RoleAssignment.objects.create(
            user=user, role=Role.AGENCY_LEAD, area=staffordshire()
        )
    )
    refused(lambda: RoleAssignment.objects.create(user=user, role="superhero"))


def test_a_role_is_held_once():
    user = UserFactory(roles=["referrer", ("coordinator", staffordshire())])
    refused(lambda: RoleAssignment.objects.create(user=user, role=Role.REFERRER))
    refused(
        lambda: RoleAssignment.objects.create(
            user=user, role=Role.COORDINATOR, area=staffordshire()
        )
    )


def test_child_needs_names_and_a_known_gender():
    refused(lambda: ChildFactory(first_name=""))
    refused(lambda: ChildFactory(gender="unspecified-value"))


def test_case_status_and_risk_level_must_be_known():
    case = make_case()
    refused(lambda: Case.objects.filter(pk=case.pk).update(status="lost"))
    refused(lambda: Case.objects.filter(pk=case.pk).update(risk_level="extreme"))


def test_a_closed_case_has_a_date_reason_and_summary():
    case = make_case()
    refused(lambda: Case.objects.filter(pk=case.pk).update(status="closed"))
    refused(
        lambda: Case.objects.filter(pk=case.pk).update(
            status="closed", closed_at=timezone.now(), closure_reason="risk_reduced"
        )
    )
    refused(lambda: Case.objects.filter(pk=case.pk).update(closed_at=timezone.now()))


def test_a_case_cannot_close_before_it_opened():
    case = make_case()
    refused(
        lambda: Case.objects.filter(pk=case.pk).update(
            status="closed",
            closed_at=case.opened_at - dt.timedelta(days=1),
            closure_reason="other",
            closure_summary="Fictional.",
        )
    )


def test_case_reference_is_unique_and_well_formed():
    case = make_case()
    other = make_case()
    refused(lambda: Case.objects.filter(pk=other.pk).update(reference=case.reference))
    refused(lambda: Case.objects.filter(pk=other.pk).update(reference="CASE-42"))


def test_a_case_has_one_upcoming_review():
    case = make_case()
    assert case.reviews.filter(status="upcoming").count() == 1
    refused(lambda: Review.objects.create(case=case, due_date=dt.date(2030, 1, 1)))


def test_a_held_review_has_an_outcome_and_its_next_date_follows_it():
    review = make_case().reviews.get()
    refused(
        lambda: Review.objects.filter(pk=review.pk).update(status="held", held_on=dt.date.today())
    )
    refused(
        lambda: Review.objects.filter(pk=review.pk).update(
            status="held",
            held_on=dt.date(2026, 5, 1),
            outcome="Fictional.",
            risk_level_after="low",
            next_due_date=dt.date(2026, 4, 1),
        )
    )


def test_an_immediate_risk_referral_records_police_contact():
    referral = make_referral()
    refused(lambda: Referral.objects.filter(pk=referral.pk).update(immediate_risk=True))


def test_a_referral_says_how_contact_happens():
    referral = make_referral()
    refused(lambda: Referral.objects.filter(pk=referral.pk).update(contact_online=False))


def test_a_triaged_referral_has_a_reason_and_an_accepted_one_a_case():
    referral = make_referral()
    refused(
        lambda: Referral.objects.filter(pk=referral.pk).update(
            status="no_further_action", triaged_at=timezone.now(), triaged_by=coordinator()
        )
    )
    refused(
        lambda: Referral.objects.filter(pk=referral.pk).update(
            status="accepted",
            triaged_at=timezone.now(),
            triaged_by=coordinator(),
            outcome_reason="Fictional.",
        )
    )
    refused(
        lambda: Referral.objects.filter(pk=referral.pk).update(
            status="no_further_action",
            outcome_route="s47",
            triaged_at=timezone.now(),
            triaged_by=coordinator(),
            outcome_reason="Fictional.",
        )
    )


def test_an_override_needs_a_reason_and_the_final_level_follows_it():
    assessment = make_referral().assessments.get()
    refused(lambda: RiskAssessment.objects.filter(pk=assessment.pk).update(final_level="high"))
    refused(
        lambda: RiskAssessment.objects.filter(pk=assessment.pk).update(
            override_level="high", final_level="high"
        )
    )


def test_a_level_is_null_only_when_not_assessed_and_not_overridden():
    assessed = make_referral().assessments.get()
    not_assessed = make_referral(answers={}).assessments.get()
    update = RiskAssessment.objects.filter

    assert (not_assessed.computed_level, not_assessed.final_level) == (None, None)
    refused(lambda: update(pk=assessed.pk).update(final_level=None))
    refused(lambda: update(pk=assessed.pk).update(computed_level=None))
    refused(lambda: update(pk=not_assessed.pk).update(final_level="low"))
    refused(
        lambda: update(pk=not_assessed.pk).update(
            override_level="high", override_reason="Fictional."
        )
    )
    update(pk=not_assessed.pk).update(
        override_level="high", override_reason="Fictional.", final_level="high"
    )


def test_a_present_indicator_has_evidence():
    referral = make_referral(answers={})
    assessment = referral.assessments.get()
    indicator = assessment.tool.indicators.first()
    refused(
        lambda: RiskAnswer.objects.create(
            assessment=assessment, indicator=indicator, answer="present", evidence=""
        )
    )


def test_a_done_action_has_a_note_and_a_cancelled_one_a_reason():
    agency = AgencyFactory()
    case = make_case(agencies=[agency])
    action = Action.objects.create(
        case=case,
        description="Fictional action.",
        owning_agency=agency,
        due_date=dt.date(2030, 1, 1),
        created_by=coordinator(),
    )
    refused(lambda: Action.objects.filter(pk=action.pk).update(status="done"))
    refused(lambda: Action.objects.filter(pk=action.pk).update(status="cancelled"))
    refused(lambda: Action.objects.filter(pk=action.pk).update(four_p="panic"))


def test_a_notification_key_is_used_once():
    user = UserFactory()
    Notification.objects.create(recipient=user, kind="review_due", link="/", key="k1")
    refused(
        lambda: Notification.objects.create(recipient=user, kind="review_due", link="/", key="k1")
    )


def test_a_child_with_a_case_cannot_be_deleted_even_with_raw_sql():
    case = make_case()
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM cases_child WHERE id = %s", [case.child_id])
        # Foreign keys are checked at commit; ask for the check now.
        connection.check_constraints()
    assert Child.objects.filter(pk=case.child_id).exists()


def test_the_migration_turns_unanswered_lows_into_not_assessed():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("cases.migrations.0008_assessment_not_assessed")
    unanswered = make_referral(answers={}).assessments.get()
    overridden = make_referral(answers={}).assessments.get()
    answered = make_referral().assessments.get()
    # As saved before: an unanswered matrix scored low.
    RiskAssessment.objects.filter(pk=unanswered.pk).update(computed_level="low", final_level="low")
    RiskAssessment.objects.filter(pk=overridden.pk).update(
        computed_level="low", override_level="high", override_reason="F.", final_level="high"
    )

    migration.unanswered_is_not_assessed(apps, None)

    levels = dict(RiskAssessment.objects.values_list("pk", "final_level"))
    assert levels == {unanswered.pk: None, overridden.pk: "high", answered.pk: "low"}
    assert RiskAssessment.objects.get(pk=overridden.pk).computed_level is None
