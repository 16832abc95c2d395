import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import Case, Child, Referral
from cases.services import AnswerInput
from notifications.models import Notification
from tests.factories import (
    AgencyFactory,
    ChildFactory,
    LocalSupportTeamFactory,
    agency_lead,
    auditor,
    coordinator,
    make_referral,
    referrer,
    staffordshire,
    stoke,
    years_ago,
)
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db


def test_the_queue_puts_immediate_risk_first_then_the_oldest(client):
    boss = coordinator()
    older = make_referral(child=ChildFactory(first_name="Testchild-Older"))
    urgent = make_referral(
        child=ChildFactory(first_name="Testchild-Urgent"),
        immediate_risk=True,
        police_contacted_at=older.referred_at,
        police_contacted_by="Test Officer-01",
        police_incident_number="TEST-0001",
    )
    make_referral(child=ChildFactory(first_name="Testchild-Elsewhere", area=stoke()))
    client.force_login(boss)

    page = client.get(reverse("cases:triage-queue")).content.decode()

    assert page.index("Testchild-Urgent") < page.index("Testchild-Older")
    assert "Testchild-Elsewhere" not in page
    assert "Immediate risk" in page
    assert urgent.pk


def test_the_queue_is_for_coordinators_only(client):
    for user in [referrer(), agency_lead(), auditor()]:
        client.force_login(user)
        assert client.get(reverse("cases:triage-queue")).status_code == 403


@pytest.mark.parametrize("count", [1, 15])
def test_the_queue_runs_a_fixed_number_of_queries(client, django_assert_num_queries, count):
    boss = coordinator()
    for _ in range(count):
        make_referral()
    client.force_login(boss)

    # session, user, roles, the queue with each referral's risk level, unread
    # notifications; the queue recorded as one "listed" event (its records in one insert)
    with django_assert_num_queries(5 + audit_event_queries(agency=False, listed_rows=True)):
        client.get(reverse("cases:triage-queue"))


def test_coordinators_are_told_of_new_and_urgent_referrals():
    boss = coordinator()
    other_area = coordinator(stoke())
    make_referral()
    make_referral(
        immediate_risk=True,
        police_contacted_at=Referral.objects.get().referred_at,
        police_contacted_by="Test Officer-01",
        police_incident_number="TEST-0002",
    )

    kinds = sorted(Notification.objects.filter(recipient=boss).values_list("kind", flat=True))
    assert kinds == ["new_referral", "urgent_referral"]
    assert not Notification.objects.filter(recipient=other_area).exists()
    assert all(n.case_reference == "" for n in Notification.objects.all())


def test_accepting_opens_a_case_and_tells_the_referrer(client):
    boss = coordinator()
    police = AgencyFactory(name="Test Police")
    police.areas.add(staffordshire())
    lst = LocalSupportTeamFactory()
    by = referrer()
    referral = make_referral(by=by)
    client.force_login(boss)

    response = client.post(
        reverse("cases:triage-accept", args=[referral.pk]),
        {
            "reason": "Meets the threshold (test).",
            "lead_agency": police.pk,
            "local_support_team": lst.pk,
            "lst_contact": "Test duty desk",
            "involved_agencies": [police.pk],
        },
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case-detail", args=[case.pk])
    assert case.lead_agency == police
    assert Notification.objects.filter(recipient=by, kind="referral_outcome").count() == 1


def test_accepting_without_a_reason_re_renders_with_the_error_and_saves_nothing(client):
    boss = coordinator()
    referral = make_referral()
    client.force_login(boss)

    response = client.post(reverse("cases:triage-accept", args=[referral.pk]), {"reason": ""})

    assert response.status_code == 200
    assert "Give the reason for accepting the referral." in response.content.decode()
    assert not Case.objects.exists()
    referral.refresh_from_db()
    assert referral.status == "submitted"


def test_an_agency_from_elsewhere_cannot_be_chosen(client):
    boss = coordinator()
    outsider = AgencyFactory(name="Test Agency Elsewhere")
    outsider.areas.add(stoke())
    referral = make_referral()
    client.force_login(boss)

    response = client.post(
        reverse("cases:triage-accept", args=[referral.pk]),
        {"reason": "Test.", "involved_agencies": [outsider.pk]},
    )

    assert "Select a valid choice" in response.content.decode()
    assert not Case.objects.exists()


def test_stepping_down_needs_a_route(client):
    boss = coordinator()
    referral = make_referral()
    client.force_login(boss)

    response = client.post(
        reverse("cases:triage-decide", args=[referral.pk]),
        {"outcome": "stepped_down", "reason": "Low risk; early help with consent (test)."},
    )

    assert "Choose where the referral goes." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "submitted"

    client.post(
        reverse("cases:triage-decide", args=[referral.pk]),
        {"outcome": "stepped_down", "route": "lst", "reason": "Early help via the LST (test)."},
    )
    referral.refresh_from_db()
    assert (referral.status, referral.outcome_route) == ("stepped_down", "lst")


@pytest.mark.parametrize(
    ("outcome", "route", "told"),
    [
        ("stepped_down", "front_door", "Early help goes to the Early Help Assessment or"),
        ("stepped_down", "s47", "Early help goes to the Early Help Assessment or"),
        ("redirected", "lst", "A redirect goes to the front door or a section 47"),
        ("no_further_action", "eha", "No further action has no route"),
    ],
)
def test_a_route_that_does_not_fit_the_outcome_says_which_do(client, outcome, route, told):
    """A route was chosen: "Choose where the referral goes." would be untrue."""
    referral = make_referral()
    client.force_login(coordinator())

    response = client.post(
        reverse("cases:triage-decide", args=[referral.pk]),
        {"outcome": outcome, "route": route, "reason": "Fictional test reason."},
    )

    page = response.content.decode()
    assert told in page
    assert "Choose where the referral goes." not in page
    referral.refresh_from_db()
    assert referral.status == "submitted"


def test_a_step_down_with_its_route_but_no_reason_asks_only_for_the_reason(client):
    referral = make_referral()
    client.force_login(coordinator())

    response = client.post(
        reverse("cases:triage-decide", args=[referral.pk]),
        {"outcome": "stepped_down", "route": "eha", "reason": ""},
    )

    page = response.content.decode()
    assert "Give the reason for this decision." in page
    assert "Choose where the referral goes." not in page
    assert 'value="eha" checked' in page  # the choice is kept


def test_an_unknown_outcome_is_refused(client):
    boss = coordinator()
    referral = make_referral()
    client.force_login(boss)

    response = client.post(
        reverse("cases:triage-decide", args=[referral.pk]),
        {"outcome": "lost-in-the-post", "reason": "Test."},
    )

    assert "Choose a triage outcome." in response.content.decode()


def test_a_referral_is_triaged_once_even_if_the_form_is_sent_twice(client):
    boss = coordinator()
    referral = make_referral()
    client.force_login(boss)
    data = {"outcome": "no_further_action", "reason": "Test."}

    client.post(reverse("cases:triage-decide", args=[referral.pk]), data)
    response = client.post(reverse("cases:triage-decide", args=[referral.pk]), data, follow=True)

    assert "already been triaged" in response.content.decode()
    assert AuditEvent.objects.filter(object_type="cases.referral", verb="transitioned").count() == 1


def test_possible_duplicates_are_shown_to_the_coordinator_and_can_be_linked(client):
    boss = coordinator()
    born = years_ago(15, 3)
    known = make_referral(
        child=ChildFactory(first_name="Testchild-Zoë", last_name="Example-Dup", date_of_birth=born)
    ).child
    duplicate = ChildFactory(
        first_name="testchild zoe", last_name="Example Dup", date_of_birth=born
    )
    referral = make_referral(child=duplicate)
    client.force_login(boss)

    page = client.get(reverse("cases:triage-detail", args=[referral.pk])).content.decode()
    assert "Possible duplicates" in page

    response = client.post(reverse("cases:triage-accept", args=[referral.pk]), {"reason": "Test."})
    assert "may already be known" in response.content.decode()

    client.post(reverse("cases:triage-link-child", args=[referral.pk, known.pk]))
    referral.refresh_from_db()
    assert referral.child == known
    # Kept, marked merged, so a link made by mistake can be undone (issue 8 point 4).
    assert Child.objects.get(pk=duplicate.pk).merges_out.get().into_child == known
    assert referral.assessments.get().child == known


def test_a_referrer_never_sees_possible_duplicates(client):
    by = referrer()
    born = years_ago(15, 3)
    ChildFactory(first_name="Testchild-Twin", date_of_birth=born)
    referral = make_referral(
        by=by, child=ChildFactory(first_name="Testchild-Twin", date_of_birth=born)
    )
    client.force_login(by)

    response = client.get(reverse("cases:triage-detail", args=[referral.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:referral-detail", args=[referral.pk])


def test_a_coordinator_of_another_area_gets_404_and_it_is_recorded(client):
    referral = make_referral()
    intruder = coordinator(stoke())
    client.force_login(intruder)

    missing = client.get(reverse("cases:triage-detail", args=[999999]))
    response = client.get(reverse("cases:triage-detail", args=[referral.pk]))

    assert response.status_code == missing.status_code == 404
    assert response.content == missing.content
    assert AuditEvent.objects.filter(actor=intruder, verb="denied").count() == 1


def test_a_16_and_a_17_year_old_are_accepted_without_warning(client):
    boss = coordinator()
    police = AgencyFactory(name="Test Police")
    police.areas.add(boss.role_assignments.get().area)
    client.force_login(boss)
    for years in (16, 17):
        referral = make_referral(
            child=ChildFactory(date_of_birth=years_ago(years, 20)),
            answers={"online-grooming": AnswerInput("present", "Fictional evidence.")},
        )
        page = client.get(reverse("cases:triage-detail", args=[referral.pk])).content.decode()
        assert "16-17" in page
        response = client.post(
            reverse("cases:triage-accept", args=[referral.pk]),
            {"reason": "Test.", "lead_agency": police.pk},
        )
        assert response.status_code == 302
    assert Case.objects.count() == 2


# --- issue 8, point 2: a referral sent with the matrix unanswered is "Not assessed" ---------


def _not_assessed_under_13():
    return make_referral(
        child=ChildFactory(first_name="Testchild-Unanswered", date_of_birth=years_ago(11)),
        answers={"hotspots": AnswerInput("unknown")},
    )


def test_the_triage_assessment_page_runs_a_fixed_number_of_queries(
    client, django_assert_num_queries
):
    boss = coordinator()
    referral = _not_assessed_under_13()
    client.force_login(boss)
    # Session, user, roles; the referral; the "viewed" audit event (one INSERT: since
    # issue 9 no savepoint, last-hash read or PostgreSQL advisory lock); the tool and its
    # indicators; the unread-notifications badge.
    expected = 3 + 1 + 1 + 2 + 1

    with django_assert_num_queries(expected):
        response = client.get(reverse("cases:triage-assess", args=[referral.pk]))

    assert response.status_code == 200


def test_the_queue_shows_an_unanswered_referral_as_not_assessed_beside_under_13(client):
    boss = coordinator()
    _not_assessed_under_13()
    client.force_login(boss)

    page = client.get(reverse("cases:triage-queue")).content.decode()

    row = page[page.index("Testchild-Unanswered") :].split("</tr>")[0]
    assert "Under 13" in row
    assert "Not assessed" in row
    assert "app-risk-tag--" not in row  # neither low nor the under-13 floor's medium


def test_the_triage_page_says_not_assessed_and_offers_to_assess_before_accepting(client):
    boss = coordinator()
    referral = _not_assessed_under_13()
    client.force_login(boss)

    page = client.get(reverse("cases:triage-detail", args=[referral.pk])).content.decode()

    top = page[: page.index("The child</h2>")]
    assert "Not assessed" in top and "Under 13" in top
    assert reverse("cases:triage-assess", args=[referral.pk]) in page


def test_accepting_a_not_assessed_referral_is_refused_with_a_message(client):
    boss = coordinator()
    referral = _not_assessed_under_13()
    client.force_login(boss)

    response = client.post(
        reverse("cases:triage-accept", args=[referral.pk]),
        {"reason": "Meets the threshold (fictional)."},
    )

    assert response.status_code == 200
    assert "The risk has not been assessed" in response.content.decode()
    assert not Case.objects.exists()
    referral.refresh_from_db()
    assert referral.status == "submitted"


def test_the_assess_page_has_the_matrix_and_a_back_link(client):
    boss = coordinator()
    referral = _not_assessed_under_13()
    client.force_login(boss)

    response = client.get(reverse("cases:triage-assess", args=[referral.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="answer_hotspots"' in page and 'name="answer_disclosure"' in page
    assert 'class="govuk-back-link"' in page
    assert reverse("cases:triage-detail", args=[referral.pk]) in page


def _assess_form(client, referral, **data):
    page = client.get(reverse("cases:triage-assess", args=[referral.pk])).content.decode()
    token = page.split('name="submission_token" value="')[1].split('"')[0]
    return client.post(
        reverse("cases:triage-assess", args=[referral.pk]), {"submission_token": token, **data}
    )


def test_an_unanswered_assessment_at_triage_is_refused(client):
    boss = coordinator()
    referral = _not_assessed_under_13()
    client.force_login(boss)

    response = _assess_form(client, referral, **{"answer_hotspots": "unknown"})

    assert response.status_code == 200
    assert "An unanswered Risk Factor Matrix is not an assessment" in response.content.decode()
    assert referral.assessments.count() == 1


def test_once_assessed_at_triage_the_referral_is_accepted_with_that_level(client):
    boss = coordinator()
    referral = _not_assessed_under_13()
    client.force_login(boss)

    response = _assess_form(client, referral, **{"answer_hotspots": "not_present"})

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:triage-detail", args=[referral.pk])
    latest = referral.assessments.order_by("-assessed_at", "-id").first()
    assert (latest.computed_level, latest.assessed_by) == ("medium", boss)  # under 13
    page = client.get(response["Location"]).content.decode()
    assert "app-risk-tag--medium" in page
    police = AgencyFactory(name="Test Police")
    police.areas.add(staffordshire())
    client.post(
        reverse("cases:triage-accept", args=[referral.pk]),
        {"reason": "Meets the threshold (fictional).", "lead_agency": police.pk},
    )
    assert Case.objects.get().risk_level == "medium"


def test_a_professional_judgement_at_triage_needs_its_reason(client):
    boss = coordinator()
    referral = _not_assessed_under_13()
    client.force_login(boss)

    refused = _assess_form(client, referral, override_level="high")
    done = _assess_form(
        client, referral, override_level="high", override_reason="Fictional: police view."
    )

    assert refused.status_code == 200
    assert done.status_code == 302
    latest = referral.assessments.order_by("-assessed_at", "-id").first()
    assert (latest.computed_level, latest.final_level) == (None, "high")
