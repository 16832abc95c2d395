"""Cases over the API: the list and its filters, the full record, the lifecycle, the team,
assessments, notes and live scoring."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases import services
from cases.models import Case, CaseNote, CaseTransition, RiskAssessment
from panel.dates import london_today
from tests.cases.test_api import area_agency, client_for, events
from tests.factories import (
    ANSWERED,
    ChildFactory,
    UserFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    make_referral,
    staffordshire,
    stoke,
    years_ago,
)
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db

PRESENT = {"answer": "present", "evidence": "Fictional evidence.", "recency": "0_6"}


def close(case: Case, user=None) -> Case:
    return services.transition_case(
        user or coordinator(case.area),
        case=case,
        to_status="closed",
        closure_reason="risk_reduced",
        closure_summary="Fictional summary: the risk was removed.",
    )


def transition(user, case: Case, **body):
    return client_for(user).post(f"/api/v1/cases/{case.pk}/transition/", body, format="json")


# --- list and filters -----------------------------------------------------------------------


def test_a_coordinator_lists_the_cases_of_their_area_only():
    area = staffordshire()
    mine = make_case(area=area)
    make_case(area=stoke())

    body = client_for(coordinator(area)).get("/api/v1/cases/").json()

    assert body["count"] == 1
    row = body["results"][0]
    assert row["reference"] == mine.reference
    assert row["version"] == 1
    assert row["child"]["age"] == 14
    assert row["next_review_due"] == mine.reviews.get().due_date.isoformat()


def test_cases_filter_by_status_risk_area_agency_review_due_and_opened():
    area = staffordshire()
    police = area_agency(area)
    with time_machine.travel(dt.datetime(2026, 2, 2, 10, 0, tzinfo=dt.UTC)):
        high = make_case(area=area, agencies=[police], answers=_answers("controlled-by-adult"))
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)):
        low = make_case(area=area)
        closed = close(make_case(area=area))
    api = client_for(coordinator(area))

    def refs(query):
        return {row["reference"] for row in api.get(f"/api/v1/cases/?{query}").json()["results"]}

    assert refs("status=closed") == {closed.reference}
    assert refs("risk_level=high") == {high.reference}
    assert refs(f"area={area.pk}") == {high.reference, low.reference, closed.reference}
    assert refs(f"area={stoke().pk}") == set()
    assert refs(f"agency={police.pk}") == {high.reference}
    # High risk: review in 2 weeks (16 Feb); low: 6 weeks (13 Apr); closed: none upcoming.
    assert refs("next_review_due_before=2026-02-28") == {high.reference}
    assert refs("next_review_due_after=2026-03-01") == {low.reference}
    assert refs("opened_after=2026-03-01&opened_before=2026-03-02") == {
        low.reference,
        closed.reference,
    }
    ordered = api.get("/api/v1/cases/?ordering=next_review_due&status=awaiting_panel").json()
    assert [row["reference"] for row in ordered["results"]] == [high.reference, low.reference]


def test_a_bad_filter_value_is_refused_with_its_field():
    api = client_for(coordinator(staffordshire()))

    response = api.get("/api/v1/cases/?risk_level=extreme&next_review_due_before=2026-02-30")

    assert response.status_code == 400
    assert set(response.json()) == {"risk_level", "next_review_due"}


def _answers(*codes: str) -> dict:
    return {code: services.AnswerInput(**PRESENT) for code in codes}


# --- the full record --------------------------------------------------------------------------


def test_the_case_record_shows_child_team_risk_history_actions_and_review():
    area = staffordshire()
    police = area_agency(area)
    user = coordinator(area)
    case = make_case(area=area, agencies=[police], coordinator_user=user)
    services.record_assessment(
        user,
        case=case,
        answers=_answers("hotspots"),
        override_level="high",
        override_reason="Fictional professional judgement.",
    )
    action = services.add_action(
        user,
        case=case,
        description="Fictional action.",
        owning_agency=police,
        due_date=london_today() - dt.timedelta(days=1),
        confirm_past_due=True,
    )

    body = client_for(user).get(f"/api/v1/cases/{case.pk}/").json()

    assert body["child"]["id"] == case.child_id
    assert body["child"]["age_flags"] == []
    assert body["involved_agencies"] == [{"id": police.pk, "name": police.name, "kind": "police"}]
    assert body["risk_level"] == "high"
    assert [(a["computed_level"], a["final_level"]) for a in body["risk_history"]] == [
        ("medium", "high"),
        ("low", "low"),
    ]
    assert body["risk_history"][0]["override_reason"] == "Fictional professional judgement."
    assert [(a["id"], a["is_overdue"]) for a in body["open_actions"]] == [(action.pk, True)]
    assert body["next_review_due"] == case.reviews.get(status="upcoming").due_date.isoformat()
    assert body["allowed_transitions"] == ["open", "closed"]
    assert body["previous_case"] is None and body["is_re_referral"] is False


def test_a_re_referral_links_to_the_earlier_case_only_for_those_who_may_see_it():
    area = staffordshire()
    user = coordinator(area)
    earlier = close(make_case(area=area, coordinator_user=user), user)
    police = area_agency(area)
    later = services.accept_referral(
        user,
        referral=make_referral(child=earlier.child),
        reason="Fictional re-referral.",
        lead_agency=police,
        involved_agencies=[police],
    )

    as_coordinator = client_for(user).get(f"/api/v1/cases/{later.pk}/").json()
    as_police = client_for(agency_lead(police)).get(f"/api/v1/cases/{later.pk}/").json()

    assert as_coordinator["previous_case"] == {"id": earlier.pk, "reference": earlier.reference}
    assert as_police["previous_case"] is None
    assert as_police["is_re_referral"] is True
    assert earlier.reference not in str(as_police)


def _re_referred_pair():
    area = staffordshire()
    user = coordinator(area)
    earlier = close(make_case(area=area, coordinator_user=user), user)
    police = area_agency(area)
    later = services.accept_referral(
        user,
        referral=make_referral(child=earlier.child),
        reason="Fictional re-referral.",
        lead_agency=police,
        involved_agencies=[police],
    )
    return user, police, earlier, later


@pytest.mark.parametrize("role", ["coordinator", "agency_lead", "auditor"])
def test_the_web_case_page_and_the_api_scope_linked_cases_alike(client, role):
    """Web and API use one rule: the reference and link of an earlier or later case are
    shown only to those who may open it; others learn only that one exists."""
    user, police, earlier, later = _re_referred_pair()
    viewer = {"coordinator": user, "agency_lead": agency_lead(police), "auditor": auditor()}[role]
    sees_earlier = role != "agency_lead"
    client.force_login(viewer)

    api = client_for(viewer).get(f"/api/v1/cases/{later.pk}/").json()
    web_later = client.get(reverse("cases:case-detail", args=[later.pk])).content.decode()
    earlier_url = reverse("cases:case-detail", args=[earlier.pk])
    later_url = reverse("cases:case-detail", args=[later.pk])

    assert api["is_re_referral"] is True
    assert (api["previous_case"] is not None) is sees_earlier
    assert (earlier.reference in web_later) is sees_earlier
    assert (f'href="{earlier_url}"' in web_later) is sees_earlier
    assert ("An earlier case exists" in web_later) is not sees_earlier
    # The earlier case's page names its re-referral to those who may open the later one;
    # the agency lead is on the later case only, so the earlier page is theirs to miss.
    if role == "agency_lead":
        assert client.get(earlier_url).status_code == 404
        return
    web_earlier = client.get(earlier_url).content.decode()
    assert later.reference in web_earlier and f'href="{later_url}"' in web_earlier


def test_an_agency_lead_on_the_earlier_case_only_learns_a_later_case_exists(client):
    _, _, earlier, later = _re_referred_pair()
    lead = agency_lead(earlier.lead_agency)
    client.force_login(lead)

    page = client.get(reverse("cases:case-detail", args=[earlier.pk])).content.decode()

    assert "A later case exists" in page
    assert later.reference not in page
    assert reverse("cases:case-detail", args=[later.pk]) not in page


# --- query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 30])
def test_the_case_list_takes_the_same_queries_for_1_or_30_rows(rows, django_assert_num_queries):
    area = staffordshire()
    user = coordinator(area)
    police = area_agency(area)
    for _ in range(rows):
        make_case(area=area, agencies=[police], coordinator_user=user)
    api = client_for(user)

    # roles, count, the page's ids in order (cases.selectors.CasePaginator), the page (with
    # the next review due), the involved agencies; then the page recorded as one "listed"
    # event (its records in one insert, however many)
    with django_assert_num_queries(5 + audit_event_queries(listed_rows=True)):
        response = api.get("/api/v1/cases/")

    assert len(response.json()["results"]) == rows


def _detail_queries() -> int:
    # roles; the case; its agencies, assessments, open actions and referrals; then the
    # "viewed" audit event: the viewer's agency and one INSERT (issue 9: no savepoint, no
    # read of the chain's last hash and no advisory lock on PostgreSQL any more).
    return 6 + 2


@pytest.mark.parametrize("rows", [1, 30])
def test_the_case_record_takes_the_same_queries_for_1_or_30_actions_and_assessments(
    rows, django_assert_num_queries
):
    area = staffordshire()
    user = coordinator(area)
    police = area_agency(area)
    case = make_case(area=area, agencies=[police], coordinator_user=user)
    for number in range(rows):
        services.add_action(
            user,
            case=case,
            description=f"Fictional action {number}.",
            owning_agency=police,
            owner=UserFactory(agency=police),
            due_date=london_today(),
        )
        services.record_assessment(user, case=case, answers=ANSWERED)
    api = client_for(user)

    with django_assert_num_queries(_detail_queries()):
        response = api.get(f"/api/v1/cases/{case.pk}/")

    assert len(response.json()["open_actions"]) == rows
    assert len(response.json()["risk_history"]) == rows + 1


# --- the lifecycle ------------------------------------------------------------------------


def test_a_case_is_opened_closed_and_reopened_through_one_transition_action():
    case = make_case(lead_professional=UserFactory())
    user = coordinator(staffordshire())

    opened = transition(user, case, to_status="open", reason="Heard at panel (fictional).")
    closed = transition(
        user,
        case,
        to_status="closed",
        closure_reason="risk_reduced",
        closure_summary="Fictional summary: the risk was removed.",
    )
    reopened = transition(user, case, to_status="open", reason="New concerns (fictional).")

    assert [r.status_code for r in (opened, closed, reopened)] == [200, 200, 200]
    assert [r.json()["status"] for r in (opened, closed, reopened)] == ["open", "closed", "open"]
    assert reopened.json()["version"] == 4
    assert closed.json()["allowed_transitions"] == ["open"]
    assert AuditEvent.objects.filter(actor=user, verb="transitioned").count() == 3


def test_a_transition_from_the_wrong_state_is_409_and_changes_nothing():
    case = make_case(lead_professional=UserFactory())
    user = coordinator(staffordshire())
    transition(user, case, to_status="open")
    before = AuditEvent.objects.count()

    response = transition(user, case, to_status="awaiting_panel")

    assert response.status_code == 409
    assert response.json() == {
        "detail": f"{case.reference} is open: it cannot be moved to awaiting panel.",
        "current_status": "open",
        "current_version": 2,
    }
    case.refresh_from_db()
    assert (case.status, case.version) == ("open", 2)
    assert CaseTransition.objects.filter(case=case).count() == 2
    assert AuditEvent.objects.count() == before


def test_closing_needs_a_reason_and_a_summary():
    case = make_case()

    response = transition(coordinator(staffordshire()), case, to_status="closed")

    assert response.status_code == 400
    assert set(response.json()) == {"closure_reason", "closure_summary"}
    case.refresh_from_db()
    assert case.status == "awaiting_panel"


def test_an_unknown_status_is_refused_as_an_unknown_choice():
    case = make_case()

    response = transition(coordinator(staffordshire()), case, to_status="archived")

    assert response.status_code == 400
    assert response.json() == {"to_status": ['"archived" is not a valid choice.']}


def test_an_agency_lead_on_the_case_may_not_move_it():
    police = area_agency()
    case = make_case(agencies=[police])

    response = transition(agency_lead(police), case, to_status="open")

    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == "awaiting_panel"


# --- the team --------------------------------------------------------------------------------


def test_a_coordinator_names_the_team_with_the_version_they_read():
    area = staffordshire()
    police, health = area_agency(area), area_agency(area)
    case = make_case(area=area, agencies=[police])
    lead = UserFactory(agency=health)
    user = coordinator(area)

    response = client_for(user).post(
        f"/api/v1/cases/{case.pk}/team/",
        {
            "version": 1,
            "involved_agencies": [health.pk],
            "lead_agency": health.pk,
            "lead_professional": lead.pk,
            "lst_contact": "Fictional LST contact",
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 2
    assert [a["id"] for a in body["involved_agencies"]] == [health.pk]
    assert body["lead_professional"] == {"id": lead.pk, "name": str(lead)}
    assert events(actor=user) == {("updated", "cases.case")}
    # Taking police off the case takes its leads' access away at once.
    assert client_for(agency_lead(police)).get(f"/api/v1/cases/{case.pk}/").status_code == 404


def test_a_stale_version_on_the_team_is_409_and_changes_nothing():
    area = staffordshire()
    police, health = area_agency(area), area_agency(area)
    case = make_case(area=area, agencies=[police])
    user = coordinator(area)
    services.set_case_team(
        user,
        case=case,
        version=1,
        involved_agencies=[police],
        lead_agency=police,
        lead_professional=None,
        local_support_team=None,
    )

    response = client_for(user).post(
        f"/api/v1/cases/{case.pk}/team/",
        {"version": 1, "involved_agencies": [health.pk]},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    case.refresh_from_db()
    assert list(case.involved_agencies.all()) == [police]
    assert case.version == 2


def test_a_team_needs_an_agency_and_ids_from_the_cases_area():
    case = make_case()
    elsewhere = area_agency(stoke())
    api = client_for(coordinator(staffordshire()))
    url = f"/api/v1/cases/{case.pk}/team/"

    empty = api.post(url, {"version": 1, "involved_agencies": []}, format="json")
    foreign = api.post(url, {"version": 1, "involved_agencies": [elsewhere.pk]}, format="json")
    no_version = api.post(url, {"involved_agencies": []}, format="json")

    assert empty.json() == {"involved_agencies": ["At least one agency must be involved."]}
    assert foreign.json() == {
        "involved_agencies": [f'Invalid pk "{elsewhere.pk}" - object does not exist.']
    }
    assert no_version.json() == {"version": ["This field is required."]}
    case.refresh_from_db()
    assert case.version == 1


# --- assessments ------------------------------------------------------------------------------


def test_an_agency_lead_on_the_case_records_an_assessment_that_sets_the_risk_level():
    police = area_agency()
    case = make_case(agencies=[police])
    lead = agency_lead(police)

    response = client_for(lead).post(
        "/api/v1/assessments/",
        {"case": case.pk, "answers": {"controlled-by-adult": PRESENT}},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["computed_level"], body["final_level"]) == ("high", "high")
    assert body["case"] == {"id": case.pk, "reference": case.reference}
    assert body["answers"][0]["indicator"] == "controlled-by-adult"
    case.refresh_from_db()
    assert case.risk_level == "high"
    assert events(actor=lead) == {("created", "cases.riskassessment"), ("updated", "cases.case")}


def test_an_assessment_override_without_a_reason_is_refused():
    case = make_case()

    response = client_for(coordinator(staffordshire())).post(
        "/api/v1/assessments/",
        {
            "case": case.pk,
            "answers": {"hotspots": {"answer": "not_present"}},
            "override_level": "high",
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["override_reason"]
    assert RiskAssessment.objects.filter(case=case).count() == 1


def test_an_assessment_on_a_closed_case_is_refused_and_does_not_reopen_it():
    case = close(make_case())

    response = client_for(coordinator(staffordshire())).post(
        "/api/v1/assessments/", {"case": case.pk, "answers": {}}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["This case is closed. Re-open it before a new assessment."]
    }
    case.refresh_from_db()
    assert case.status == "closed"


def test_assessments_filter_by_case():
    area = staffordshire()
    first, second = make_case(area=area), make_case(area=area)

    body = client_for(coordinator(area)).get(f"/api/v1/assessments/?case={first.pk}").json()

    assert [row["case"]["id"] for row in body["results"]] == [first.pk]
    assert second.reference not in str(body)


# --- notes ------------------------------------------------------------------------------------


def test_a_note_is_added_and_listed_by_case_and_never_reopens_a_closed_case():
    area = staffordshire()
    user = coordinator(area)
    case = close(make_case(area=area))
    other = make_case(area=area)
    api = client_for(user)

    response = api.post(
        "/api/v1/notes/", {"case": case.pk, "text": "Fictional note."}, format="json"
    )
    api.post("/api/v1/notes/", {"case": other.pk, "text": "Another."}, format="json")

    assert response.status_code == 201
    assert response.json()["author"]["id"] == user.pk
    listed = api.get(f"/api/v1/notes/?case={case.pk}").json()["results"]
    assert [row["text"] for row in listed] == ["Fictional note."]
    case.refresh_from_db()
    assert case.status == "closed"
    assert events(actor=user, object_type="cases.casenote") == {
        ("created", "cases.casenote"),
        ("listed", "cases.casenote"),
    }


def test_an_empty_note_is_refused():
    case = make_case()

    response = client_for(coordinator(staffordshire())).post(
        "/api/v1/notes/", {"case": case.pk, "text": ""}, format="json"
    )

    assert response.json() == {"text": ["This field may not be blank."]}
    assert not CaseNote.objects.exists()


# --- children and risk tools -----------------------------------------------------------------


def test_children_show_their_derived_age_and_flags_and_filter_by_area():
    area = staffordshire()
    user = coordinator(area)
    young = make_case(area=area, coordinator_user=user).child
    older = services.accept_referral(
        user,
        referral=make_referral(child=ChildFactory(date_of_birth=years_ago(16, 10))),
        reason="Fictional.",
        lead_agency=area_agency(),
    ).child
    api = client_for(user)

    rows = {
        row["id"]: row for row in api.get(f"/api/v1/children/?area={area.pk}").json()["results"]
    }

    assert rows[young.pk]["age"] == 14 and rows[young.pk]["age_flags"] == []
    assert rows[older.pk]["age"] == 16 and rows[older.pk]["age_flags"] == ["16-17"]
    assert api.get(f"/api/v1/children/?area={stoke().pk}").json()["count"] == 0


def test_the_active_risk_tool_lists_its_indicators(matrix):
    body = client_for(coordinator(staffordshire())).get("/api/v1/risk-tools/?is_active=true")

    tool = body.json()["results"][0]
    assert tool["slug"] == "risk-factor-matrix"
    assert {"code": "disclosure", "band": "high"}.items() <= tool["indicators"][-6].items()


def test_live_scoring_follows_the_tools_rules_and_saves_nothing(matrix):
    api = client_for(coordinator(staffordshire()))
    url = f"/api/v1/risk-tools/{matrix.pk}/score/"

    under_13 = api.post(
        url,
        {"answers": {"sexting": {"answer": "present"}}, "date_of_birth": str(years_ago(12))},
        format="json",
    )
    sixteen = api.post(
        url,
        {"answers": {"sexting": {"answer": "present"}}, "date_of_birth": str(years_ago(16))},
        format="json",
    )

    assert under_13.json()["level"] == "medium"
    assert "Under 13: never rated low" in under_13.json()["reasons"]
    assert sixteen.json()["level"] == "low"
    assert not RiskAssessment.objects.exists()


def test_live_scoring_refuses_unknown_indicators_and_future_births(matrix):
    tomorrow = timezone.now().date() + dt.timedelta(days=2)

    response = client_for(coordinator(staffordshire())).post(
        f"/api/v1/risk-tools/{matrix.pk}/score/",
        {"answers": {"astrology": {"answer": "present"}}, "date_of_birth": str(tomorrow)},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "answers": {"astrology": ["Not an indicator of Risk Factor Matrix v1."]},
        "date_of_birth": ["Date of birth must be in the past."],
    }


def test_a_note_or_assessment_sent_twice_with_one_token_is_recorded_once():
    import uuid

    from tests.factories import coordinator, make_case

    boss = coordinator()
    case = make_case(coordinator_user=boss)
    api = client_for(boss)
    note = {"case": case.pk, "text": "Test note.", "submission_token": str(uuid.uuid4())}
    assessment = {
        "case": case.pk,
        "answers": {"hotspots": {"answer": "present", "evidence": "Fictional evidence."}},
        "submission_token": str(uuid.uuid4()),
    }

    first_note = api.post("/api/v1/notes/", note, format="json")
    second_note = api.post("/api/v1/notes/", note, format="json")
    first = api.post("/api/v1/assessments/", assessment, format="json")
    second = api.post("/api/v1/assessments/", assessment, format="json")

    assert first_note.json()["id"] == second_note.json()["id"]
    assert first.json()["id"] == second.json()["id"]
    assert CaseNote.objects.filter(case=case).count() == 1
    assert RiskAssessment.objects.filter(case=case).count() == 2  # the referral's and one


# --- issue 8, point 3 -----------------------------------------------------------------------


def test_closing_a_high_risk_case_as_risk_reduced_is_a_400():
    case = make_case(answers=_answers("controlled-by-adult"))

    response = transition(
        coordinator(staffordshire()),
        case,
        to_status="closed",
        closure_reason="risk_reduced",
        closure_summary="Fictional summary.",
    )

    assert response.status_code == 400
    assert "high" in response.json()["closure_reason"][0]
    case.refresh_from_db()
    assert case.status == "awaiting_panel"
