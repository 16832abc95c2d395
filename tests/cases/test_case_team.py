"""Accepting a case names its team: a new case needs a lead agency (which becomes
involved), opening it needs the lead professional too, and a closed case's team cannot be
changed. A case with nobody named is a case no agency can see."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from cases import services
from cases.models import Case, Referral
from panel.models import User
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

NEEDS_LEAD_AGENCY = "Choose the lead agency"


def api_as(user: User) -> APIClient:
    api = APIClient()
    api.force_authenticate(User.objects.get(pk=user.pk))
    return api


@pytest.fixture
def police():
    agency = AgencyFactory(name="Test Police")
    agency.areas.add(staffordshire())
    return agency


def close(boss: User, case: Case) -> Case:
    return services.transition_case(
        boss,
        case=case,
        to_status="closed",
        closure_reason="other",
        closure_summary="Fictional closure.",
    )


def team_of(case: Case, **changes) -> dict:
    case = Case.objects.get(pk=case.pk)
    return {
        "version": case.version,
        "involved_agencies": list(case.involved_agencies.all()),
        "lead_agency": case.lead_agency,
        "lead_professional": case.lead_professional,
        "local_support_team": None,
    } | changes


# --- accepting --------------------------------------------------------------------------


def test_accepting_into_a_new_case_needs_a_lead_agency_and_changes_nothing_without(police):
    boss = coordinator()
    referral = make_referral(child=ChildFactory(area=staffordshire()))

    with pytest.raises(ValidationError) as refused:
        services.accept_referral(
            boss, referral=referral, reason="Fictional.", involved_agencies=[police]
        )

    assert NEEDS_LEAD_AGENCY in refused.value.message_dict["lead_agency"][0]
    assert not Case.objects.exists()
    assert Referral.objects.get(pk=referral.pk).status == "submitted"


def test_the_lead_agency_becomes_involved(police):
    case = services.accept_referral(
        coordinator(), referral=make_referral(), reason="Fictional.", lead_agency=police
    )

    assert case.lead_agency == police
    assert list(case.involved_agencies.all()) == [police]


def test_joining_an_active_case_needs_no_lead_agency(police):
    boss = coordinator()
    case = make_case(coordinator_user=boss, agencies=[police])

    joined = services.accept_referral(
        boss, referral=make_referral(child=case.child), reason="Fictional."
    )

    assert joined == case


def test_a_re_referral_after_closure_is_a_new_case_and_needs_a_lead_agency(police):
    boss = coordinator()
    case = close(boss, make_case(coordinator_user=boss, agencies=[police]))

    with pytest.raises(ValidationError) as refused:
        services.accept_referral(boss, referral=make_referral(child=case.child), reason="Again.")

    assert "lead_agency" in refused.value.message_dict


def test_the_triage_form_says_a_new_case_needs_a_lead_agency(client, police):
    referral = make_referral()
    client.force_login(coordinator())

    page = client.get(reverse("cases:triage-detail", args=[referral.pk])).content.decode()
    response = client.post(
        reverse("cases:triage-accept", args=[referral.pk]),
        {"reason": "Meets the threshold (test).", "involved_agencies": [police.pk]},
    )

    assert "needed for a new case" in page
    assert response.status_code == 200
    body = response.content.decode()
    assert NEEDS_LEAD_AGENCY in body
    assert 'href="#id_lead_agency"' in body  # the error summary links to the field
    assert not Case.objects.exists()


def test_the_api_refuses_to_accept_without_a_lead_agency(police):
    referral = make_referral()

    response = api_as(coordinator()).post(
        f"/api/v1/referrals/{referral.pk}/accept/", {"reason": "Fictional."}, format="json"
    )

    assert response.status_code == 400
    assert NEEDS_LEAD_AGENCY in response.json()["lead_agency"][0]
    assert not Case.objects.exists()


# --- opening ----------------------------------------------------------------------------


def test_opening_needs_the_lead_professional(police):
    boss = coordinator()
    case = make_case(coordinator_user=boss, agencies=[police])

    with pytest.raises(ValidationError) as refused:
        services.transition_case(boss, case=case, to_status="open")

    assert "lead_professional" in refused.value.message_dict
    assert Case.objects.get(pk=case.pk).status == "awaiting_panel"
    named = services.set_case_team(
        boss, case=case, **team_of(case, lead_professional=UserFactory(agency=police))
    )
    assert services.transition_case(boss, case=named, to_status="open").status == "open"


def test_opening_needs_the_lead_agency_too(police):
    boss = coordinator()
    case = make_case(coordinator_user=boss, agencies=[police])
    Case.objects.filter(pk=case.pk).update(lead_agency=None)  # a case from before the rule

    with pytest.raises(ValidationError) as refused:
        services.transition_case(boss, case=Case.objects.get(pk=case.pk), to_status="open")

    assert {"lead_agency", "lead_professional"} <= set(refused.value.message_dict)


def test_the_open_page_asks_for_the_team_first(client, police):
    boss = coordinator()
    case = make_case(coordinator_user=boss, agencies=[police])
    client.force_login(boss)
    url = reverse("cases:case-open", args=[case.pk])

    page = client.get(url).content.decode()
    response = client.post(url, {"reason": "Heard (fictional)."})

    assert reverse("cases:case-team", args=[case.pk]) in page
    assert "Name the lead professional" in page
    assert response.status_code == 200
    assert "Name the lead professional" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "awaiting_panel"


def test_the_api_refuses_to_open_without_a_lead_professional(police):
    boss = coordinator()
    case = make_case(coordinator_user=boss, agencies=[police])

    response = api_as(boss).post(
        f"/api/v1/cases/{case.pk}/transition/", {"to_status": "open"}, format="json"
    )

    assert response.status_code == 400
    assert "lead_professional" in response.json()


# --- a closed case's team ---------------------------------------------------------------


def test_a_closed_cases_team_cannot_be_changed(police):
    boss = coordinator()
    case = close(boss, make_case(coordinator_user=boss, agencies=[police]))

    with pytest.raises(ValidationError) as refused:
        services.set_case_team(
            boss, case=case, **team_of(case, lead_professional=UserFactory(agency=police))
        )

    assert "closed" in " ".join(refused.value.messages)
    assert Case.objects.get(pk=case.pk).lead_professional is None


def test_a_closed_case_offers_no_team_change(client, police):
    boss = coordinator()
    case = close(boss, make_case(coordinator_user=boss, agencies=[police]))
    client.force_login(boss)
    team_url = reverse("cases:case-team", args=[case.pk])

    case_page = client.get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    team_page = client.get(team_url).content.decode()
    posted = client.post(
        team_url,
        {"version": case.version, "lead_agency": police.pk, "involved_agencies": [police.pk]},
    )

    assert team_url not in case_page
    assert "This case is closed" in team_page
    assert "Save the team" not in team_page
    assert posted.status_code == 200
    assert "This case is closed" in posted.content.decode()
    assert Case.objects.get(pk=case.pk).version == case.version


def test_the_api_refuses_to_change_a_closed_cases_team(police):
    boss = coordinator()
    case = close(boss, make_case(coordinator_user=boss, agencies=[police]))

    response = api_as(boss).post(
        f"/api/v1/cases/{case.pk}/team/",
        {"version": case.version, "lead_agency": police.pk, "involved_agencies": [police.pk]},
        format="json",
    )

    assert response.status_code == 400
    assert "closed" in str(response.json())
