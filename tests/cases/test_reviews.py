"""Reviews on the web: holding the upcoming review, a changed risk level going through a new
assessment, and the coordinators' "reviews due" list."""

import datetime as dt
import re
import uuid

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from cases import services
from cases.models import Review
from panel.dates import LONDON
from tests.factories import (
    AgencyFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    matrix_tool,
    staffordshire,
    stoke,
)
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db

# 10:00 on Monday 2 March 2026 in London (GMT).
MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def hold_form(*agencies, held_on: dt.date = dt.date(2026, 3, 2), **overrides) -> dict:
    form = {
        "held_on_day": str(held_on.day),
        "held_on_month": str(held_on.month),
        "held_on_year": str(held_on.year),
        "attending_agencies": [agency.pk for agency in agencies],
        "outcome": "Fictional: the plan is working.",
        "risk_level_after": "low",
    }
    return form | overrides


@pytest.fixture
def police():
    return AgencyFactory(name="Test Police")


@pytest.fixture
def boss():
    return coordinator()


@pytest.fixture
def case(boss, police):
    with time_machine.travel(MONDAY - dt.timedelta(days=30), tick=False):
        return make_case(coordinator_user=boss, agencies=[police])


@time_machine.travel(MONDAY, tick=False)
@pytest.mark.parametrize(("answers", "level", "days"), [({}, "low", 42), (None, "high", 14)])
def test_holding_a_review_records_it_and_sets_the_next_by_the_cadence(
    client, boss, police, answers, level, days
):
    from cases.services import AnswerInput

    high = {"controlled-by-adult": AnswerInput("present", "Fictional.")}
    given = high if answers is None else None  # None: the factory's answered (low) matrix
    with time_machine.travel(MONDAY - dt.timedelta(days=20), tick=False):
        case = make_case(coordinator_user=boss, agencies=[police], answers=given)
    review = case.reviews.get()
    client.force_login(boss)

    response = client.post(
        reverse("cases:review-hold", args=[review.pk]),
        hold_form(police, risk_level_after=level),
        follow=True,
    )

    review.refresh_from_db()
    next_due = dt.date(2026, 3, 2) + dt.timedelta(days=days)
    assert (review.status, review.held_on, review.risk_level_after, review.held_by) == (
        "held",
        dt.date(2026, 3, 2),
        level,
        boss,
    )
    assert list(review.attending_agencies.all()) == [police]
    assert review.next_due_date == next_due
    upcoming = case.reviews.get(status="upcoming")  # exactly one upcoming review
    assert upcoming.due_date == next_due
    page = response.content.decode()
    assert f"The next review is due on {next_due:%-d %B %Y}." in page
    assert next_due.strftime("%-d %b %Y") in page  # the case page's next review
    assert AuditEvent.objects.filter(object_type="cases.review", verb="updated").count() == 1


@time_machine.travel(MONDAY, tick=False)
def test_the_cadence_comes_from_settings(client, boss, case, police, settings):
    settings.REVIEW_CADENCE_DAYS = {"high": 7, "medium": 21, "low": 35}
    review = case.reviews.get()
    client.force_login(boss)

    client.post(reverse("cases:review-hold", args=[review.pk]), hold_form(police))

    assert case.reviews.get(status="upcoming").due_date == dt.date(2026, 4, 6)


@time_machine.travel(MONDAY, tick=False)
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"held_on_day": "3"}, "The date the review was held must be today or in the past."),
        ({"held_on_month": "1"}, "The date the review was held must be after the case opened."),
        (
            {"held_on_day": "30", "held_on_month": "2"},
            "The date the review was held must be a real",
        ),
        ({"held_on_day": "", "held_on_month": "", "held_on_year": ""}, "Enter the date the review"),
        ({"outcome": " "}, "Record the review&#x27;s outcome."),
        ({"attending_agencies": []}, "Select the agencies that attended the review."),
        ({"risk_level_after": ""}, "Confirm the risk level."),
    ],
)
def test_bad_input_is_a_message_and_nothing_is_saved(
    client, boss, case, police, overrides, message
):
    review = case.reviews.get()
    client.force_login(boss)

    response = client.post(
        reverse("cases:review-hold", args=[review.pk]), hold_form(police, **overrides)
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    review.refresh_from_db()
    assert review.status == "upcoming"
    assert case.reviews.count() == 1


@time_machine.travel(MONDAY, tick=False)
def test_an_agency_not_involved_cannot_be_recorded_as_attending(client, boss, case, police):
    review = case.reviews.get()
    outsider = AgencyFactory(name="Test Outsider")
    client.force_login(boss)

    page = client.post(
        reverse("cases:review-hold", args=[review.pk]), hold_form(police, outsider)
    ).content.decode()

    assert "Choose agencies involved in this case." in page
    with pytest.raises(ValidationError) as error:
        services.hold_review(
            boss, review=review, held_on=dt.date(2026, 3, 2), outcome="Fictional.",
            risk_level_after="low", attending_agencies=[outsider],
        )  # fmt: skip
    assert "attending_agencies" in error.value.message_dict
    review.refresh_from_db()
    assert review.status == "upcoming"


@time_machine.travel(MONDAY, tick=False)
def test_a_different_level_is_refused_and_points_to_a_new_assessment(client, boss, case, police):
    review = case.reviews.get()
    client.force_login(boss)

    response = client.post(
        reverse("cases:review-hold", args=[review.pk]),
        hold_form(police, risk_level_after="high", outcome="Fictional: new concerns."),
    )

    page = response.content.decode()
    assert "The case&#x27;s risk level is low." in page
    assert "a new risk assessment" in page
    assert f'href="{reverse("cases:case-assess", args=[case.pk])}"' in page
    assert "Fictional: new concerns." in page  # what they wrote is kept
    review.refresh_from_db()
    assert review.status == "upcoming"


@time_machine.travel(MONDAY, tick=False)
def test_after_a_new_assessment_the_review_confirms_the_new_level(client, boss, case, police):
    review = case.reviews.get()
    client.force_login(boss)
    answers = {f"answer_{i.code}": "unknown" for i in matrix_tool().indicators.all()}
    answers |= {
        "answer_controlled-by-adult": "present",
        "evidence_controlled-by-adult": "Fictional evidence.",
        "submission_token": str(uuid.uuid4()),
    }

    assessed = client.post(reverse("cases:case-assess", args=[case.pk]) + "?then=review", answers)
    assert assessed.url == reverse("cases:review-hold", args=[review.pk])
    client.post(
        reverse("cases:review-hold", args=[review.pk]), hold_form(police, risk_level_after="high")
    )

    review.refresh_from_db()
    case.refresh_from_db()
    assert case.risk_level == review.risk_level_after == "high"
    assert review.next_due_date == dt.date(2026, 3, 16)


def test_only_coordinators_of_the_area_hold_reviews(client, case, police):
    url = reverse("cases:review-hold", args=[case.reviews.get().pk])
    for user in [agency_lead(police), auditor()]:
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, hold_form(police)).status_code == 403
    client.force_login(coordinator(stoke()))
    missing = client.get(reverse("cases:review-hold", args=[999999]))
    response = client.get(url)
    assert response.status_code == missing.status_code == 404
    assert response.content == missing.content
    assert not case.reviews.filter(status="held").exists()


@time_machine.travel(MONDAY, tick=False)
def test_a_review_already_held_is_not_held_again(client, boss, case, police):
    review = case.reviews.get()
    client.force_login(boss)
    client.post(reverse("cases:review-hold", args=[review.pk]), hold_form(police))

    again = client.post(
        reverse("cases:review-hold", args=[review.pk]), hold_form(police), follow=True
    )

    assert "already been held" in again.content.decode()
    assert case.reviews.filter(status="held").count() == 1
    assert case.reviews.filter(status="upcoming").count() == 1


# --- reviews due ------------------------------------------------------------------------------


def test_reviews_due_lists_the_areas_upcoming_reviews_by_date_with_overdue_flagged(client, boss):
    with time_machine.travel(MONDAY - dt.timedelta(days=60), tick=False):
        late = make_case(coordinator_user=boss)  # low: due 42 days later, now overdue
    with time_machine.travel(MONDAY - dt.timedelta(days=10), tick=False):
        soon = make_case(coordinator_user=boss)
    with time_machine.travel(MONDAY - dt.timedelta(days=30), tick=False):
        elsewhere = make_case(area=stoke())
    client.force_login(boss)

    with time_machine.travel(MONDAY, tick=False):
        page = client.get(reverse("cases:reviews-due")).content.decode()

    assert elsewhere.reference not in page
    assert page.index(late.reference) < page.index(soon.reference)
    rows = page.split('class="govuk-table__row app-review-due"')[1:]
    assert "Overdue" in rows[0] and "Overdue" not in rows[1]
    assert late.child.full_name in page
    assert reverse("cases:review-hold", args=[late.reviews.get().pk]) in page


def test_reviews_due_filters_by_days_and_area(client, boss):
    boss.role_assignments.create(role="coordinator", area=stoke())
    with time_machine.travel(MONDAY - dt.timedelta(days=10), tick=False):
        in_32_days = make_case(coordinator_user=boss)
        stoke_case = make_case(area=stoke())
    client.force_login(type(boss).objects.get(pk=boss.pk))

    def listed(**params) -> set[str]:
        with time_machine.travel(MONDAY, tick=False):
            page = client.get(reverse("cases:reviews-due"), params).content.decode()
        return {c.reference for c in (in_32_days, stoke_case) if c.reference in page}

    assert listed() == {in_32_days.reference, stoke_case.reference}
    assert listed(within=31) == set()
    assert listed(within=32) == {in_32_days.reference, stoke_case.reference}
    assert listed(area=stoke().pk) == {stoke_case.reference}
    assert listed(area=staffordshire().pk) == {in_32_days.reference}


def test_a_bad_filter_is_a_message_not_a_crash(client, boss):
    client.force_login(boss)

    response = client.get(reverse("cases:reviews-due"), {"within": "soon"})

    assert response.status_code == 200
    assert "Enter a number of days, like 14." in response.content.decode()


def test_reviews_due_is_for_coordinators(client, police):
    for user in [agency_lead(police), auditor()]:
        client.force_login(user)
        assert client.get(reverse("cases:reviews-due")).status_code == 403


def _reviews_due_queries(client, cases: int) -> int:
    boss = coordinator()
    for _ in range(cases):
        make_case(coordinator_user=boss)
    client.force_login(boss)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("cases:reviews-due")).status_code == 200
    return len(queries)


@pytest.mark.parametrize("cases", [1, 50])
def test_reviews_due_runs_a_fixed_number_of_queries(client, cases):
    # session, user, roles, count, page of reviews (with case, area and child), unread
    # notifications; the page recorded as one "listed" event (its records in one insert)
    listed = audit_event_queries(agency=False, listed_rows=True)
    assert _reviews_due_queries(client, cases) == 6 + listed


def test_reviews_due_always_lists_exactly_one_upcoming_review_per_open_case(client, boss):
    cases = [make_case(coordinator_user=boss) for _ in range(3)]
    client.force_login(boss)

    page = client.get(reverse("cases:reviews-due")).content.decode()

    assert page.count('class="govuk-table__row app-review-due"') == 3
    assert Review.objects.filter(status="upcoming").count() == len(cases)


# --- a held review in the case chronology -----------------------------------------------


def _london(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=LONDON)  # June: BST


def _titles(case) -> list[str]:
    from cases.selectors import chronology

    return [entry.title for entry in chronology(case) if entry.kind in ("review", "note")]


def test_a_review_held_today_sits_where_it_was_recorded_with_no_invented_time(client, boss):
    police = AgencyFactory(name="Test Police")
    with time_machine.travel(_london(1, 9), tick=False):
        case = make_case(coordinator_user=boss, agencies=[police])
    review = case.reviews.get()
    services.add_note(boss, case=case, text="Fictional: before the panel.", now=_london(10, 13, 5))
    services.hold_review(
        boss,
        review=review,
        held_on=dt.date(2026, 6, 10),
        outcome="Fictional: plan working.",
        risk_level_after=case.risk_level,
        attending_agencies=[police],
        now=_london(10, 14, 20),
    )
    services.add_note(boss, case=case, text="Fictional: after the panel.", now=_london(10, 14, 45))
    review.refresh_from_db()
    assert review.recorded_at == _london(10, 14, 20)

    assert _titles(case) == ["Case note", "Review held: risk low", "Case note"]
    client.force_login(boss)
    with time_machine.travel(_london(11, 9), tick=False):
        page = client.get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    chronology = " ".join(re.sub(r"<[^>]+>", "", page[page.index("Chronology") :]).split())
    assert "10 Jun 2026 · recorded 10 Jun 2026 14:20" in chronology
    assert "12:00" not in chronology and "13:00" not in chronology


def test_a_review_recorded_days_later_is_ordered_by_the_day_it_was_held(boss):
    police = AgencyFactory(name="Test Police")
    with time_machine.travel(_london(1, 9), tick=False):
        case = make_case(coordinator_user=boss, agencies=[police])
    services.add_note(boss, case=case, text="Fictional: panel day.", now=_london(8, 16))
    services.add_note(boss, case=case, text="Fictional: the day after.", now=_london(9, 10))
    services.hold_review(
        boss,
        review=case.reviews.get(),
        held_on=dt.date(2026, 6, 8),
        outcome="Fictional: plan working.",
        risk_level_after=case.risk_level,
        attending_agencies=[police],
        now=_london(10, 9),
    )

    from cases.selectors import chronology

    entries = [e for e in chronology(case) if e.kind in ("review", "note")]
    assert [(e.title, e.detail) for e in entries] == [
        ("Case note", "Fictional: panel day."),
        ("Review held: risk low", "Fictional: plan working."),
        ("Case note", "Fictional: the day after."),
    ]
    review = entries[1]
    assert (review.on, review.at) == (dt.date(2026, 6, 8), _london(10, 9))


def test_the_migration_dates_reviews_held_before_it_from_the_audit_trail(boss):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("cases.migrations.0011_review_recorded_at")
    police = AgencyFactory(name="Test Police")
    with time_machine.travel(_london(1, 9), tick=False):
        case = make_case(coordinator_user=boss, agencies=[police])
    review = case.reviews.get()
    with time_machine.travel(_london(10, 9, 30), tick=False):  # the audit event's time
        services.hold_review(
            boss,
            review=review,
            held_on=dt.date(2026, 6, 8),
            outcome="Fictional: plan working.",
            risk_level_after=case.risk_level,
            attending_agencies=[police],
        )
    # Held with no audit event: its creation time is when it was scheduled, which says
    # nothing of when it was recorded.
    unrecorded = case.reviews.get(status="upcoming")
    Review.objects.filter(pk=unrecorded.pk).update(
        status="held", held_on=dt.date(2026, 6, 9), outcome="Fictional.", risk_level_after="low"
    )
    Review.objects.update(recorded_at=None)  # as before the field existed

    migration.fill_recorded_at(apps, None)

    review.refresh_from_db()
    unrecorded.refresh_from_db()
    assert review.recorded_at == _london(10, 9, 30)
    assert unrecorded.recorded_at is None
