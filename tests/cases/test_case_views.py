import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from cases import services
from cases.models import Case, Referral
from panel.models import Agency
from tests.factories import (
    AgencyFactory,
    UserFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    make_referral,
    referrer,
    staffordshire,
    stoke,
)
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db

# Recording one audit event is one INSERT on both databases (issue 9: it was a savepoint,
# on PostgreSQL the chain's advisory lock, the last hash, the insert and the release).
AUDIT_EVENT_QUERIES = 1


def test_the_case_list_shows_only_visible_cases_with_their_next_review(client):
    police = AgencyFactory(name="Test Police")
    mine = make_case(agencies=[police])
    make_case()
    make_case(area=stoke())
    client.force_login(agency_lead(police))

    page = client.get(reverse("cases:case-list")).content.decode()

    assert mine.reference in page
    assert page.count("CSE-") == 1
    assert mine.reviews.get().due_date.strftime("%-d %b %Y") in page


def test_the_case_list_filters_by_status_risk_area_and_agency(client):
    police = AgencyFactory(name="Test Police")
    # A case's agencies are its area's (the team form offers no others): the agency filter
    # offers the agencies of the areas the user coordinates.
    police.areas.add(staffordshire())
    boss = coordinator()
    boss.role_assignments.create(role="coordinator", area=stoke())
    a = make_case(agencies=[police])
    b = make_case(area=stoke(), lead_professional=UserFactory())
    services.transition_case(type(boss).objects.get(pk=boss.pk), case=b, to_status="open")
    client.force_login(boss)

    def listed(**params) -> set[str]:
        page = client.get(reverse("cases:case-list"), params).content.decode()
        return {ref for ref in (a.reference, b.reference) if ref in page}

    assert listed() == {a.reference, b.reference}
    assert listed(status="open") == {b.reference}
    assert listed(area=stoke().pk) == {b.reference}
    assert listed(agency=police.pk) == {a.reference}
    assert listed(risk="high") == set()


def test_a_bad_filter_is_an_error_not_a_crash(client):
    client.force_login(coordinator())

    response = client.get(reverse("cases:case-list"), {"status": "lost", "review_due_by": "31/02"})

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


def test_the_filter_choices_are_the_areas_and_agencies_the_user_may_use(client):
    """From reference data, not from the cases listed: a coordinator's areas and their
    agencies (with or without cases), never another area's; an agency lead's agency's areas
    and their agencies; an auditor every one. Another choice is refused, and says so."""
    police, health, elsewhere = (AgencyFactory(name=n) for n in ("Police", "Health", "Away"))
    police.areas.add(staffordshire())
    health.areas.add(staffordshire())
    elsewhere.areas.add(stoke())
    theirs = make_case(area=stoke(), agencies=[elsewhere])

    def choices(user, field: str) -> set[str]:
        client.force_login(user)
        form = client.get(reverse("cases:case-list")).context["form"]
        return {str(choice) for choice in form.fields[field].queryset}

    boss = coordinator()
    assert choices(boss, "area") == {"Staffordshire"}
    assert choices(boss, "agency") == {"Police", "Health"}
    refused = client.get(reverse("cases:case-list"), {"agency": elsewhere.pk})
    assert "Select a valid choice" in refused.content.decode()
    assert theirs.reference not in refused.content.decode()
    assert choices(agency_lead(police), "area") == {"Staffordshire"}
    assert choices(agency_lead(police), "agency") == {"Police", "Health"}
    everything = {"Police", "Health", "Away", str(theirs.lead_agency)}
    assert choices(auditor(), "agency") == set(map(str, Agency.objects.all())) >= everything
    assert choices(auditor(), "area") == {"Staffordshire", "Stoke-on-Trent"}


def test_the_review_due_filter_lists_cases_whose_upcoming_review_is_due_by_then(client):
    boss = coordinator()
    soon, later = make_case(coordinator_user=boss), make_case(coordinator_user=boss)
    soon.reviews.update(due_date=dt.date(2030, 1, 1))
    later.reviews.update(due_date=dt.date(2030, 3, 1))
    client.force_login(boss)

    page = client.get(reverse("cases:case-list"), {"review_due_by": "2030-01-01"})

    assert [case.pk for case in page.context["page"].object_list] == [soon.pk]


def _case_list_queries(client, cases: int, actions: int = 0, viewer=None) -> int:
    boss = coordinator()
    police = AgencyFactory()
    police.areas.add(staffordshire())
    for _ in range(cases):
        case = make_case(coordinator_user=boss, agencies=[police])
    for n in range(actions):
        services.add_action(
            boss, case=case, description=f"Test action {n}", owning_agency=police,
            due_date=dt.date(2030, 1, 1),
        )  # fmt: skip
    client.force_login(viewer(police) if viewer else boss)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:case-list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(cases, 50)
    return len(queries)


# session, user, roles, unread notifications, count, the page's ids in order, those cases
# (selectors.CasePaginator), area choices, agency choices, lead agency choices, lead
# professional choices; the page recorded as one "listed" event (its records in one insert)
CASE_LIST_QUERIES = 11 + audit_event_queries(agency=False, listed_rows=True)


@pytest.mark.parametrize("cases", [1, 50, 60])
def test_the_case_list_runs_a_fixed_number_of_queries(client, cases):
    # 60 is more than a page: the count and the page are still one query each.
    assert _case_list_queries(client, cases) == CASE_LIST_QUERIES


@pytest.mark.parametrize("actions", [0, 1, 12])
def test_the_case_list_queries_do_not_grow_with_actions(client, actions):
    assert _case_list_queries(client, 2, actions=actions) == CASE_LIST_QUERIES


@pytest.mark.parametrize("cases", [1, 60])
def test_the_case_list_of_an_auditor_runs_a_fixed_number_of_queries(client, cases):
    assert _case_list_queries(client, cases, viewer=lambda _: auditor()) == CASE_LIST_QUERIES


@pytest.mark.parametrize("cases", [1, 60])
def test_the_case_list_of_an_agency_lead_runs_a_fixed_number_of_queries(client, cases):
    assert _case_list_queries(client, cases, viewer=agency_lead) == CASE_LIST_QUERIES


def test_the_case_list_counts_each_cases_open_actions(client):
    boss = coordinator()
    busy, quiet = make_case(coordinator_user=boss), make_case(coordinator_user=boss)
    for n in range(3):
        action = services.add_action(
            boss, case=busy, description=f"Test action {n}", owning_agency=busy.lead_agency,
            due_date=dt.date(2030, 1, 1),
        )  # fmt: skip
    services.update_action(
        boss, action=action, version=1, status="done", note="Test: done.", completion_note="Done."
    )
    client.force_login(boss)

    page = client.get(reverse("cases:case-list")).context["page"]

    counts = {case.pk: case.open_actions for case in page.object_list}
    assert counts == {busy.pk: 2, quiet.pk: 0}


def _case_page_queries(client, actions: int) -> int:
    boss = coordinator()
    police = AgencyFactory()
    case = make_case(coordinator_user=boss, agencies=[police])
    for n in range(actions):
        action = services.add_action(
            boss, case=case, description=f"Test action {n}", owning_agency=police,
            due_date=dt.date(2030, 1, 1),
        )  # fmt: skip
        services.update_action(boss, action=action, version=1, note="Test progress.")
        services.add_note(boss, case=case, text=f"Test note {n}")
    client.force_login(boss)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("cases:case-detail", args=[case.pk])).status_code == 200
    return len(queries)


@pytest.mark.parametrize("rows", [1, 50])
def test_the_case_page_runs_a_fixed_number_of_queries(client, rows, settings):
    # Every entry on one page: the open actions table grows with rows; the chronology's
    # page is tested against a long history in test_chronology.py.
    settings.CASE_CHRONOLOGY_PAGE_SIZE = 200
    # session, user, roles, case, viewed event, upcoming review, agencies, open actions,
    # assessments, re-referrals, the chronology (its page, then its rows from referrals,
    # assessments, transitions, actions, action updates and notes: no review is held) and
    # unread notifications; issue 13: +1, the child's links (one query however many,
    # intelligence/links_summary.py)
    # intelligence/links_summary.py); +1, the missing episodes summary (one aggregate)
    assert _case_page_queries(client, rows) == 17 + 2 + AUDIT_EVENT_QUERIES


def test_the_case_page_records_who_looked(client):
    case = make_case()
    viewer = auditor()
    client.force_login(viewer)

    client.get(reverse("cases:case-detail", args=[case.pk]))

    event = AuditEvent.objects.get(actor=viewer, verb="viewed")
    assert (event.object_type, event.case_reference) == ("cases.case", case.reference)


@pytest.mark.parametrize(
    "user_factory", [referrer, lambda: agency_lead(AgencyFactory()), lambda: coordinator(stoke())]
)
def test_out_of_scope_case_pages_are_404_like_missing_ones(client, user_factory):
    case = make_case()
    client.force_login(user_factory())

    for name in [
        "case-detail",
        "case-close",
        "case-reopen",
        "case-open",
        "case-team",
        "case-assess",
    ]:
        missing = client.get(reverse(f"cases:{name}", args=[999999]))
        response = client.get(reverse(f"cases:{name}", args=[case.pk]))
        assert response.status_code == missing.status_code == 404, name
        assert response.content == missing.content
    child = client.get(reverse("cases:child-detail", args=[case.child_id]))
    assert child.status_code == 404


def test_closing_shows_the_risk_and_open_actions_and_refuses_while_actions_are_open(client):
    boss = coordinator()
    police = AgencyFactory()
    case = make_case(coordinator_user=boss, agencies=[police])
    services.add_action(
        boss, case=case, description="Test disruption action.", owning_agency=police,
        due_date=dt.date(2030, 1, 1),
    )  # fmt: skip
    client.force_login(boss)

    page = client.get(reverse("cases:case-close", args=[case.pk])).content.decode()
    assert "Test disruption action." in page
    assert "Current risk level" in page

    response = client.post(
        reverse("cases:case-close", args=[case.pk]),
        {"closure_reason": "risk_reduced", "closure_summary": "Test summary."},
    )
    assert "Every action must be done or cancelled" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "awaiting_panel"


def test_closing_needs_a_reason_from_the_list_and_a_summary(client):
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    client.force_login(boss)

    response = client.post(
        reverse("cases:case-close", args=[case.pk]),
        {"closure_reason": "got-bored", "closure_summary": ""},
    )

    page = response.content.decode()
    assert "Select a valid choice" in page
    assert "Summarise why the child is now safe" in page
    case.refresh_from_db()
    assert case.status == "awaiting_panel"


def test_close_then_reopen_with_a_reason(client):
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    client.force_login(boss)

    client.post(
        reverse("cases:case-close", args=[case.pk]),
        {"closure_reason": "risk_reduced", "closure_summary": "Test summary."},
    )
    empty = client.post(reverse("cases:case-reopen", args=[case.pk]), {"reason": ""})
    assert "Give the reason for re-opening the case." in empty.content.decode()
    client.post(reverse("cases:case-reopen", args=[case.pk]), {"reason": "New test concerns."})

    case.refresh_from_db()
    assert case.status == "open"
    assert case.reviews.filter(status="upcoming").count() == 1


def test_an_illegal_transition_is_a_message_not_a_change(client):
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    client.force_login(boss)

    response = client.post(
        reverse("cases:case-reopen", args=[case.pk]), {"reason": "Test."}, follow=True
    )

    assert "is awaiting panel: it cannot be moved to open" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "awaiting_panel"
    assert not case.transitions.filter(to_status="open").exists()


def test_only_coordinators_change_a_case(client):
    police = AgencyFactory()
    case = make_case(agencies=[police])
    for user in [agency_lead(police), auditor()]:
        client.force_login(user)
        assert client.get(reverse("cases:case-close", args=[case.pk])).status_code == 403
        assert client.get(reverse("cases:case-team", args=[case.pk])).status_code == 403


def test_a_note_on_a_closed_case_does_not_reopen_it(client):
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    services.transition_case(
        boss, case=case, to_status="closed", closure_reason="other", closure_summary="Test."
    )
    client.force_login(boss)

    client.post(
        reverse("cases:case-note", args=[case.pk]),
        {"text": "Test note after closure.", "submission_token": str(uuid.uuid4())},
    )

    case.refresh_from_db()
    assert case.status == "closed"
    assert case.notes.count() == 1


def test_an_empty_note_is_refused(client):
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    client.force_login(boss)

    response = client.post(
        reverse("cases:case-note", args=[case.pk]),
        {"text": "  ", "submission_token": str(uuid.uuid4())},
    )

    assert "Write the note." in response.content.decode()
    assert case.notes.count() == 0


def test_adding_an_agency_gives_its_leads_access_at_once_and_removing_takes_it(client):
    boss = coordinator()
    health = AgencyFactory(name="Test Health")
    health.areas.add(staffordshire())
    lead = agency_lead(health)
    case = make_case(coordinator_user=boss)
    police = AgencyFactory(name="Test Police")
    police.areas.add(staffordshire())
    client.force_login(lead)
    assert client.get(reverse("cases:case-detail", args=[case.pk])).status_code == 404

    client.force_login(boss)
    client.post(
        reverse("cases:case-team", args=[case.pk]),
        {"version": case.version, "involved_agencies": [health.pk, police.pk]},
    )
    client.force_login(lead)
    assert client.get(reverse("cases:case-detail", args=[case.pk])).status_code == 200

    client.force_login(boss)
    case.refresh_from_db()
    client.post(
        reverse("cases:case-team", args=[case.pk]),
        {"version": case.version, "involved_agencies": [police.pk]},
    )
    client.force_login(lead)
    assert client.get(reverse("cases:case-detail", args=[case.pk])).status_code == 404


def test_a_stale_team_form_is_a_conflict_and_changes_nothing(client):
    boss = coordinator()
    police = AgencyFactory(name="Test Police")
    police.areas.add(staffordshire())
    case = make_case(coordinator_user=boss)
    client.force_login(boss)
    stale = case.version
    client.post(
        reverse("cases:case-team", args=[case.pk]),
        {"version": stale, "involved_agencies": [police.pk], "lst_contact": "First edit"},
    )

    response = client.post(
        reverse("cases:case-team", args=[case.pk]),
        {"version": stale, "involved_agencies": [police.pk], "lst_contact": "Second edit"},
        follow=True,
    )

    assert "Someone else changed this case" in response.content.decode()
    assert Case.objects.get(pk=case.pk).lst_contact == "First edit"


def _matrix_post(**answers) -> dict:
    from tests.factories import matrix_tool

    data = {f"answer_{i.code}": "unknown" for i in matrix_tool().indicators.all()}
    data["submission_token"] = str(uuid.uuid4())
    for code, evidence in answers.items():
        data[f"answer_{code}"] = "present"
        data[f"evidence_{code}"] = evidence
    return data


def test_a_new_assessment_sets_the_level_and_the_next_review(client):
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    client.force_login(boss)

    response = client.post(
        reverse("cases:case-assess", args=[case.pk]),
        _matrix_post(**{"controlled-by-adult": "Fictional evidence."}),
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.risk_level == "high"
    assessment = case.assessments.order_by("-assessed_at").first()
    assert (assessment.computed_level, assessment.final_level) == ("high", "high")


def test_working_out_the_level_saves_nothing(client):
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    client.force_login(boss)

    response = client.post(
        reverse("cases:case-assess", args=[case.pk]),
        {**_matrix_post(**{"hotspots": "Fictional evidence."}), "check": "1"},
    )

    assert "Computed level" in response.content.decode()
    assert case.assessments.count() == 1


def test_a_present_indicator_needs_evidence_and_an_override_needs_a_reason(client):
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    client.force_login(boss)
    data = _matrix_post(hotspots="")
    data["override_level"] = "low"

    page = client.post(reverse("cases:case-assess", args=[case.pk]), data).content.decode()

    assert "Say what was seen or heard (Seen at known hotspots)" in page
    assert "Give the reason for overriding the computed risk level." in page
    assert case.assessments.count() == 1


def test_an_involved_agency_lead_may_assess_but_not_an_auditor(client):
    police = AgencyFactory()
    case = make_case(agencies=[police])

    client.force_login(auditor())
    assert client.get(reverse("cases:case-assess", args=[case.pk])).status_code == 403
    client.force_login(agency_lead(police))
    assert client.get(reverse("cases:case-assess", args=[case.pk])).status_code == 200


def test_a_note_sent_twice_is_recorded_once(client):
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    client.force_login(boss)
    form = {"text": "Test note.", "submission_token": str(uuid.uuid4())}

    client.post(reverse("cases:case-note", args=[case.pk]), form)
    client.post(reverse("cases:case-note", args=[case.pk]), form)

    assert case.notes.count() == 1


def test_an_assessment_sent_twice_is_recorded_once(client):
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    client.force_login(boss)
    form = _matrix_post(**{"hotspots": "Fictional evidence."})

    client.post(reverse("cases:case-assess", args=[case.pk]), form)
    client.post(reverse("cases:case-assess", args=[case.pk]), form)

    assert case.assessments.count() == 2  # the referral's, and one new one


def test_a_referrer_sees_only_what_identifies_the_child_they_referred(client):
    from tests.factories import ChildFactory, make_referral

    by = referrer()
    child = ChildFactory(address="1 Fictional Road, Testtown", school_or_setting="Test Academy")
    make_referral(by=by, child=child)
    client.force_login(by)

    page = client.get(reverse("cases:child-detail", args=[child.pk])).content.decode()

    assert child.first_name in page
    assert "1 Fictional Road" not in page
    assert "Test Academy" not in page

    client.force_login(coordinator())
    page = client.get(reverse("cases:child-detail", args=[child.pk])).content.decode()
    assert "1 Fictional Road" in page


# --- issue 8, point 3: closing as "risk reduced" needs a current assessment, not high ------


def test_the_closure_screen_shows_the_last_level_and_when_before_confirming(client):
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    client.force_login(boss)

    page = client.get(reverse("cases:case-close", args=[case.pk])).content.decode()

    last = case.assessments.get()
    assert "Last assessment" in page
    assert f"assessed {last.assessed_at:%-d %b %Y}" in page
    assert "risk is reduced or removed" in page
    assert f"{reverse('cases:case-assess', args=[case.pk])}?then=close" in page


def test_a_high_case_is_not_closed_as_risk_reduced_from_the_screen(client):
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    client.force_login(boss)
    client.post(
        reverse("cases:case-assess", args=[case.pk]),
        _matrix_post(**{"controlled-by-adult": "Fictional evidence."}),
    )

    page = client.get(reverse("cases:case-close", args=[case.pk])).content.decode()
    assert "The current risk level is high." in page
    response = client.post(
        reverse("cases:case-close", args=[case.pk]),
        {"closure_reason": "risk_reduced", "closure_summary": "Fictional summary."},
    )

    assert response.status_code == 200
    assert "The current risk level is high, so the risk is not reduced" in (
        response.content.decode()
    )
    case.refresh_from_db()
    assert case.status == "awaiting_panel"


def test_an_assessment_made_from_the_closure_screen_returns_to_it(client):
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    client.force_login(boss)
    data = _matrix_post()
    data["answer_hotspots"] = "not_present"

    response = client.post(f"{reverse('cases:case-assess', args=[case.pk])}?then=close", data)

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case-close", args=[case.pk])


def test_an_all_unanswered_assessment_of_a_case_is_refused_on_the_page(client):
    boss = coordinator()
    case = make_case(coordinator_user=boss)
    client.force_login(boss)

    response = client.post(reverse("cases:case-assess", args=[case.pk]), _matrix_post())

    assert response.status_code == 200
    assert "An unanswered Risk Factor Matrix is not an assessment" in response.content.decode()
    assert case.assessments.count() == 1


def test_a_case_accepted_on_a_professional_judgement_alone_shows_its_history(client):
    boss = coordinator()
    referral = make_referral(answers={})
    services.assess_referral(
        boss, referral=referral, answers={}, override_level="medium", override_reason="F."
    )
    case = services.accept_referral(
        boss, referral=referral, reason="Fictional.", lead_agency=AgencyFactory()
    )
    client.force_login(boss)

    response = client.get(reverse("cases:case-detail", args=[case.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "computed not assessed" in page
    assert Referral.objects.get().status == "accepted"
