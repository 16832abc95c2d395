"""The case-data API as each role meets it: who may see what, and who may change nothing.

The helpers at the top are shared by tests/cases/test_api_*.py.
"""

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from cases import services
from cases.models import Case, Child, Referral, RiskAssessment
from panel.accounts import create_api_token
from panel.models import Agency, Area, User
from tests.factories import (
    AgencyFactory,
    ChildFactory,
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

NOT_FOUND = {"detail": "Not found."}


# --- helpers shared by the API tests ------------------------------------------------------


def client_for(user: User) -> APIClient:
    """An API client signed in as ``user``, read afresh so nothing about them is cached."""
    api = APIClient()
    api.force_authenticate(User.objects.get(pk=user.pk))
    return api


def area_agency(area: Area | None = None, **kwargs) -> Agency:
    """An agency serving ``area`` (Staffordshire by default): one the panel may involve."""
    agency = AgencyFactory(**kwargs)
    agency.areas.add(area or staffordshire())
    return agency


def child_body(**overrides) -> dict:
    body = {
        "first_name": "Testchild",
        "last_name": "Api-Example",
        "date_of_birth": years_ago(14, 30).isoformat(),
        "gender": "female",
        "area": staffordshire().pk,
    }
    return body | overrides


def referral_body(child: dict | None = None, **overrides) -> dict:
    body = {
        "child": child or child_body(),
        "referrer_role": "Designated safeguarding lead",
        "referrer_contact": "01234 000000",
        "concerns": "Fictional concerns for an API test.",
        "contact_online": True,
        "legal_status": "none",
        "answers": {
            "online-grooming": {
                "answer": "present",
                "evidence": "Fictional evidence.",
                "recency": "0_6",
            }
        },
    }
    return body | overrides


def events(**filters) -> set[tuple[str, str]]:
    return set(AuditEvent.objects.filter(**filters).values_list("verb", "object_type"))


# --- signing in ---------------------------------------------------------------------------

ENDPOINTS = [
    "/api/v1/children/",
    "/api/v1/referrals/",
    "/api/v1/cases/",
    "/api/v1/assessments/",
    "/api/v1/notes/",
    "/api/v1/risk-tools/",
]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_calls_get_401(url):
    response = APIClient().get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_anonymous_writes_get_401_and_save_nothing():
    response = APIClient().post("/api/v1/referrals/", referral_body(), format="json")

    assert response.status_code == 401
    assert not Referral.objects.exists()


def test_a_token_reads_the_cases_of_its_user():
    case = make_case()
    api = APIClient()
    _, key = create_api_token(coordinator(staffordshire()), name="Test client", days=90)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    results = api.get("/api/v1/cases/").json()["results"]

    assert [row["reference"] for row in results] == [case.reference]


def test_the_session_works_too(client):
    case = make_case()
    client.force_login(coordinator(staffordshire()))

    response = client.get(f"/api/v1/cases/{case.pk}/")

    assert response.status_code == 200
    assert response.json()["reference"] == case.reference


# --- need to know: out of scope is the same 404 as missing --------------------------------


def test_an_agency_lead_guessing_another_case_id_gets_the_same_404_as_a_missing_id():
    police = area_agency()
    mine = make_case(agencies=[police])
    other = make_case()
    missing = other.pk + 1000
    api = client_for(agency_lead(police))

    assert api.get(f"/api/v1/cases/{mine.pk}/").status_code == 200
    for route, body in [
        ("", None),
        ("transition/", {"to_status": "open"}),
        ("team/", {"version": 1, "involved_agencies": [police.pk]}),
    ]:
        call = api.get if body is None else api.post
        hidden = call(f"/api/v1/cases/{other.pk}/{route}", body, format="json")
        absent = call(f"/api/v1/cases/{missing}/{route}", body, format="json")
        assert (hidden.status_code, hidden.json()) == (404, NOT_FOUND), route
        assert (absent.status_code, absent.json()) == (404, NOT_FOUND), route

    other.refresh_from_db()
    assert other.status == "awaiting_panel" and other.version == 1
    denied = AuditEvent.objects.filter(verb="denied", object_type="cases.case")
    assert set(denied.values_list("object_id", flat=True)) == {str(other.pk)}
    assert denied.count() == 3


def test_a_referral_out_of_scope_is_the_same_404_as_a_missing_one_on_every_route():
    theirs = make_referral()
    missing = theirs.pk + 1000
    api = client_for(referrer())

    for method, route in [
        ("get", ""),
        ("get", "possible-duplicates/"),
        ("post", "accept/"),
        ("post", "decide/"),
        ("post", "link-child/"),
        ("post", "confirm-new-child/"),
    ]:
        call = getattr(api, method)
        hidden = call(f"/api/v1/referrals/{theirs.pk}/{route}", {}, format="json")
        absent = call(f"/api/v1/referrals/{missing}/{route}", {}, format="json")
        assert (hidden.status_code, hidden.json()) == (404, NOT_FOUND), route
        assert (absent.status_code, absent.json()) == (404, NOT_FOUND), route

    theirs.refresh_from_db()
    assert theirs.status == "submitted"


@pytest.mark.parametrize("pk", ["not-a-number", "0", "99999999"])
def test_any_id_that_is_not_a_visible_record_is_the_same_404(pk):
    api = client_for(coordinator(staffordshire()))

    for url in (f"/api/v1/cases/{pk}/", f"/api/v1/children/{pk}/", f"/api/v1/referrals/{pk}/"):
        response = api.get(url)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), url


def test_a_coordinator_of_another_area_cannot_open_or_triage_a_referral():
    referral = make_referral(child=ChildFactory(area=stoke()))
    api = client_for(coordinator(staffordshire()))

    response = api.post(
        f"/api/v1/referrals/{referral.pk}/accept/", {"reason": "Fictional."}, format="json"
    )

    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert api.get("/api/v1/referrals/").json()["count"] == 0


def test_children_and_assessments_out_of_scope_are_404():
    case = make_case()
    assessment = RiskAssessment.objects.get(case=case)
    api = client_for(agency_lead(area_agency()))

    assert api.get(f"/api/v1/children/{case.child_id}/").json() == NOT_FOUND
    assert api.get(f"/api/v1/assessments/{assessment.pk}/").json() == NOT_FOUND
    assert api.get("/api/v1/children/").json()["count"] == 0


def test_a_case_id_in_a_body_out_of_scope_reads_like_one_that_does_not_exist():
    police = area_agency()
    other = make_case()
    api = client_for(agency_lead(police))

    hidden = api.post("/api/v1/notes/", {"case": other.pk, "text": "Fictional."}, format="json")
    absent = api.post("/api/v1/notes/", {"case": 999999, "text": "Fictional."}, format="json")

    assert hidden.status_code == absent.status_code == 400
    assert hidden.json() == {"case": [f'Invalid pk "{other.pk}" - object does not exist.']}
    assert absent.json() == {"case": ['Invalid pk "999999" - object does not exist.']}
    assert not other.notes.exists()


def test_opening_a_record_is_recorded_as_viewed():
    case = make_case()
    user = coordinator(staffordshire())
    api = client_for(user)

    api.get(f"/api/v1/cases/{case.pk}/")
    api.get(f"/api/v1/children/{case.child_id}/")
    api.get("/api/v1/cases/")

    viewed = AuditEvent.objects.filter(actor=user, verb="viewed")
    assert set(viewed.values_list("object_type", "object_id")) == {
        ("cases.case", str(case.pk)),
        ("cases.child", str(case.child_id)),
    }
    assert viewed.get(object_type="cases.case").case_reference == case.reference


# --- referrers: their own referrals and the outcome, nothing of the case -------------------


def test_a_referrer_sees_only_their_own_referrals_and_of_those_only_the_outcome():
    me = referrer()
    mine = make_referral(by=me)
    theirs = make_referral()
    case = services.accept_referral(
        coordinator(staffordshire()),
        referral=mine,
        reason="Fictional.",
        lead_agency=AgencyFactory(),
    )
    api = client_for(me)

    listed = api.get("/api/v1/referrals/").json()["results"]
    assert [row["id"] for row in listed] == [mine.pk]
    shown = api.get(f"/api/v1/referrals/{mine.pk}/").json()
    assert shown["view"] == "referrer"
    assert shown["status"] == "accepted"
    assert shown["outcome_route"] == ""
    assert shown["concerns"] == "Fictional concerns for a test."
    for hidden in ("case", "outcome_reason", "triaged_by", "triaged_at", "assessment", "version"):
        assert hidden not in shown
    assert case.reference not in str(shown)
    assert api.get(f"/api/v1/referrals/{theirs.pk}/").json() == NOT_FOUND


def test_a_referrer_is_told_where_a_stepped_down_referral_went_but_not_why():
    me = referrer()
    referral = make_referral(by=me)
    services.triage_referral(
        coordinator(staffordshire()),
        referral=referral,
        outcome="stepped_down",
        route="eha",
        reason="Fictional reason the referrer is not shown.",
    )

    shown = client_for(me).get(f"/api/v1/referrals/{referral.pk}/").json()

    assert (shown["status"], shown["outcome_route"]) == ("stepped_down", "eha")
    assert "Fictional reason" not in str(shown)


def test_a_referrer_never_sees_the_case_their_referral_opened():
    me = referrer()
    referral = make_referral(by=me, child=ChildFactory(address="1 Fictional Road"))
    case = services.accept_referral(
        coordinator(staffordshire()),
        referral=referral,
        reason="Fictional.",
        lead_agency=AgencyFactory(),
    )
    api = client_for(me)

    assert api.get("/api/v1/cases/").json()["count"] == 0
    assert api.get(f"/api/v1/cases/{case.pk}/").json() == NOT_FOUND
    assert api.get(f"/api/v1/notes/?case={case.pk}").json()["count"] == 0
    assessment = api.get("/api/v1/assessments/").json()["results"][0]
    assert assessment["case"] is None
    child = api.get(f"/api/v1/children/{case.child_id}/").json()
    assert child["view"] == "referrer"
    assert "address" not in child
    assert case.reference not in str(api.get("/api/v1/assessments/").json())


def test_a_referrer_who_also_coordinates_sees_their_own_area_in_full():
    area = staffordshire()
    me = User.objects.get(pk=coordinator(area).pk)
    me.role_assignments.create(role="referrer")
    in_my_area = make_referral(by=me)
    elsewhere = make_referral(by=me, child=ChildFactory(area=stoke()))

    views = {
        row["id"]: row["view"] for row in client_for(me).get("/api/v1/referrals/").json()["results"]
    }

    assert views == {in_my_area.pk: "panel", elsewhere.pk: "referrer"}


def test_a_referrer_who_also_leads_an_agency_sees_that_agencys_children_in_full():
    police = area_agency()
    me = agency_lead(police)
    me.role_assignments.create(role="referrer")
    on_our_case = make_case(agencies=[police]).child
    only_referred = make_referral(by=me).child

    views = {
        row["id"]: (row["view"], "address" in row)
        for row in client_for(me).get("/api/v1/children/").json()["results"]
    }

    assert views == {on_our_case.pk: ("panel", True), only_referred.pk: ("referrer", False)}


# --- auditors: read everything, change nothing ----------------------------------------------


def test_an_auditor_reads_everything():
    staffs = make_case()
    stokes = make_case(area=stoke())
    api = client_for(auditor())

    cases = api.get("/api/v1/cases/").json()["results"]
    assert {row["reference"] for row in cases} == {staffs.reference, stokes.reference}
    assert api.get("/api/v1/referrals/").json()["count"] == 2
    assert api.get("/api/v1/children/").json()["count"] == 2
    assert api.get("/api/v1/assessments/").json()["count"] == 2
    assert api.get(f"/api/v1/cases/{stokes.pk}/").status_code == 200
    referral = api.get(f"/api/v1/referrals/{staffs.referrals.get().pk}/").json()
    assert referral["view"] == "panel"
    assert referral["case"]["reference"] == staffs.reference


def _writes(case: Case, referral: Referral, agency: Agency, child: Child) -> list:
    return [
        ("/api/v1/referrals/", referral_body()),
        (f"/api/v1/referrals/{referral.pk}/accept/", {"reason": "Fictional."}),
        (
            f"/api/v1/referrals/{referral.pk}/decide/",
            {"outcome": "no_further_action", "reason": "Fictional."},
        ),
        (f"/api/v1/referrals/{referral.pk}/link-child/", {"child": child.pk}),
        (f"/api/v1/referrals/{referral.pk}/confirm-new-child/", {}),
        (f"/api/v1/cases/{case.pk}/transition/", {"to_status": "open"}),
        (
            f"/api/v1/cases/{case.pk}/team/",
            {"version": case.version, "involved_agencies": [agency.pk]},
        ),
        ("/api/v1/assessments/", {"case": case.pk, "answers": {}}),
        ("/api/v1/notes/", {"case": case.pk, "text": "Fictional."}),
    ]


def test_every_write_an_auditor_attempts_is_refused_and_saves_nothing():
    case = make_case()
    referral = make_referral()
    agency = area_agency()
    api = client_for(auditor())
    before = AuditEvent.objects.count()
    writes = _writes(case, referral, agency, ChildFactory())

    for url, body in writes:
        response = api.post(url, body, format="json")
        assert response.status_code == 403, url
        assert response.json() == {"detail": "Auditors can read records but not change them."}

    case.refresh_from_db()
    referral.refresh_from_db()
    assert (case.status, case.version, case.notes.count()) == ("awaiting_panel", 1, 0)
    assert referral.status == "submitted" and referral.child_checked_at is None
    assert Referral.objects.count() == 2
    # Nothing changed; each refusal is recorded as one ``denied`` event and nothing else.
    new = AuditEvent.objects.order_by("id")[before:]
    assert [event.verb for event in new] == [AuditEvent.Verb.DENIED] * len(writes)


def test_an_auditor_who_also_coordinates_still_changes_nothing():
    case = make_case()
    user = coordinator(staffordshire())
    user.role_assignments.create(role="auditor")

    response = client_for(user).post(
        f"/api/v1/cases/{case.pk}/transition/", {"to_status": "open"}, format="json"
    )

    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == "awaiting_panel"


def test_an_auditor_may_still_score_answers_live_because_nothing_is_saved(matrix):
    response = client_for(auditor()).post(
        f"/api/v1/risk-tools/{matrix.pk}/score/",
        {"answers": {"hotspots": {"answer": "present"}}},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["level"] == "medium"
