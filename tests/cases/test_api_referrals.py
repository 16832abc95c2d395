"""Referring a child over the API, every kind of bad input, and the coordinator's triage."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from cases import services
from cases.models import Case, Child, Referral, RiskAssessment
from panel.dates import london_today
from tests.cases.test_api import (
    NOT_FOUND,
    area_agency,
    child_body,
    client_for,
    events,
    referral_body,
)
from tests.factories import (
    ChildFactory,
    LocalSupportTeamFactory,
    UserFactory,
    agency_lead,
    coordinator,
    make_case,
    make_referral,
    referrer,
    staffordshire,
    stoke,
    years_ago,
)
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db


def refer(user, body):
    return client_for(user).post("/api/v1/referrals/", body, format="json")


def assert_nothing_saved():
    assert not Referral.objects.exists()
    assert not Child.objects.exists()
    assert not RiskAssessment.objects.exists()
    assert not AuditEvent.objects.filter(verb="created").exists()


# --- making a referral ----------------------------------------------------------------------


def test_a_referrer_refers_a_child_with_the_matrix_answers(matrix):
    me = referrer()

    response = refer(me, referral_body())

    assert response.status_code == 201
    body = response.json()
    assert body["view"] == "referrer"
    assert body["status"] == "submitted"
    assert body["child"]["age"] == 14
    referral = Referral.objects.get(pk=body["id"])
    assert referral.referrer == me and referral.area == staffordshire()
    assert referral.assessments.get().final_level == "medium"
    assert events(actor=me, verb="created") == {
        ("created", "cases.child"),
        ("created", "cases.referral"),
        ("created", "cases.riskassessment"),
    }


def test_submitting_twice_with_the_same_token_gives_the_same_referral_and_no_second_row(matrix):
    me = referrer()
    body = referral_body(submission_token=str(uuid.uuid4()))

    first = refer(me, body)
    second = refer(me, body)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Referral.objects.count() == Child.objects.count() == 1
    assert AuditEvent.objects.filter(verb="created", object_type="cases.referral").count() == 1


def test_someone_else_reusing_a_submission_token_is_refused(matrix):
    token = str(uuid.uuid4())
    refer(referrer(), referral_body(submission_token=token))

    response = refer(referrer(), referral_body(submission_token=token))

    assert response.status_code == 403
    assert Referral.objects.count() == 1


@pytest.mark.parametrize("years", [16, 17])
def test_16_and_17_year_olds_are_referred_and_accepted_like_any_child(matrix, years):
    born = years_ago(years, 10)
    response = refer(referrer(), referral_body(child_body(date_of_birth=born.isoformat())))
    assert response.status_code == 201
    assert "young_adult_reason" not in str(response.json()["child"])
    referral_id = response.json()["id"]

    accepted = client_for(coordinator(staffordshire())).post(
        f"/api/v1/referrals/{referral_id}/accept/",
        {"reason": "Meets the threshold (fictional).", "lead_agency": area_agency().pk},
        format="json",
    )

    assert accepted.status_code == 200
    case = Case.objects.get(referrals=referral_id)
    assert accepted.json()["case"] == {"id": case.pk, "reference": case.reference}
    assert case.child.age() == years
    assert "16-17" in accepted.json()["child"]["age_flags"]


def test_an_agency_lead_who_refers_sees_what_they_sent(matrix):
    response = refer(agency_lead(area_agency()), referral_body())

    assert response.status_code == 201
    assert response.json()["view"] == "referrer"
    assert Referral.objects.count() == 1


# --- bad input: one test per kind, each saving nothing -----------------------------------


def test_missing_fields_are_refused_field_by_field(matrix):
    body = referral_body(child_body())
    del body["concerns"]
    del body["child"]["first_name"]
    del body["child"]["date_of_birth"]

    response = refer(referrer(), body)

    assert response.status_code == 400
    errors = response.json()
    assert errors["concerns"] == ["This field is required."]
    assert set(errors["child"]) == {"first_name", "date_of_birth"}
    assert_nothing_saved()


def test_a_date_of_birth_in_the_future_is_refused(matrix):
    tomorrow = london_today() + dt.timedelta(days=1)

    response = refer(referrer(), referral_body(child_body(date_of_birth=tomorrow.isoformat())))

    assert response.status_code == 400
    assert response.json() == {"child": {"date_of_birth": ["Date of birth must be in the past."]}}
    assert_nothing_saved()


def test_an_impossible_date_is_refused(matrix):
    response = refer(referrer(), referral_body(child_body(date_of_birth="2012-02-30")))

    assert response.status_code == 400
    assert list(response.json()["child"]) == ["date_of_birth"]
    assert_nothing_saved()


def test_over_25_is_refused_even_with_a_reason(matrix):
    body = referral_body(
        child_body(date_of_birth=years_ago(26).isoformat()),
        young_adult_reason="Fictional reason.",
    )

    response = refer(referrer(), body)

    assert response.status_code == 400
    assert "over 25" in response.json()["child"]["date_of_birth"][0]
    assert_nothing_saved()


def test_a_young_adult_of_18_to_25_needs_a_reason(matrix):
    body = referral_body(child_body(date_of_birth=years_ago(19).isoformat()))

    refused = refer(referrer(), body)

    assert refused.status_code == 400
    assert list(refused.json()) == ["young_adult_reason"]
    assert_nothing_saved()
    body["young_adult_reason"] = "Learning disability (fictional)."
    accepted = refer(referrer(), body)
    assert accepted.status_code == 201
    assert "Young adult (18+)" in accepted.json()["child"]["age_flags"]


def test_unknown_choices_are_refused(matrix):
    body = referral_body(
        child_body(gender="unrecorded-value"),
        legal_status="not-a-status",
        answers={"not-an-indicator": {"answer": "present", "evidence": "Fictional."}},
    )

    response = refer(referrer(), body)

    assert response.status_code == 400
    errors = response.json()
    assert errors["child"]["gender"] == ['"unrecorded-value" is not a valid choice.']
    assert errors["legal_status"] == ['"not-a-status" is not a valid choice.']
    assert errors["answers"] == {"not-an-indicator": ["Not an indicator of Risk Factor Matrix v1."]}
    assert_nothing_saved()
    bad_answer = referral_body(answers={"hotspots": {"answer": "maybe"}})
    assert refer(referrer(), bad_answer).json() == {
        "answers": {"hotspots": {"answer": ['"maybe" is not a valid choice.']}}
    }


def test_an_override_without_a_reason_is_refused(matrix):
    response = refer(referrer(), referral_body(override_level="high"))

    assert response.status_code == 400
    assert list(response.json()) == ["override_reason"]
    assert_nothing_saved()


def test_immediate_risk_needs_the_police_contact_recorded(matrix):
    response = refer(referrer(), referral_body(immediate_risk=True))

    assert response.status_code == 400
    assert set(response.json()) == {
        "police_contacted_at",
        "police_contacted_by",
        "police_incident_number",
    }
    assert_nothing_saved()


def test_police_contact_in_the_future_names_the_date_or_the_time(matrix):
    london = dt.timezone(dt.timedelta(hours=1))  # BST on the day the clock is set to
    police = {
        "immediate_risk": True,
        "police_contacted_by": "Test User-0001",
        "police_incident_number": "TEST-0001",
    }
    with time_machine.travel(dt.datetime(2026, 6, 10, 9, 0, tzinfo=london), tick=False):
        tomorrow = refer(
            referrer(),
            referral_body(
                police_contacted_at="2026-06-11T08:00:00+01:00",
                **police,
            ),
        )
        later_today = refer(
            referrer(),
            referral_body(police_contacted_at="2026-06-10T10:30:00+01:00", **police),
        )

    assert tomorrow.status_code == later_today.status_code == 400
    assert tomorrow.json() == {
        "police_contacted_at": ["The date police were contacted must be today or in the past."]
    }
    assert later_today.json() == {
        "police_contacted_at": ["The time police were contacted must be now or earlier today."]
    }
    assert_nothing_saved()


def test_a_present_indicator_needs_its_evidence(matrix):
    response = refer(referrer(), referral_body(answers={"hotspots": {"answer": "present"}}))

    assert response.status_code == 400
    assert list(response.json()["answers"]) == ["hotspots"]
    assert_nothing_saved()


def test_a_referral_needs_a_way_contact_happens(matrix):
    response = refer(referrer(), referral_body(contact_online=False))

    assert response.status_code == 400
    assert list(response.json()) == ["contact_methods"]
    assert_nothing_saved()


# --- triage ---------------------------------------------------------------------------------


def test_a_coordinator_accepts_with_a_team_chosen_from_the_area():
    area = staffordshire()
    police, health = area_agency(area), area_agency(area)
    lead = UserFactory(agency=police)
    team = LocalSupportTeamFactory(area=area)
    referral = make_referral()
    user = coordinator(area)

    response = client_for(user).post(
        f"/api/v1/referrals/{referral.pk}/accept/",
        {
            "reason": "Meets the threshold (fictional).",
            "lead_agency": police.pk,
            "lead_professional": lead.pk,
            "local_support_team": team.pk,
            "lst_contact": "Fictional LST contact",
            "involved_agencies": [health.pk],
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["view"] == "panel"
    assert body["status"] == "accepted"
    assert body["version"] == 2
    case = Case.objects.get(pk=body["case"]["id"])
    assert set(case.involved_agencies.all()) == {police, health}
    assert (case.lead_professional, case.local_support_team) == (lead, team)
    assert ("created", "cases.case") in events(actor=user)
    assert ("transitioned", "cases.referral") in events(actor=user)


def test_ids_outside_the_referrals_area_are_refused_like_unknown_ones():
    referral = make_referral()
    elsewhere = area_agency(stoke())
    stoke_team = LocalSupportTeamFactory(area=stoke())

    response = client_for(coordinator(staffordshire())).post(
        f"/api/v1/referrals/{referral.pk}/accept/",
        {
            "reason": "Fictional.",
            "involved_agencies": [elsewhere.pk, 999999],
            "local_support_team": stoke_team.pk,
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "involved_agencies": [f'Invalid pk "{elsewhere.pk}" - object does not exist.'],
        "local_support_team": [f'Invalid pk "{stoke_team.pk}" - object does not exist.'],
    }
    assert not Case.objects.exists()


def test_accepting_twice_is_a_conflict_and_opens_one_case():
    referral = make_referral()
    api = client_for(coordinator(staffordshire()))
    url = f"/api/v1/referrals/{referral.pk}/accept/"
    body = {"reason": "Fictional.", "lead_agency": area_agency().pk}

    first = api.post(url, body, format="json")
    second = api.post(url, body, format="json")

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json() == {
        "detail": "This referral has already been triaged.",
        "current_version": 2,
    }
    assert Case.objects.count() == 1


def test_accepting_without_a_reason_is_refused():
    referral = make_referral()

    response = client_for(coordinator(staffordshire())).post(
        f"/api/v1/referrals/{referral.pk}/accept/", {}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"reason": ["This field is required."]}
    referral.refresh_from_db()
    assert referral.status == "submitted"


def test_a_referrer_cannot_triage_their_own_referral():
    me = referrer()
    referral = make_referral(by=me)

    response = client_for(me).post(
        f"/api/v1/referrals/{referral.pk}/decide/",
        {"outcome": "no_further_action", "reason": "Fictional."},
        format="json",
    )

    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == "submitted"


def test_a_coordinator_steps_a_referral_down_to_early_help():
    referral = make_referral()
    user = coordinator(staffordshire())

    response = client_for(user).post(
        f"/api/v1/referrals/{referral.pk}/decide/",
        {"outcome": "stepped_down", "route": "eha", "reason": "Below threshold (fictional)."},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["outcome_route"]) == ("stepped_down", "eha")
    assert events(actor=user) == {("transitioned", "cases.referral")}


def test_a_decision_needs_a_route_that_fits_the_outcome():
    referral = make_referral()
    api = client_for(coordinator(staffordshire()))
    url = f"/api/v1/referrals/{referral.pk}/decide/"

    wrong_route = api.post(
        url, {"outcome": "stepped_down", "route": "s47", "reason": "Fictional."}, format="json"
    )
    accepted_here = api.post(url, {"outcome": "accepted", "reason": "Fictional."}, format="json")

    assert wrong_route.status_code == accepted_here.status_code == 400
    assert list(wrong_route.json()) == ["route"]
    assert list(accepted_here.json()) == ["outcome"]
    referral.refresh_from_db()
    assert referral.status == "submitted"


def test_a_coordinator_links_a_referral_to_the_child_already_known():
    area = staffordshire()
    known = make_referral(child=ChildFactory(first_name="Testchild-Dup", area=area)).child
    duplicate = ChildFactory(first_name="Testchild-Dup", date_of_birth=known.date_of_birth)
    referral = make_referral(child=duplicate)
    user = coordinator(area)
    api = client_for(user)

    matches = api.get(f"/api/v1/referrals/{referral.pk}/possible-duplicates/").json()
    assert [child["id"] for child in matches["children"]] == [known.pk]

    response = api.post(
        f"/api/v1/referrals/{referral.pk}/link-child/", {"child": known.pk}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["child"]["id"] == known.pk
    assert Child.objects.get(pk=duplicate.pk).merges_out.get().into_child == known
    assert ("updated", "cases.referral") in events(actor=user)


def test_possible_duplicates_in_records_the_coordinator_cannot_see_are_not_shown():
    elsewhere = make_referral(child=ChildFactory(first_name="Testchild-Far", area=stoke())).child
    child = ChildFactory(first_name="Testchild-Far", date_of_birth=elsewhere.date_of_birth)
    referral = make_referral(child=child)
    api = client_for(coordinator(staffordshire()))

    matches = api.get(f"/api/v1/referrals/{referral.pk}/possible-duplicates/").json()
    linked = api.post(
        f"/api/v1/referrals/{referral.pk}/link-child/", {"child": elsewhere.pk}, format="json"
    )

    # Not even as a count (DESIGN.md rule 8): a match elsewhere is the other area's to find;
    # being a strong match (same folded name and date of birth), only its panel is named.
    assert matches["children"] == []
    assert [area["name"] for area in matches["held_elsewhere"]] == ["Stoke-on-Trent"]
    [held] = matches["held_elsewhere"]
    assert set(held) == {"id", "name", "front_door_name", "front_door_phone"}  # the area only
    assert linked.status_code == 400
    assert list(linked.json()) == ["child"]


def test_a_referrer_is_never_shown_possible_duplicates():
    me = referrer()
    referral = make_referral(by=me)

    response = client_for(me).get(f"/api/v1/referrals/{referral.pk}/possible-duplicates/")

    assert response.status_code == 403


def test_a_coordinator_confirms_a_new_child():
    referral = make_referral()
    user = coordinator(staffordshire())

    response = client_for(user).post(f"/api/v1/referrals/{referral.pk}/confirm-new-child/")

    assert response.status_code == 200
    assert response.json()["child_checked_at"] is not None
    assert events(actor=user) == {("updated", "cases.referral")}


# --- lists ----------------------------------------------------------------------------------


def test_referrals_filter_by_status_area_immediate_risk_and_date():
    area = staffordshire()
    urgent = make_referral(
        immediate_risk=True,
        police_contacted_at=dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC),
        police_contacted_by="Fictional officer",
        police_incident_number="INC-0001",
    )
    triaged = make_referral()
    services.triage_referral(
        coordinator(area), referral=triaged, outcome="no_further_action", reason="Fictional."
    )
    api = client_for(coordinator(area))

    def ids(query):
        return {row["id"] for row in api.get(f"/api/v1/referrals/?{query}").json()["results"]}

    today = london_today().isoformat()
    assert ids("immediate_risk=true") == {urgent.pk}
    assert ids("status=no_further_action") == {triaged.pk}
    assert ids(f"area={area.pk}") == {urgent.pk, triaged.pk}
    assert ids(f"referred_after={today}&referred_before={today}") == {urgent.pk, triaged.pk}
    assert ids("referred_before=2020-01-01") == set()
    assert api.get("/api/v1/referrals/?status=lost").status_code == 400


@pytest.mark.parametrize("rows", [1, 30])
def test_the_referral_list_takes_the_same_queries_for_1_or_30_rows(rows, django_assert_num_queries):
    area = staffordshire()
    for _ in range(rows):
        make_referral()
    api = client_for(coordinator(area))

    # roles, count, page, the referrals' assessments; then the page recorded as one
    # "listed" event (its records in one insert, however many)
    with django_assert_num_queries(4 + audit_event_queries(listed_rows=True)):
        response = api.get("/api/v1/referrals/")

    assert len(response.json()["results"]) == rows


def test_a_referrer_who_coordinates_elsewhere_takes_the_same_queries_too():
    me = coordinator(stoke())
    me.role_assignments.create(role="referrer")
    for _ in range(3):
        make_referral(by=me)
    api = client_for(me)

    with CaptureQueriesContext(connection) as queries:
        api.get("/api/v1/referrals/")

    assert len(queries) == 4 + audit_event_queries(listed_rows=True)


def test_a_referral_of_another_area_is_not_found_by_its_coordinator_guessing():
    referral = make_referral(child=ChildFactory(area=stoke()))

    response = client_for(coordinator(staffordshire())).get(f"/api/v1/referrals/{referral.pk}/")

    assert response.json() == NOT_FOUND


# --- issue 8, point 2: an unanswered matrix is not assessed, and not accepted -------------


def test_a_referral_with_the_matrix_unanswered_has_null_levels(matrix):
    response = refer(referrer(), referral_body(answers={"hotspots": {"answer": "unknown"}}))

    assert response.status_code == 201
    referral = Referral.objects.get(pk=response.json()["id"])
    body = client_for(coordinator(staffordshire())).get(f"/api/v1/referrals/{referral.pk}/")
    assessment = body.json()["assessment"]
    assert assessment["computed_level"] is None
    assert assessment["final_level"] is None


def test_accepting_a_not_assessed_referral_is_a_400_naming_why(matrix):
    referral = make_referral(answers={})
    before = AuditEvent.objects.count()

    response = client_for(coordinator(staffordshire())).post(
        f"/api/v1/referrals/{referral.pk}/accept/",
        {"reason": "Meets the threshold (fictional)."},
        format="json",
    )

    assert response.status_code == 400
    assert "not been assessed" in response.json()["assessment"][0]
    assert not Case.objects.exists()
    assert AuditEvent.objects.count() == before


def test_the_score_endpoint_gives_no_level_for_an_unanswered_matrix(matrix):
    response = client_for(referrer()).post(
        f"/api/v1/risk-tools/{matrix.pk}/score/",
        {"answers": {"hotspots": {"answer": "unknown"}}, "date_of_birth": str(years_ago(11))},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["level"] is None
    assert response.json()["label"] == "Not assessed"


def test_a_coordinator_assesses_a_not_assessed_referral_then_accepts_it(matrix):
    referral = make_referral(answers={})
    api = client_for(coordinator(staffordshire()))

    blank = api.post(
        "/api/v1/assessments/", {"referral": referral.pk, "answers": {}}, format="json"
    )
    assessed = api.post(
        "/api/v1/assessments/",
        {"referral": referral.pk, "answers": {"hotspots": {"answer": "not_present"}}},
        format="json",
    )
    accepted = api.post(
        f"/api/v1/referrals/{referral.pk}/accept/",
        {"reason": "Meets the threshold (fictional).", "lead_agency": area_agency().pk},
        format="json",
    )

    assert blank.status_code == 400
    assert "not an assessment" in str(blank.json())
    assert assessed.status_code == 201
    assert assessed.json()["final_level"] == "low"
    assert accepted.status_code == 200
    assert Case.objects.get().risk_level == "low"


def test_an_assessment_names_a_case_or_a_referral_not_both(matrix):
    referral = make_referral()
    body = {"referral": referral.pk, "answers": {"hotspots": {"answer": "not_present"}}}

    response = client_for(coordinator(staffordshire())).post(
        "/api/v1/assessments/", {**body, "case": None}, format="json"
    )
    other = client_for(coordinator(stoke())).post("/api/v1/assessments/", body, format="json")
    both = client_for(coordinator(staffordshire())).post(
        "/api/v1/assessments/", {**body, "case": make_case().pk}, format="json"
    )

    assert both.status_code == 400
    assert both.json() == {"case": ["Give a case or a referral, not both."]}
    assert response.status_code == 201
    assert other.status_code == 400  # another area's referral: not found, like a missing id
    assert "referral" in other.json()
