"""Actions and reviews over the API: lists and filters (overdue derived in the query),
agreeing, progressing and re-assigning actions with their version, holding reviews."""

import datetime as dt

import pytest
import time_machine

from audit.models import AuditEvent
from cases import services
from cases.models import Action, Review
from notifications.models import Notification
from tests.cases.test_api import NOT_FOUND, area_agency, client_for
from tests.factories import (
    UserFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    referrer,
    staffordshire,
    stoke,
)
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db

DUE = dt.date(2030, 1, 15)


@pytest.fixture
def area():
    return staffordshire()


@pytest.fixture
def boss(area):
    return coordinator(area)


@pytest.fixture
def police(area):
    return area_agency(area, name="Test Police")


@pytest.fixture
def health(area):
    return area_agency(area, name="Test Health")


@pytest.fixture
def case(boss, police, health):
    return make_case(coordinator_user=boss, agencies=[police, health])


def add(boss, case, agency, due: dt.date = DUE, **kwargs) -> Action:
    fields = {"description": "Fictional action.", "four_p": "prevent"} | kwargs
    return services.add_action(boss, case=case, owning_agency=agency, due_date=due, **fields)


def new_action(case, agency, **overrides) -> dict:
    body = {
        "case": case.pk,
        "description": "Fictional: disruption visit.",
        "owning_agency": agency.pk,
        "due_date": DUE.isoformat(),
        "priority": "high",
        "four_p": "pursue",
    }
    return body | overrides


# --- the list --------------------------------------------------------------------------------


def test_actions_filter_by_case_agency_status_overdue_and_due_dates(boss, case, police, health):
    other = make_case(coordinator_user=boss, agencies=[police])
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        late = add(boss, case, police, dt.date(2026, 3, 10))
        later = add(boss, case, health, dt.date(2026, 4, 10))
        elsewhere = add(boss, other, police, dt.date(2026, 5, 10))
        done = add(boss, other, police, dt.date(2026, 3, 5))
        services.update_action(
            boss, action=done, version=1, status="done", completion_note="Fictional."
        )
    api = client_for(boss)

    def ids(query: str) -> list[int]:
        with time_machine.travel(dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC), tick=False):
            response = api.get(f"/api/v1/actions/?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [done.pk, late.pk, later.pk, elsewhere.pk]
    assert ids(f"case={case.pk}") == [late.pk, later.pk]
    assert ids(f"owning_agency={health.pk}") == [later.pk]
    assert ids("status=done") == [done.pk]
    assert ids("overdue=true") == [late.pk]  # the done one is past its date but not overdue
    assert ids("overdue=false") == [done.pk, later.pk, elsewhere.pk]
    assert ids("due_before=2026-04-30&due_after=2026-03-06") == [late.pk, later.pk]


def test_overdue_flips_at_london_midnight(boss, case, police):
    action = add(boss, case, police, dt.date(2026, 7, 1), confirm_past_due=True)
    api = client_for(boss)

    def overdue() -> tuple[bool, list[int]]:
        row = api.get(f"/api/v1/actions/{action.pk}/").json()
        listed = api.get("/api/v1/actions/?overdue=true").json()["results"]
        return row["is_overdue"], [r["id"] for r in listed]

    # 22:30 UTC on 1 July is 23:30 in London: due today, not overdue.
    with time_machine.travel(dt.datetime(2026, 7, 1, 22, 30, tzinfo=dt.UTC), tick=False):
        assert overdue() == (False, [])
    # 23:30 UTC on 1 July is 00:30 on 2 July in London: overdue.
    with time_machine.travel(dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC), tick=False):
        assert overdue() == (True, [action.pk])


def test_a_bad_filter_value_is_refused_with_its_field(boss):
    response = client_for(boss).get("/api/v1/actions/?status=lost&overdue=perhaps")

    assert response.status_code == 400
    assert set(response.json()) == {"status", "overdue"}


def test_a_lead_sees_the_actions_of_cases_their_agency_is_in(boss, case, police, health):
    mine = add(boss, case, health)
    outside = make_case(coordinator_user=boss, agencies=[police])
    add(boss, outside, police)

    body = client_for(agency_lead(health)).get("/api/v1/actions/").json()

    assert [row["id"] for row in body["results"]] == [mine.pk]


@pytest.mark.parametrize("rows", [1, 50])
def test_the_action_list_takes_the_same_queries_for_1_or_50_rows(
    rows, boss, case, police, django_assert_num_queries
):
    for n in range(rows):
        add(boss, case, police, owner=UserFactory(agency=police), due=DUE + dt.timedelta(n))
    api = client_for(boss)

    # roles, count, page (with case, agency, owner and author); then the page recorded as
    # one "listed" event (its records in one insert, however many)
    with django_assert_num_queries(3 + audit_event_queries(listed_rows=True)):
        response = api.get("/api/v1/actions/")

    assert len(response.json()["results"]) == rows


# --- one action ------------------------------------------------------------------------------


def test_an_action_shows_its_timeline_and_reading_it_is_recorded(boss, case, police):
    action = add(boss, case, police)
    lead = agency_lead(police)
    services.update_action(lead, action=action, version=1, status="in_progress", note="Visit.")

    body = client_for(lead).get(f"/api/v1/actions/{action.pk}/").json()

    assert body["case"] == {"id": case.pk, "reference": case.reference}
    assert (body["status"], body["version"], body["is_overdue"]) == ("in_progress", 2, False)
    assert [(u["status_to"], u["note"], u["author"]["id"]) for u in body["updates"]] == [
        ("in_progress", "Visit.", lead.pk)
    ]
    event = AuditEvent.objects.get(actor=lead, verb="viewed")
    assert (event.object_type, event.case_reference) == ("cases.action", case.reference)


@pytest.mark.parametrize(
    "user_factory",
    [referrer, lambda: agency_lead(area_agency()), lambda: coordinator(stoke())],
    ids=["referrer", "lead-not-involved", "other-area-coordinator"],
)
def test_an_action_out_of_scope_is_the_same_404_as_a_missing_one(boss, case, police, user_factory):
    action = add(boss, case, police)
    api = client_for(user_factory())
    body = {"version": 1, "note": "x"}

    for path in ["", "update/", "reassign/"]:
        method = api.get if not path else api.post
        kwargs = {} if not path else {"data": body, "format": "json"}
        seen = method(f"/api/v1/actions/{action.pk}/{path}", **kwargs)
        missing = method(f"/api/v1/actions/999999/{path}", **kwargs)
        assert seen.status_code == missing.status_code == 404, path
        assert seen.json() == missing.json() == NOT_FOUND
    assert action.updates.count() == 0


# --- agreeing one ----------------------------------------------------------------------------


def test_a_coordinator_adds_an_action_and_its_leads_are_notified(boss, case, police):
    lead = agency_lead(police)

    response = client_for(boss).post("/api/v1/actions/", new_action(case, police), format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["priority"], body["four_p"], body["owning_agency"]["id"]) == (
        "high",
        "pursue",
        police.pk,
    )
    note = Notification.objects.get(recipient=lead)
    assert (note.kind, note.case_reference) == ("action_assigned", case.reference)
    assert case.child.first_name not in f"{note.link} {note.key}"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": ""}, "description"),
        ({"due_date": "2030-02-30"}, "due_date"),
        ({"due_date": "next week"}, "due_date"),
        ({"four_p": "ponder"}, "four_p"),
        ({"four_p": None}, "four_p"),
    ],
)
def test_bad_input_is_400_by_field_and_saves_nothing(boss, case, police, overrides, field):
    body = {k: v for k, v in new_action(case, police, **overrides).items() if v is not None}

    response = client_for(boss).post("/api/v1/actions/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Action.objects.exists()


@time_machine.travel(dt.datetime(2026, 6, 1, 23, 30, tzinfo=dt.UTC), tick=False)
def test_a_past_due_date_is_400_on_due_date_unless_confirmed(boss, case, police):
    api = client_for(boss)
    body = new_action(case, police, due_date="2026-06-01")  # yesterday in London

    refused = api.post("/api/v1/actions/", body, format="json")

    assert refused.status_code == 400
    assert list(refused.json()) == ["due_date"]
    assert "in the past" in refused.json()["due_date"][0]
    assert not Action.objects.exists()

    confirmed = api.post("/api/v1/actions/", body | {"confirm_past_due": True}, format="json")

    assert confirmed.status_code == 201
    assert confirmed.json()["due_date"] == "2026-06-01"


def test_an_agency_not_involved_or_an_owner_outside_it_is_400(boss, case, police, health, area):
    outsider = area_agency(area, name="Test Outsider")
    make_case(coordinator_user=boss, agencies=[outsider])  # involved elsewhere, not here
    api = client_for(boss)

    wrong_agency = api.post("/api/v1/actions/", new_action(case, outsider), format="json")
    nurse = UserFactory(agency=health)
    wrong_owner = api.post(
        "/api/v1/actions/", new_action(case, police, owner=nurse.pk), format="json"
    )

    assert wrong_agency.status_code == wrong_owner.status_code == 400
    assert wrong_agency.json() == {"owning_agency": ["Choose an agency involved in this case."]}
    assert wrong_owner.json() == {
        "owner": ["The owner must be an active member of the owning agency."]
    }
    assert not Action.objects.exists()


@pytest.mark.parametrize(
    "user_factory",
    [referrer, auditor, lambda: agency_lead(area_agency())],
    ids=["referrer", "auditor", "lead"],
)
def test_only_coordinators_add_actions(case, police, user_factory):
    response = client_for(user_factory()).post(
        "/api/v1/actions/", new_action(case, police), format="json"
    )

    assert response.status_code == 403
    assert not Action.objects.exists()


def test_an_action_on_a_closed_case_is_refused_and_does_not_reopen_it(boss, case, police):
    services.transition_case(
        boss, case=case, to_status="closed", closure_reason="other", closure_summary="Test."
    )

    response = client_for(boss).post("/api/v1/actions/", new_action(case, police), format="json")

    assert response.status_code == 400
    case.refresh_from_db()
    assert case.status == "closed"


# --- progressing it --------------------------------------------------------------------------


def test_a_lead_of_the_owning_agency_progresses_and_completes_it(boss, case, police):
    action = add(boss, case, police)
    api = client_for(agency_lead(police))

    first = api.post(
        f"/api/v1/actions/{action.pk}/update/",
        {"version": 1, "status": "in_progress", "note": "Fictional."},
        format="json",
    )
    done = api.post(
        f"/api/v1/actions/{action.pk}/update/",
        {"version": 2, "status": "done", "completion_note": "Fictional: plan agreed."},
        format="json",
    )

    assert first.status_code == done.status_code == 200
    assert (done.json()["status"], done.json()["version"]) == ("done", 3)
    assert done.json()["completion_note"] == "Fictional: plan agreed."
    assert len(done.json()["updates"]) == 2


def test_a_stale_version_is_409_with_the_current_version_and_changes_nothing(boss, case, police):
    action = add(boss, case, police)
    lead = agency_lead(police)
    services.update_action(lead, action=action, version=1, note="Someone else first.")

    response = client_for(lead).post(
        f"/api/v1/actions/{action.pk}/update/",
        {"version": 1, "status": "in_progress", "note": "Mine."},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    action.refresh_from_db()
    assert (action.status, action.updates.count()) == ("open", 1)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "in_progress"}, "version"),
        ({"version": 1, "status": "lost"}, "status"),
        ({"version": 1, "status": "done"}, "completion_note"),
        ({"version": 1}, "note"),
    ],
    ids=["no-version", "unknown-status", "done-without-note", "nothing-said"],
)
def test_a_bad_update_is_400_by_field(boss, case, police, body, field):
    action = add(boss, case, police)

    response = client_for(agency_lead(police)).post(
        f"/api/v1/actions/{action.pk}/update/", body, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    action.refresh_from_db()
    assert (action.version, action.updates.count()) == (1, 0)


def test_cancelling_is_for_coordinators_with_a_reason(boss, case, police):
    action = add(boss, case, police)
    url = f"/api/v1/actions/{action.pk}/update/"

    as_lead = client_for(agency_lead(police)).post(
        url, {"version": 1, "status": "cancelled", "cancel_reason": "x"}, format="json"
    )
    no_reason = client_for(boss).post(url, {"version": 1, "status": "cancelled"}, format="json")
    cancelled = client_for(boss).post(
        url, {"version": 1, "status": "cancelled", "cancel_reason": "Fictional."}, format="json"
    )

    assert as_lead.status_code == 403
    assert no_reason.status_code == 400 and "cancel_reason" in no_reason.json()
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


@pytest.mark.parametrize(
    "user_factory", [auditor, "health_lead"], ids=["auditor", "another-agencys-lead"]
)
def test_who_may_not_update_gets_403_whatever_they_send(boss, case, police, health, user_factory):
    action = add(boss, case, police)
    user = agency_lead(health) if user_factory == "health_lead" else user_factory()
    api = client_for(user)

    for body in [{}, {"version": 1, "note": "Fictional."}]:
        response = api.post(f"/api/v1/actions/{action.pk}/update/", body, format="json")
        assert response.status_code == 403
    assert action.updates.count() == 0


# --- re-assigning ----------------------------------------------------------------------------


def test_a_coordinator_reassigns_and_the_new_agencys_leads_are_told(boss, case, police, health):
    action = add(boss, case, police)
    health_lead = agency_lead(health)
    nurse = UserFactory(agency=health)

    response = client_for(boss).post(
        f"/api/v1/actions/{action.pk}/reassign/",
        {
            "version": 1,
            "owning_agency": health.pk,
            "owner": nurse.pk,
            "due_date": "2030-02-01",
            "priority": "urgent",
            "four_p": "protect",
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["owning_agency"]["id"], body["owner"]["id"], body["version"]) == (
        health.pk,
        nurse.pk,
        2,
    )
    assert body["updates"][0]["note"].startswith("Re-assigned. Owning agency: Test Police")
    assert Notification.objects.filter(recipient=health_lead, kind="action_assigned").exists()


def test_reassigning_is_for_coordinators_checks_its_choices_and_its_version(
    boss, case, police, health, area
):
    action = add(boss, case, police)
    body = {
        "version": 1,
        "owning_agency": area_agency(area).pk,  # serves the area, not involved in the case
        "due_date": "2030-02-01",
        "priority": "normal",
        "four_p": "prevent",
    }
    url = f"/api/v1/actions/{action.pk}/reassign/"

    assert client_for(agency_lead(police)).post(url, {}, format="json").status_code == 403
    not_involved = client_for(boss).post(url, body, format="json")
    assert not_involved.status_code == 400 and "owning_agency" in not_involved.json()
    services.update_action(boss, action=action, version=1, note="Someone else first.")
    stale = client_for(boss).post(url, body | {"owning_agency": health.pk}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    action.refresh_from_db()
    assert action.owning_agency == police


# --- reviews ---------------------------------------------------------------------------------

MARCH_2 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def test_reviews_filter_by_case_status_dates_and_overdue(boss, police):
    with time_machine.travel(MARCH_2 - dt.timedelta(days=60), tick=False):
        late = make_case(coordinator_user=boss, agencies=[police])  # due 42 days later
    with time_machine.travel(MARCH_2 - dt.timedelta(days=10), tick=False):
        soon = make_case(coordinator_user=boss, agencies=[police])
    with time_machine.travel(MARCH_2, tick=False):
        services.hold_review(
            boss, review=soon.reviews.get(), held_on=dt.date(2026, 3, 2), outcome="Fictional.",
            risk_level_after="low", attending_agencies=[police],
        )  # fmt: skip
    api = client_for(boss)

    def cases(query: str) -> list[tuple[int, str]]:
        with time_machine.travel(MARCH_2, tick=False):
            results = api.get(f"/api/v1/reviews/?{query}").json()["results"]
        return [(row["case"]["id"], row["status"]) for row in results]

    assert cases("overdue=true") == [(late.pk, "upcoming")]
    assert cases(f"case={soon.pk}") == [(soon.pk, "held"), (soon.pk, "upcoming")]
    assert cases("status=upcoming") == [(late.pk, "upcoming"), (soon.pk, "upcoming")]
    # soon: the held review was due 3 April, the next one 13 April.
    assert cases("due_after=2026-04-05&due_before=2026-04-30") == [(soon.pk, "upcoming")]
    assert cases("due_before=2026-04-05") == [(late.pk, "upcoming"), (soon.pk, "held")]


@time_machine.travel(MARCH_2, tick=False)
def test_holding_a_review_over_the_api(boss, police):
    case = make_case(coordinator_user=boss, agencies=[police])
    review = case.reviews.get()
    api = client_for(boss)
    body = {
        "held_on": "2026-03-02",
        "attending_agencies": [police.pk],
        "outcome": "Fictional: plan working.",
        "risk_level_after": "low",
    }

    changed = api.post(
        f"/api/v1/reviews/{review.pk}/hold/", body | {"risk_level_after": "high"}, format="json"
    )
    held = api.post(f"/api/v1/reviews/{review.pk}/hold/", body, format="json")
    again = api.post(f"/api/v1/reviews/{review.pk}/hold/", body, format="json")
    upcoming = Review.objects.get(case=case, status="upcoming")
    future = api.post(
        f"/api/v1/reviews/{upcoming.pk}/hold/", body | {"held_on": "2026-03-03"}, format="json"
    )

    assert changed.status_code == 400 and "risk_level_after" in changed.json()
    assert held.status_code == 200
    assert (held.json()["status"], held.json()["next_due_date"]) == ("held", "2026-04-13")
    assert held.json()["attending_agencies"][0]["id"] == police.pk
    assert upcoming.due_date == dt.date(2026, 4, 13)
    assert again.status_code == 409
    assert future.status_code == 400 and "held_on" in future.json()


@pytest.mark.parametrize("user_factory", [auditor, "police_lead"], ids=["auditor", "involved-lead"])
def test_only_coordinators_hold_reviews(case, police, user_factory):
    user = agency_lead(police) if user_factory == "police_lead" else user_factory()

    response = client_for(user).post(
        f"/api/v1/reviews/{case.reviews.get().pk}/hold/", {}, format="json"
    )

    assert response.status_code == 403
    assert not Review.objects.filter(status="held").exists()


def test_a_review_out_of_scope_is_the_same_404_as_a_missing_one(case):
    api = client_for(coordinator(stoke()))
    review = case.reviews.get()

    for path in ["", "hold/"]:
        method = api.get if not path else api.post
        seen = method(f"/api/v1/reviews/{review.pk}/{path}")
        missing = method(f"/api/v1/reviews/999999/{path}")
        assert seen.status_code == missing.status_code == 404
        assert seen.json() == missing.json() == NOT_FOUND


@pytest.mark.parametrize("rows", [1, 50])
def test_the_review_list_takes_the_same_queries_for_1_or_50_rows(
    rows, boss, police, django_assert_num_queries
):
    for _ in range(rows):
        make_case(coordinator_user=boss, agencies=[police])
    api = client_for(boss)

    # roles, count, page (with case and who held it), attending agencies; the "listed" event
    with django_assert_num_queries(4 + audit_event_queries(listed_rows=True)):
        response = api.get("/api/v1/reviews/")

    assert len(response.json()["results"]) == rows


def test_the_schema_still_validates():
    from django.core.management import call_command

    # Raises (and fails the test) on any schema error or warning.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
