"""Bulk reads of child data are recorded: every list of case data, on the web and over the
API, writes one ``listed`` event naming exactly the records on the page it returned (and
their children) in an append-only side table, which the event's hash covers and which "who
has viewed this child's record" reads by index."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import selectors
from audit.models import AuditEvent, AuditEventObject, objects_digest
from audit.services import record, record_listed
from audit.verification import verify_trail
from cases import services
from cases.models import Case
from panel.dates import london_today
from tests.cases.test_api import area_agency, client_for
from tests.db_owner import behind_the_triggers
from tests.factories import (
    ChildFactory,
    UserFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    make_referral,
    referrer,
    staffordshire,
)

pytestmark = pytest.mark.django_db
# The app's own role is refused by its privileges before the triggers are reached.
REFUSED = "append-only|permission denied"

LISTED = AuditEvent.Verb.LISTED


def _listed_events(since: int = 0) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=LISTED, pk__gt=since).order_by("id"))


def _last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _named(event: AuditEvent) -> set[tuple[str, int]]:
    return set(event.listed_objects.values_list("object_type", "object_id"))


def _one_listed(since: int, actor) -> AuditEvent:
    events = _listed_events(since)
    assert len(events) == 1, events
    assert events[0].actor_id == actor.pk
    return events[0]


# --- the API's lists -------------------------------------------------------------------------


@pytest.fixture
def world():
    """A case with an action, a note, an upcoming review and assessments; a second child
    referred but not triaged; seen by the area's coordinator."""
    area = staffordshire()
    boss = coordinator(area)
    police = area_agency(area)
    case = make_case(area=area, agencies=[police], coordinator_user=boss)
    services.add_action(
        boss,
        case=case,
        description="Fictional action for a test.",
        owning_agency=police,
        due_date=london_today() + dt.timedelta(days=14),
    )
    services.add_note(boss, case=case, text="Fictional note for a test.")
    pending = make_referral()
    return {"boss": boss, "case": case, "pending": pending}


# endpoint, its route's basename, the record type it lists, and whether its rows belong to
# a case (and so name the case and its child) rather than carry their child themselves
API_LISTS = [
    ("children", "child", "cases.child", False),
    ("cases", "case", "cases.case", False),
    ("referrals", "referral", "cases.referral", False),
    ("assessments", "assessment", "cases.riskassessment", False),
    ("actions", "action", "cases.action", True),
    ("reviews", "review", "cases.review", True),
    ("notes", "note", "cases.casenote", True),
]


@pytest.mark.parametrize(("endpoint", "basename", "label", "of_a_case"), API_LISTS)
def test_each_api_list_records_one_listed_event_naming_what_it_returned(
    world, endpoint, basename, label, of_a_case
):
    boss = world["boss"]
    case = world["case"]
    since = _last_id()

    response = client_for(boss).get(f"/api/v1/{endpoint}/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert rows
    event = _one_listed(since, boss)
    assert event.changes["list"] == f"v1:{basename}-list"
    assert event.object_type == label
    expected = {(label, row["id"]) for row in rows}
    for row in rows:
        if of_a_case:
            expected |= {("cases.case", row["case"]["id"]), ("cases.child", case.child_id)}
        elif label != "cases.child":
            expected.add(("cases.child", row["child"]["id"]))
    assert _named(event) == expected
    assert event.changes["listed_count"] == len(expected)
    assert event.changes["listed_sha256"] == objects_digest(expected)


def test_only_the_page_returned_is_recorded_not_the_whole_query():
    for _ in range(52):
        ChildFactory()
    reader = auditor()
    api = client_for(reader)
    since = _last_id()

    second = api.get("/api/v1/children/?page=2").json()

    event = _one_listed(since, reader)
    assert len(second["results"]) == 2
    assert _named(event) == {("cases.child", row["id"]) for row in second["results"]}


def test_a_list_that_finds_nothing_is_still_recorded_with_no_ids():
    reader = auditor()
    api = client_for(reader)
    since = _last_id()

    response = api.get("/api/v1/cases/?status=closed")

    assert response.json()["results"] == []
    event = _one_listed(since, reader)
    assert event.changes["listed_count"] == 0
    assert not event.listed_objects.exists()


def test_no_search_term_or_filter_is_copied_into_the_event():
    case = make_case()
    reader = auditor()
    since = _last_id()

    client_for(reader).get(f"/api/v1/children/?area={case.area_id}")

    event = _one_listed(since, reader)
    assert set(event.changes) == {"list", "listed_count", "listed_sha256"}
    assert event.changes["list"] == "v1:child-list"


def test_opening_one_record_is_still_viewed_not_listed(world):
    boss = world["boss"]
    since = _last_id()

    client_for(boss).get(f"/api/v1/children/{world['case'].child_id}/")

    assert _listed_events(since) == []
    assert AuditEvent.objects.filter(pk__gt=since, verb=AuditEvent.Verb.VIEWED).count() == 1


def test_the_api_possible_duplicates_check_is_recorded_as_a_list(world):
    boss = world["boss"]
    child = world["pending"].child
    twin = ChildFactory(first_name=child.first_name, date_of_birth=child.date_of_birth)
    make_referral(child=twin)
    since = _last_id()

    found = client_for(boss).get(f"/api/v1/referrals/{world['pending'].pk}/possible-duplicates/")

    assert [row["id"] for row in found.json()["children"]] == [twin.pk]
    event = _one_listed(since, boss)
    assert event.changes["list"] == "v1:referral-possible-duplicates"
    assert _named(event) == {("cases.child", twin.pk)}


# --- the web's lists ----------------------------------------------------------------------------


def test_the_case_list_records_the_cases_and_children_on_its_page(client):
    area = staffordshire()
    boss = coordinator(area)
    cases = [make_case(area=area, coordinator_user=boss) for _ in range(2)]
    client.force_login(boss)
    since = _last_id()

    page = client.get(reverse("cases:case-list"))

    assert page.status_code == 200
    event = _one_listed(since, boss)
    assert event.changes["list"] == "cases:case-list"
    assert _named(event) == {("cases.case", c.pk) for c in cases} | {
        ("cases.child", c.child_id) for c in cases
    }


def test_the_case_list_records_the_filtered_page_only(client):
    area = staffordshire()
    boss = coordinator(area)
    high = make_case(area=area, coordinator_user=boss)
    make_case(area=area, coordinator_user=boss)
    Case.objects.filter(pk=high.pk).update(risk_level="high")
    client.force_login(boss)
    since = _last_id()

    client.get(reverse("cases:case-list"), {"risk": "high"})

    event = _one_listed(since, boss)
    assert _named(event) == {("cases.case", high.pk), ("cases.child", high.child_id)}


def test_my_referrals_records_the_referrals_and_children_shown(client):
    me = referrer()
    sent = [make_referral(by=me) for _ in range(2)]
    client.force_login(me)
    since = _last_id()

    client.get(reverse("cases:referral-list"))

    event = _one_listed(since, me)
    assert event.changes["list"] == "cases:referral-list"
    assert _named(event) == {("cases.referral", r.pk) for r in sent} | {
        ("cases.child", r.child_id) for r in sent
    }


def test_the_triage_queue_records_the_referrals_waiting(client):
    boss = coordinator()
    waiting = [make_referral() for _ in range(3)]
    client.force_login(boss)
    since = _last_id()

    client.get(reverse("cases:triage-queue"))

    event = _one_listed(since, boss)
    assert event.changes["list"] == "cases:triage-queue"
    assert _named(event) == {("cases.referral", r.pk) for r in waiting} | {
        ("cases.child", r.child_id) for r in waiting
    }


def test_the_triage_page_records_the_possible_duplicates_it_shows(client):
    boss = coordinator()
    referral = make_referral()
    child = referral.child
    twin = ChildFactory(first_name=child.first_name, date_of_birth=child.date_of_birth)
    make_referral(child=twin)
    client.force_login(boss)
    since = _last_id()

    client.get(reverse("cases:triage-detail", args=[referral.pk]))

    event = _one_listed(since, boss)
    assert event.changes["list"] == "cases:triage-possible-duplicates"
    assert _named(event) == {("cases.child", twin.pk)}


def test_my_work_records_its_actions_and_cases_as_one_event(client):
    area = staffordshire()
    boss = coordinator(area)
    police = area_agency(area)
    case = make_case(area=area, agencies=[police], coordinator_user=boss)
    action = services.add_action(
        boss,
        case=case,
        description="Fictional action for a test.",
        owning_agency=police,
        due_date=london_today() + dt.timedelta(days=14),
    )
    client.force_login(boss)
    since = _last_id()

    assert client.get(reverse("cases:my-work")).status_code == 200

    event = _one_listed(since, boss)
    assert event.changes["list"] == "cases:my-work"
    assert _named(event) == {
        ("cases.action", action.pk),
        ("cases.case", case.pk),
        ("cases.child", case.child_id),
    }


def test_reviews_due_records_the_reviews_and_their_children(client):
    area = staffordshire()
    boss = coordinator(area)
    case = make_case(area=area, coordinator_user=boss)
    review = case.reviews.get()
    client.force_login(boss)
    since = _last_id()

    assert client.get(reverse("cases:reviews-due")).status_code == 200

    event = _one_listed(since, boss)
    assert event.changes["list"] == "cases:reviews-due"
    assert _named(event) == {
        ("cases.review", review.pk),
        ("cases.case", case.pk),
        ("cases.child", case.child_id),
    }


def test_a_list_refused_by_role_records_no_list(client):
    client.force_login(referrer())
    since = _last_id()

    assert client.get(reverse("cases:case-list")).status_code == 403

    assert _listed_events(since) == []


# --- who has viewed this child's record ---------------------------------------------------------


def test_who_viewed_a_child_shows_who_saw_them_in_a_list(client):
    case = make_case()
    lead = agency_lead(case.lead_agency, username="test-lead-lister")
    client_for(lead).get("/api/v1/cases/")
    other = make_case()
    client.force_login(auditor())

    page = client.get(reverse("audit:child-viewers", args=[case.child_id])).content.decode()

    assert "test-lead-lister" in page
    assert "Saw it in a list" in page
    assert "API: cases" in page
    # The other child's list read is not this child's.
    other_page = client.get(reverse("audit:child-viewers", args=[other.child_id]))
    assert "test-lead-lister" not in other_page.content.decode()


def test_who_viewed_a_child_tells_opening_the_record_from_seeing_it_in_a_list(client):
    case = make_case()
    boss = coordinator(case.area, username="test-opener")
    client.force_login(boss)
    client.get(reverse("cases:child-detail", args=[case.child_id]))
    client.get(reverse("cases:case-list"))
    client.force_login(auditor())

    response = client.get(reverse("audit:child-viewers", args=[case.child_id]))

    rows = [row for row in response.context["rows"] if row.event.actor_id == boss.pk]
    assert [row.reading for row in rows] == ["Saw it in a list", "Opened the record"]
    assert rows[0].list_name == "The case list"
    page = response.content.decode()
    assert "Opened the record" in page and "Saw it in a list" in page


def test_who_viewed_a_child_finds_list_reads_through_the_index_in_one_query():
    case = make_case()
    client_for(auditor()).get("/api/v1/cases/")
    views = selectors.child_record_views(case.child)

    with CaptureQueriesContext(connection) as queries:
        events = list(views)

    assert len(queries) == 1
    assert any(e.verb == LISTED for e in events)
    sql = queries[0]["sql"]
    assert "audit_auditeventobject" in sql
    # Never a look inside the events' JSON for the child's id.
    assert "changes" not in sql.split("FROM", 1)[1]
    plan = _plan(views)
    if connection.vendor == "sqlite":
        # The unique (object type, object id, event) constraint is SQLite's autoindex.
        assert "COVERING INDEX sqlite_autoindex_audit_auditeventobject" in plan, plan
        assert not [line for line in plan.splitlines() if line.startswith("SCAN")], plan
    else:
        assert "audit_listed_object" in plan, plan
        assert "Seq Scan" not in plan, plan


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A test database is tiny: without this the planner reads whole tables because
            # it can. The question is whether the index can serve the lookup.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


# --- the side table is append-only and covered by the chain -------------------------------------


def _raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _a_listed_event() -> AuditEvent:
    return record_listed(
        UserFactory(),
        list_name="cases:case-list",
        object_type="cases.case",
        objects=[("cases.case", 1), ("cases.child", 2), ("cases.case", 3), ("cases.child", 4)],
    )


def test_the_database_refuses_to_update_or_delete_a_listed_record():
    event = _a_listed_event()
    row = event.listed_objects.first()

    with pytest.raises(DatabaseError, match=REFUSED):
        _raw("UPDATE audit_auditeventobject SET object_id = 99 WHERE id = %s", [row.pk])
    with pytest.raises(DatabaseError, match=REFUSED):
        _raw("DELETE FROM audit_auditeventobject WHERE id = %s", [row.pk])
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditEventObject.objects.all().delete()

    assert len(_named(event)) == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_the_database_refuses_to_truncate_the_listed_records():
    _a_listed_event()

    with (
        pytest.raises(DatabaseError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks in the way
        cursor.execute("TRUNCATE audit_auditeventobject")


def test_a_listed_event_verifies_with_its_records():
    _a_listed_event()
    record(actor=None, verb="login_failed", object_type="panel.user")

    assert broken_event() is None


def broken_event(batch_size: int = 5000) -> int | None:
    """The id of the event verify_audit names first, or None when the trail verifies."""
    from audit.sealing import seal

    seal()
    problem = verify_trail(batch_size=batch_size).problem
    return problem.event_id if problem else None


def _behind_the_triggers_back(sql: str, params=()) -> None:
    """As only the database owner could (tests/db_owner.py): the test's data must be
    committed first (transaction=True), for the owner's own connection to see it."""
    with behind_the_triggers() as cursor:
        cursor.execute(sql, params)


@pytest.mark.breaks_audit_chain
@pytest.mark.django_db(transaction=True)
def test_a_listed_record_deleted_behind_the_triggers_back_is_named_by_verify_audit():
    event = _a_listed_event()
    record(actor=None, verb="login_failed", object_type="panel.user")  # a later event
    child_row = event.listed_objects.get(object_type="cases.child", object_id=2)

    _behind_the_triggers_back("DELETE FROM audit_auditeventobject WHERE id = %s", [child_row.pk])

    assert broken_event() == event.pk
    with pytest.raises(CommandError, match=f"list read {event.pk} "):
        call_command("verify_audit")


@pytest.mark.breaks_audit_chain
@pytest.mark.django_db(transaction=True)
def test_a_listed_record_changed_behind_the_triggers_back_is_found():
    event = _a_listed_event()
    row = event.listed_objects.get(object_type="cases.child", object_id=2)

    _behind_the_triggers_back(
        "UPDATE audit_auditeventobject SET object_id = 77 WHERE id = %s", [row.pk]
    )

    assert broken_event() == event.pk


@pytest.mark.breaks_audit_chain
def test_a_list_read_slipped_onto_another_event_is_found():
    """Adding a side row is tampering too: it would make someone seem to have seen a
    child they never did."""
    viewed = record(actor=UserFactory(), verb="viewed", object_type="cases.case", object_id=1)

    _raw(
        "INSERT INTO audit_auditeventobject (event_id, object_type, object_id) "
        "VALUES (%s, 'cases.child', 5)",
        [viewed.pk],
    )

    assert broken_event() == viewed.pk


@pytest.mark.breaks_audit_chain
def test_a_listed_record_added_to_a_listed_event_is_found():
    event = _a_listed_event()

    _raw(
        "INSERT INTO audit_auditeventobject (event_id, object_type, object_id) "
        "VALUES (%s, 'cases.child', 5)",
        [event.pk],
    )

    assert broken_event() == event.pk


def test_verify_audit_reads_the_side_table_a_batch_at_a_time(django_assert_max_num_queries):
    from audit.verification import _verify_listed

    for _ in range(10):
        _a_listed_event()

    # Batches of 2 events: the check for stray records, the listed events, and their
    # records one query per batch (5), never a query per event (which would be 10 or more).
    with django_assert_max_num_queries(8):
        _verify_listed(batch_size=2)
    assert broken_event(batch_size=2) is None


def test_the_audit_api_names_a_listed_events_records_and_finds_a_childs_list_reads():
    case = make_case()
    other = make_case()
    lead = agency_lead(case.lead_agency)
    client_for(lead).get("/api/v1/cases/")
    api = client_for(auditor())

    body = api.get("/api/v1/audit-events/", {"seen_child": case.child_id}).json()

    assert [row["actor"] for row in body["results"]] == [lead.pk]
    (row,) = body["results"]
    assert row["verb"] == "listed"
    assert {(o["object_type"], o["object_id"]) for o in row["listed_objects"]} == {
        ("cases.case", case.pk),
        ("cases.child", case.child_id),
    }
    # The lead's agency is not involved in the other case: it was not on their page.
    assert api.get("/api/v1/audit-events/", {"seen_child": other.child_id}).json()["results"] == []


@pytest.mark.parametrize("value", ["99999999999999999999999", "1.5", "-3", "0"])
def test_a_child_id_that_cannot_exist_finds_nothing_and_is_no_server_error(value):
    response = client_for(auditor()).get("/api/v1/audit-events/", {"seen_child": value})

    assert response.status_code == 200
    assert response.json()["results"] == []
