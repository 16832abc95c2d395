"""The referral form in the web UI: what a referrer sees, what it refuses, what it saves."""

import datetime as dt
import html
import re
import uuid
from html.parser import HTMLParser

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from cases import services
from cases.models import Child, Referral, RiskAnswer, RiskAssessment, RiskIndicator
from notifications.models import Notification
from panel.dates import LONDON, london_today
from panel.models import Area
from tests.factories import (
    AgencyFactory,
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

NEW = "/referrals/new/"
SCORE = "/referrals/score/"


@pytest.fixture
def signed_in(client, matrix):
    user = referrer()
    client.force_login(user)
    return user


def _date(prefix: str, day) -> dict:
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def form_data(**changes) -> dict:
    """A complete, valid referral as the form posts it."""
    data = {
        "submission_token": str(uuid.uuid4()),
        "immediate_risk": "no",
        "first_name": "Testchild-0001",
        "last_name": "Example",
        **_date("date_of_birth", years_ago(14, 30)),
        "gender": "female",
        "area": str(staffordshire().pk),
        "referrer_role": "Designated safeguarding lead",
        "referrer_contact": "01234 000000",
        "concerns": "Fictional concerns for a test.",
        "contact_methods": ["online", "mobile_phone"],
        "known_to_social_care": "no",
        "child_aware": "yes",
        "child_agrees": "yes",
        "parents_aware": "yes",
        "parents_agree": "yes",
        "legal_status": "none",
        "override_level": "",
        "answer_missing-late": "present",
        "evidence_missing-late": "Fictional: came home at 2am twice this week.",
        "recency_missing-late": "0_6",
        "answer_hotspots": "not_present",
        "answer_online-grooming": "unknown",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def nothing_saved() -> bool:
    return not Child.objects.exists() and not Referral.objects.exists()


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def errors_of(response) -> str:
    assert response.status_code == 200, response.status_code
    page = text_of(response)
    assert "There is a problem" in page
    return page


# --- the form page ----------------------------------------------------------------------


def test_the_form_shows_the_tools_indicators_from_data(client, signed_in, matrix):
    RiskIndicator.objects.create(
        tool=matrix, code="testindicator-0001", band="medium", label="Testindicator-0001", order=999
    )

    page = client.get(NEW).content.decode()

    for indicator in matrix.indicators.all():
        assert indicator.label in page
    assert 'name="answer_testindicator-0001"' in page
    assert "Medium-risk indicators" in page
    assert "If present, the risk level is never below medium." in page  # learning disability


def test_the_form_shows_each_areas_numbers_from_the_area_rows(client, signed_in):
    Area.objects.filter(pk=staffordshire().pk).update(front_door_phone="0800 000 0042")
    Area.objects.filter(pk=stoke().pk).update(front_door_name="Testdoor-0001")

    page = client.get(NEW).content.decode()

    assert "0800 000 0042" in page
    assert "Testdoor-0001" in page
    assert "0800 1313 126" not in page


class _FieldNames(HTMLParser):
    """The names and ids of a page's form fields, and where its in-page links go."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.ids: set[str] = set()
        self.anchors: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag in {"input", "select", "textarea"} and attrs.get("name"):
            self.names.add(attrs["name"])
        if tag == "a" and (attrs.get("href") or "").startswith("#"):
            self.anchors.append(attrs["href"][1:])


def test_the_page_has_every_field_these_tests_post(client, signed_in):
    parser = _FieldNames()
    parser.feed(client.get(NEW).content.decode())

    posted = set(form_data()) | {"police_contacted_on_day", "police_contacted_time"}
    assert posted <= parser.names, posted - parser.names
    assert {"date_of_birth_day", "date_of_birth_month", "date_of_birth_year"} <= parser.names


def test_every_error_summary_link_reaches_its_field(client, signed_in):
    data = form_data(
        immediate_risk="yes",
        police_contacted_on_day="31",
        police_contacted_on_month="2",
        police_contacted_on_year="2026",
        concerns="",
        gender="xyz",
        contact_methods=None,
        override_level="high",
        submission_token=None,
        **{"evidence_missing-late": "", "recency_missing-late": "bad"},
    )
    parser = _FieldNames()
    parser.feed(errors_of(client.post(NEW, data)))

    summary = [anchor for anchor in parser.anchors if anchor not in {"main-content"}]
    assert len(summary) >= 9
    assert set(summary) <= parser.ids, set(summary) - parser.ids


def test_immediate_risk_is_the_first_question(client, signed_in):
    page = client.get(NEW).content.decode()
    form = page[page.index('id="referral-form"') :]

    assert form.index('name="immediate_risk"') < form.index('name="first_name"')
    assert form.index("call") < form.index('name="police_contacted_by"')


def test_the_form_is_only_for_those_who_may_refer(client, matrix):
    client.force_login(auditor())

    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form_data()).status_code == 403
    assert client.post(SCORE, form_data()).status_code == 403
    assert nothing_saved()


def test_signing_in_is_needed(client, matrix):
    response = client.get(NEW)

    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


# --- sending a referral -----------------------------------------------------------------


def test_a_complete_referral_makes_one_child_one_referral_and_its_assessment(client, signed_in):
    boss = coordinator(staffordshire())

    response = client.post(NEW, form_data())

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{referral.pk}/"
    assert Child.objects.count() == 1
    assert referral.referrer == signed_in
    assert referral.area == staffordshire()
    assert referral.contact_online and referral.contact_mobile_phone
    assert not referral.contact_in_person
    assessment = RiskAssessment.objects.get(referral=referral)
    assert assessment.computed_level == assessment.final_level == "low"
    answers = {a.indicator.code: a for a in assessment.answers.select_related("indicator")}
    assert set(answers) == {"missing-late", "hotspots", "online-grooming"}
    assert answers["missing-late"].recency == RiskAnswer.Recency.LAST_6_MONTHS
    assert Notification.objects.filter(recipient=boss, kind="new_referral").exists()

    page = client.get(response["Location"]).content.decode()
    assert "Referral sent to the Staffordshire panel coordinators" in page
    assert "Who else to tell" in page
    assert "First Response" in page and "0800 1313 126" in page
    assert "Early help may be better than a panel referral" in page  # low risk
    assert "Awaiting triage" in page


def test_once_the_panel_has_decided_the_early_help_advice_is_no_longer_shown(client):
    """The advice is for the referrer deciding what to do; once the panel has accepted the
    referral (or decided otherwise) its outcome is what the page shows."""
    by = referrer()
    referral = make_referral(by=by)
    services.confirm_new_child(coordinator(), referral=referral)
    services.accept_referral(
        coordinator(), referral=referral, reason="Fictional.", lead_agency=AgencyFactory()
    )
    assert referral.assessments.get().final_level == "low"
    client.force_login(by)

    page = client.get(f"/referrals/{referral.pk}/").content.decode()

    assert "Accepted" in page
    assert "Early help" not in page


def test_a_higher_level_gets_no_early_help_advice(client, signed_in):
    response = client.post(
        NEW,
        form_data(
            **{"answer_online-grooming": "present", "evidence_online-grooming": "Fictional."}
        ),
    )

    page = client.get(response["Location"]).content.decode()
    assert "Medium" in page
    assert "Early help may be better" not in page


def test_sending_the_same_form_twice_makes_one_referral(client, signed_in):
    data = form_data()

    first = client.post(NEW, data)
    second = client.post(NEW, data)

    assert Referral.objects.count() == 1
    assert Child.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_form_sent_twice_at_the_same_moment_lands_on_the_first_referral(
    client, signed_in, monkeypatch
):
    from django.db import IntegrityError

    from cases.views import referrals as views

    data = form_data()
    first = make_referral(by=signed_in, submission_token=uuid.UUID(data["submission_token"]))
    # Both requests checked the token before either had saved; this one then lost the race.
    checks = iter([None, first])
    monkeypatch.setattr(views, "_already_sent", lambda request: next(checks))

    def lose_the_race(*args, **kwargs):
        raise IntegrityError("duplicate submission_token")

    monkeypatch.setattr(views.services, "refer_new_child", lose_the_race)

    response = client.post(NEW, data)

    assert response["Location"] == f"/referrals/{first.pk}/"
    assert Referral.objects.count() == 1


# --- immediate risk ---------------------------------------------------------------------


def test_immediate_risk_without_police_contact_shows_999_first_and_saves_nothing(client, signed_in):
    page = errors_of(client.post(NEW, form_data(immediate_risk="yes")))

    assert page.index("app-emergency-panel") < page.index("govuk-error-summary")
    assert 'href="tel:999"' in page
    assert "Enter the date police were contacted" in page
    assert "Enter who contacted the police" in page
    assert "Enter the police incident number" in page
    assert nothing_saved()


def test_other_errors_without_immediate_risk_do_not_lead_with_999(client, signed_in):
    page = errors_of(client.post(NEW, form_data(concerns="")))

    assert page.index("govuk-error-summary") < page.index("app-emergency-panel")


def test_immediate_risk_with_police_contact_is_sent_and_urgent(client, signed_in):
    boss = coordinator(staffordshire())
    yesterday = london_today() - dt.timedelta(days=1)

    response = client.post(
        NEW,
        form_data(
            immediate_risk="yes",
            **_date("police_contacted_on", yesterday),
            police_contacted_time="14:30",
            police_contacted_by="Test User-0001",
            police_incident_number="TEST-0001",
        ),
    )

    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.immediate_risk
    assert referral.police_incident_number == "TEST-0001"
    assert referral.police_contacted_at == dt.datetime.combine(
        yesterday, dt.time(14, 30), tzinfo=LONDON
    )
    assert Notification.objects.filter(recipient=boss, kind="urgent_referral").exists()


def test_police_contact_in_the_future_is_refused(client, signed_in):
    tomorrow = london_today() + dt.timedelta(days=1)

    page = errors_of(
        client.post(
            NEW,
            form_data(
                immediate_risk="yes",
                **_date("police_contacted_on", tomorrow),
                police_contacted_time="9am",
                police_contacted_by="Test User-0001",
                police_incident_number="TEST-0001",
            ),
        )
    )

    # The date is what is wrong: the message says so, not "time".
    assert "The date police were contacted must be today or in the past" in page
    assert "time police were contacted" not in page
    assert nothing_saved()


def test_police_contact_on_a_future_date_is_refused_even_without_a_time(client, signed_in):
    page = errors_of(
        client.post(
            NEW,
            form_data(
                immediate_risk="yes",
                **_date("police_contacted_on", london_today() + dt.timedelta(days=3)),
                police_contacted_by="Test User-0001",
                police_incident_number="TEST-0001",
            ),
        )
    )

    assert "The date police were contacted must be today or in the past" in page
    assert "Enter the time police were contacted" in page
    assert nothing_saved()


def test_police_contact_later_today_is_a_time_in_the_future(client, signed_in):
    # 09:00 in London (BST): 10:30 today is later, and the date itself is fine.
    with time_machine.travel(dt.datetime(2026, 6, 10, 9, 0, tzinfo=LONDON), tick=False):
        page = errors_of(
            client.post(
                NEW,
                form_data(
                    immediate_risk="yes",
                    **_date("police_contacted_on", dt.date(2026, 6, 10)),
                    police_contacted_time="10:30",
                    police_contacted_by="Test User-0001",
                    police_incident_number="TEST-0001",
                ),
            )
        )

    assert "The time police were contacted must be now or earlier today" in page
    assert "date police were contacted" not in page
    assert nothing_saved()


# --- the live risk level ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "level", "reason"),
    [
        ({"answer_missing-late": "present"}, "low", "1 low indicator(s) present"),
        ({"answer_online-grooming": "present"}, "medium", "1 medium indicator(s) present"),
        ({"answer_disclosure": "present"}, "high", "Disclosure of sexual exploitation"),
        (
            {**_date("date_of_birth", years_ago(11)), "answer_hotspots": "not_present"},
            "medium",
            "Under 13: never rated low",
        ),
        (
            {"answer_learning-disability": "present", "answer_missing-late": "present"},
            "medium",
            "Learning disability: never below medium",
        ),
        (
            {"answer_missing-late": "present", **_date("date_of_birth", years_ago(16, 10))},
            "low",
            "1 low indicator(s) present",
        ),
    ],
    ids=["low", "medium", "high", "under-13", "learning-disability", "sixteen"],
)
def test_the_preview_gives_the_tools_level(client, signed_in, changes, level, reason):
    response = client.post(SCORE, changes, HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert response.status_code == 200
    assert f"app-risk-tag--{level}" in page
    assert reason in page
    assert nothing_saved()


def test_the_preview_shows_the_chosen_areas_numbers(client, signed_in):
    page = client.post(SCORE, {"area": str(stoke().pk)}, HTTP_HX_REQUEST="true").content.decode()

    assert 'id="emergency-numbers" hx-swap-oob="true"' in page
    assert "01782 235100" in page
    assert "0800 1313 126" not in page


def test_a_form_shown_again_keeps_the_computed_level(client, signed_in):
    page = errors_of(
        client.post(
            NEW,
            form_data(
                concerns="",
                **{"answer_disclosure": "present", "evidence_disclosure": "Fictional."},
            ),
        )
    )

    risk_box = page[page.index('id="risk-level"') :]
    assert "app-risk-tag--high" in risk_box[:2000]


# --- bad input --------------------------------------------------------------------------


def test_an_override_needs_a_reason(client, signed_in):
    page = errors_of(client.post(NEW, form_data(override_level="high")))

    assert 'href="#id_override_reason"' in page
    assert "Give the reason for using a different level" in page
    assert nothing_saved()


def test_an_override_with_a_reason_keeps_both_levels(client, signed_in):
    client.post(NEW, form_data(override_level="high", override_reason="Fictional judgement."))

    assessment = RiskAssessment.objects.get()
    assert (assessment.computed_level, assessment.final_level) == ("low", "high")


def test_a_present_indicator_needs_evidence(client, signed_in):
    page = errors_of(client.post(NEW, form_data(**{"evidence_missing-late": ""})))

    assert "Say what was seen or heard (Coming home late or going missing)" in page
    assert 'href="#id_evidence_missing-late"' in page
    assert nothing_saved()


@pytest.mark.parametrize(
    ("born", "message"),
    [
        (london_today() + dt.timedelta(days=1), "Date of birth must be in the past"),
        (years_ago(26, 10), "This person is over 25"),
    ],
    ids=["future", "over-25"],
)
def test_dates_of_birth_out_of_range_are_refused(client, signed_in, born, message):
    page = errors_of(client.post(NEW, form_data(**_date("date_of_birth", born))))

    assert message in page
    assert 'href="#id_date_of_birth_day"' in page
    assert nothing_saved()


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (
            {"date_of_birth_day": "31", "date_of_birth_month": "2"},
            "Date of birth must be a real date",
        ),
        ({"date_of_birth_year": "12"}, "Date of birth must be a real date"),
        ({"date_of_birth_month": ""}, "Date of birth must include a month"),
        (
            {"date_of_birth_day": "", "date_of_birth_month": "", "date_of_birth_year": ""},
            "Enter the child's date of birth",
        ),
    ],
    ids=["31-february", "two-digit-year", "no-month", "empty"],
)
def test_impossible_or_missing_dates_are_refused(client, signed_in, parts, message):
    page = errors_of(client.post(NEW, form_data(**parts)))

    assert message in page
    assert 'href="#id_date_of_birth_day"' in page
    assert nothing_saved()


def test_a_young_adult_needs_a_reason_and_is_flagged(client, signed_in):
    born = _date("date_of_birth", years_ago(19, 10))

    page = errors_of(client.post(NEW, form_data(**born)))
    assert "This person is 18 or over" in page
    assert 'href="#id_young_adult_reason"' in page
    assert nothing_saved()

    response = client.post(
        NEW, form_data(**born, young_adult_reason="Fictional: learning disability.")
    )
    referral = Referral.objects.get()
    assert referral.young_adult_reason == "Fictional: learning disability."
    assert "Young adult (18+)" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("years", [16, 17])
def test_16_and_17_year_olds_are_accepted_without_any_warning(client, signed_in, years):
    response = client.post(NEW, form_data(**_date("date_of_birth", years_ago(years, 10))))

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "govuk-warning-text" not in page
    assert "govuk-error" not in page
    assert "18 or over" not in page
    assert Referral.objects.get().young_adult_reason == ""


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("gender", "xyz", "Select the child's gender"),
        ("area", "999999", "Select the area the child lives in"),
        ("legal_status", "outlaw", "Select the child's legal status"),
        ("contact_methods", ["carrier-pigeon"], "Select how contact with the child happens"),
        ("answer_hotspots", "maybe", "Choose present, not present or not known"),
        ("recency_missing-late", "yesterday", "Choose how recently"),
        ("override_level", "extreme", "Choose low, medium or high"),
    ],
)
def test_unknown_choices_are_refused(client, signed_in, field, value, message):
    page = errors_of(client.post(NEW, form_data(**{field: value})))

    assert message in page
    assert nothing_saved()


def test_missing_fields_are_named_by_the_field(client, signed_in):
    page = errors_of(client.post(NEW, {"submission_token": str(uuid.uuid4())}))

    for message, anchor in [
        ("Select yes if the child is at immediate risk", "id_immediate_risk_0"),
        ("Enter the child's first name", "id_first_name"),
        ("Enter the child's date of birth", "id_date_of_birth_day"),
        ("Describe your concerns", "id_concerns"),
        ("Select how contact with the child happens", "id_contact_methods_0"),
    ]:
        assert message in page
        assert f'href="#{anchor}"' in page
    assert "govuk-form-group--error" in page
    assert nothing_saved()


def test_a_form_shown_again_keeps_what_was_typed(client, signed_in):
    page = errors_of(client.post(NEW, form_data(concerns="", known_as="Testname-0001")))

    assert 'value="Testchild-0001"' in page
    assert 'value="Testname-0001"' in page
    assert 'value="online" checked' in page
    year = years_ago(14, 30).year
    assert re.search(rf'name="date_of_birth_year"[^>]* value="{year}"', page)
    assert "Fictional: came home at 2am twice this week." in page


def test_a_consent_answer_of_no_needs_a_reason(client, signed_in):
    page = errors_of(client.post(NEW, form_data(parents_agree="no")))

    assert "Say why the child or their parents do not know or agree" in page
    assert nothing_saved()


# --- the referrer's list and view -------------------------------------------------------


def test_the_list_shows_only_the_referrers_own_referrals(client, signed_in):
    mine = make_referral(by=signed_in, immediate_risk=False)
    theirs = make_referral()

    page = client.get("/referrals/").content.decode()

    assert f"/referrals/{mine.pk}/" in page
    assert mine.child.first_name in page
    assert f"/referrals/{theirs.pk}/" not in page
    assert theirs.child.first_name not in page


def test_another_referrers_referral_is_not_found_like_a_missing_one(client, signed_in):
    theirs = make_referral()
    missing = Referral.objects.order_by("-pk").first().pk + 100

    other = client.get(f"/referrals/{theirs.pk}/")
    absent = client.get(f"/referrals/{missing}/")

    assert other.status_code == absent.status_code == 404
    assert other.content == absent.content
    assert AuditEvent.objects.filter(verb="denied", object_id=str(theirs.pk)).exists()


def test_the_referrer_sees_the_outcome_but_not_the_reason_or_the_case(client, signed_in):
    referral = make_referral(by=signed_in)
    case = services.accept_referral(
        coordinator(staffordshire()),
        referral=referral,
        reason="Testreason-0001 (fictional).",
        lead_agency=AgencyFactory(),
    )

    page = client.get(f"/referrals/{referral.pk}/").content.decode()

    assert "Accepted to panel" in page
    assert "Testreason-0001" not in page
    assert case.reference not in page
    assert AuditEvent.objects.filter(
        verb="viewed", object_type="cases.referral", object_id=str(referral.pk)
    ).exists()


def test_a_route_is_shown_with_the_outcome(client, signed_in):
    referral = make_referral(by=signed_in)
    services.triage_referral(
        coordinator(staffordshire()),
        referral=referral,
        outcome="stepped_down",
        route="eha",
        reason="Testreason-0002 (fictional).",
    )

    page = client.get(f"/referrals/{referral.pk}/").content.decode()

    assert "Stepped down to early help" in page
    assert "Early Help Assessment" in page
    assert "Testreason-0002" not in page


def test_a_coordinator_of_the_area_is_sent_to_triage(client, matrix):
    referral = make_referral()
    client.force_login(coordinator(staffordshire()))

    response = client.get(f"/referrals/{referral.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/triage/{referral.pk}/"


def test_a_coordinator_of_another_area_gets_not_found(client, matrix):
    referral = make_referral()
    client.force_login(coordinator(stoke()))

    assert client.get(f"/referrals/{referral.pk}/").status_code == 404


def test_an_agency_lead_who_refers_sees_what_they_sent(client, matrix):
    client.force_login(agency_lead())

    response = client.post(NEW, form_data())

    referral = Referral.objects.get()
    assert response["Location"] == f"/referrals/{referral.pk}/"
    assert client.get(response["Location"]).status_code == 200
    assert f'href="/referrals/{referral.pk}/"' in client.get("/referrals/").content.decode()


@pytest.mark.parametrize("count", [1, 20])
def test_the_list_runs_a_fixed_number_of_queries(client, signed_in, count):
    for _ in range(count):
        make_referral(by=signed_in)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/referrals/")

    assert response.status_code == 200
    assert len(re.findall(r'href="/referrals/\d+/"', response.content.decode())) == count
    # session, user, roles, the header's unread notifications, whether a user without a panel
    # role works on a case (the header's My work), the count for the pages, one page of
    # referrals with their children; the page recorded as one "listed" event (its records
    # in one insert, however many)
    expected = 7 + audit_event_queries(agency=False, listed_rows=True)
    assert len(queries) == expected, "\n".join(q["sql"][:90] for q in queries)


# --- issue 8, point 1: early help is advised only for a low, assessed, non-urgent referral --


IMMEDIATE = {
    "immediate_risk": "yes",
    **_date("police_contacted_on", london_today() - dt.timedelta(days=1)),
    "police_contacted_time": "14:30",
    "police_contacted_by": "Test User-0001",
    "police_incident_number": "TEST-0001",
}


def test_an_immediate_risk_referral_is_never_advised_early_help_and_is_told_999(client, signed_in):
    response = client.post(NEW, form_data(**IMMEDIATE))  # one low indicator: level low

    assert RiskAssessment.objects.get().final_level == "low"
    page = text_of(client.get(response["Location"]))
    assert "Early help" not in page
    assert "Early Help Assessment" not in page
    emergency = page[page.index('id="emergency-numbers"') :][:2500]
    assert "If the child is in immediate danger, call" in emergency
    assert 'href="tel:999"' in emergency
    assert "101" in emergency  # the area's police non-emergency number, from its row
    assert "First Response" in emergency and "0800 1313 126" in emergency


def test_the_area_numbers_on_the_immediate_risk_page_come_from_the_area_row(client, signed_in):
    Area.objects.filter(pk=staffordshire().pk).update(
        front_door_phone="0800 0000 001", police_non_emergency="0101 000"
    )

    response = client.post(NEW, form_data(**IMMEDIATE))

    page = text_of(client.get(response["Location"]))
    assert "0800 0000 001" in page and "0101 000" in page


def preview(client, **changes) -> str:
    data = {
        "immediate_risk": "no",
        "answer_missing-late": "present",
        "area": str(staffordshire().pk),
        "child_agrees": "yes",
        "parents_agree": "no",
    }
    data.update(changes)
    data = {key: value for key, value in data.items() if value is not None}
    response = client.post(SCORE, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return text_of(response)


def test_the_live_level_advises_early_help_before_sending_a_low_referral(client, signed_in):
    LocalSupportTeamFactory(area=staffordshire(), name="Test LST Early-01", phone="01234 111111")

    page = preview(client)

    assert "app-risk-tag--low" in page
    assert "Early help may be better than a panel referral" in page
    assert "Early Help Assessment (EHA)" in page
    assert "Local Support Team" in page
    assert "Test LST Early-01" in page and "01234 111111" in page
    assert nothing_saved()


@pytest.mark.parametrize(
    "changes",
    [
        {"immediate_risk": "yes"},
        {"immediate_risk": None},  # not answered yet: never assume the child is safe
        {"answer_online-grooming": "present"},  # medium
        {"answer_missing-late": None},  # not assessed
        {"answer_missing-late": "unknown"},  # not assessed
        {"override_level": "medium", "override_reason": "Fictional."},
        _date("date_of_birth", years_ago(11)),  # under 13: never low
    ],
    ids=["immediate", "immediate-unanswered", "medium", "blank", "unknown", "override", "u13"],
)
def test_the_live_level_gives_no_early_help_advice_unless_low_assessed_and_not_urgent(
    client, signed_in, changes
):
    page = preview(client, **changes)

    assert "Early help" not in page


def test_the_live_level_shows_an_unanswered_matrix_as_not_assessed(client, signed_in):
    page = preview(client, **{"answer_missing-late": "unknown", "answer_looked-after": "present"})

    assert "Not assessed" in page
    assert "app-risk-tag--low" not in page


def test_early_help_needs_the_consent_of_the_young_person_or_a_parent(client, signed_in):
    page = preview(client, child_agrees="no", parents_agree="unknown")

    assert "Early help may be better" not in page
    assert "Early help needs consent" in page
    assert "First Response" in page and "0800 1313 126" in page

    assert "Early help may be better" in preview(client, child_agrees="no", parents_agree="yes")


def test_without_javascript_working_out_the_level_shows_the_advice_and_sends_nothing(
    client, signed_in
):
    response = client.post(NEW, form_data(concerns="", check="1"))

    page = text_of(response)
    assert response.status_code == 200
    assert "There is a problem" not in page
    risk_box = page[page.index('id="risk-level"') :][:4000]
    assert "app-risk-tag--low" in risk_box
    assert "Early help may be better than a panel referral" in risk_box
    assert 'name="check"' in page
    assert nothing_saved()


def test_the_sent_page_says_early_help_needs_consent_when_neither_agrees(client, signed_in):
    response = client.post(
        NEW,
        form_data(child_agrees="no", parents_agree="no", consent_notes="Fictional reason."),
    )

    page = text_of(client.get(response["Location"]))
    assert "Early help may be better" not in page
    assert "Early help needs consent" in page


# --- issue 8, point 2: an unanswered matrix is "Not assessed" on the referral ---------------


def test_a_referral_sent_with_the_matrix_unanswered_is_not_assessed_not_low(client, signed_in):
    data = form_data(**{"answer_looked-after": "present", "evidence_looked-after": "F."})
    for name in ["answer_missing-late", "evidence_missing-late", "recency_missing-late"]:
        data.pop(name)
    data["answer_hotspots"] = "unknown"

    response = client.post(NEW, data)

    assessment = RiskAssessment.objects.get()
    assert (assessment.computed_level, assessment.final_level) == (None, None)
    page = text_of(client.get(response["Location"]))
    assert "Not assessed" in page
    assert "app-risk-tag--low" not in page
    assert "Early help" not in page
