import csv
import datetime as dt
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from audit.paging import cursor_of
from audit.services import record
from tests.factories import (
    AgencyFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    referrer,
)

pytestmark = pytest.mark.django_db


def test_the_trail_is_for_auditors_only(client):
    case = make_case()
    for user in [coordinator(), agency_lead(), referrer()]:
        client.force_login(user)
        for url in [
            reverse("audit:search"),
            reverse("audit:export"),
            reverse("audit:case-history", args=[case.pk]),
            reverse("audit:child-viewers", args=[case.child_id]),
        ]:
            assert client.get(url).status_code == 403, url


def test_search_by_case_reference_person_agency_verb_and_dates(client):
    police = AgencyFactory(name="Test Police Search")
    boss = coordinator(first_name="Testcoord", last_name="Searchable")
    case = make_case(coordinator_user=boss, agencies=[police])
    make_case()
    client.force_login(auditor())

    def found(**params) -> int:
        page = client.get(reverse("audit:search"), params)
        return page.context["page"].count

    assert (
        found(case_reference=case.reference.lower())
        == AuditEvent.objects.filter(case_reference=case.reference).count()
    )
    # The only person whose name matches is chosen; their events are found by their id.
    assert found(person="Searchable") == AuditEvent.objects.filter(actor=boss).count()
    assert found(actor=boss.pk) == AuditEvent.objects.filter(actor=boss).count()
    assert found(verb="transitioned") == AuditEvent.objects.filter(verb="transitioned").count()
    assert found(agency="Test Police Search") == 0
    assert found(date_from="2000-01-01", date_to="2000-01-02") == 0
    record(actor=agency_lead(police), verb="viewed", object_type="cases.case", object_id=1)
    assert found(agency="Test Police Search") == 1
    # An agency is a choice of names, matched exactly: part of one is an error.
    page = client.get(reverse("audit:search"), {"agency": "Police Sea"})
    assert "agency" in page.context["form"].errors


def test_a_person_is_chosen_from_the_people_matching_what_was_typed(client):
    first = coordinator(first_name="Testchoose", last_name="Alpha", username="choose.alpha")
    second = coordinator(first_name="Testchoose", last_name="Beta", username="choose.beta")
    make_case(coordinator_user=first)
    make_case(coordinator_user=second)
    client.force_login(auditor())

    page = client.get(reverse("audit:search"), {"person": "testchoose"})
    # Two match: they are listed to choose from, and no events are shown until one is.
    assert [p.pk for p in page.context["people"]] == [first.pk, second.pk]
    assert page.context["page"].count == 0
    html = page.content.decode()
    assert f"person=testchoose&amp;actor={second.pk}" in html

    page = client.get(reverse("audit:search"), {"person": "testchoose", "actor": second.pk})
    assert page.context["chosen"] == second and not page.context["people"]
    events = page.context["page"].rows
    assert events and {e.actor_id for e in events} == {second.pk}
    assert page.context["page"].count == AuditEvent.objects.filter(actor=second).count()
    assert "Choose someone else" in page.content.decode()
    # Another name typed while someone is chosen (the hidden field kept) is a new choice.
    page = client.get(reverse("audit:search"), {"person": "alpha", "actor": second.pk})
    assert page.context["chosen"] == first

    page = client.get(reverse("audit:search"), {"person": "nobody-has-this-name"})
    assert page.context["page"].count == 0
    assert "No one" in page.content.decode()
    # Exporting a person typed but not chosen exports nothing.
    rows = _csv_rows(client.get(reverse("audit:export"), {"person": "testchoose"}))
    assert rows == []


def test_pages_of_events_go_older_and_newer_without_counting_the_trail(client, monkeypatch):
    from audit import paging

    monkeypatch.setattr(paging, "COUNT_CAP", 7)
    make_case()
    make_case()
    client.force_login(auditor())
    everything = list(AuditEvent.objects.order_by("-at", "-id"))
    assert len(everything) > 7

    def page(**params):
        return client.get(reverse("audit:search"), params).context["page"]

    first = page()
    assert first.capped and first.count_text == "More than 7 events"
    assert first.rows == everything[:50] and first.newer is None
    seen, current = list(first.rows), first
    while current.older:
        current = page(before=current.older)
        seen += current.rows
    assert seen == everything
    back = page(after=cursor_of(everything[-1]))
    assert back.rows == everything[-51:-1]
    # A malformed cursor is the first page, never an error.
    assert page(before="not-a-cursor").rows == everything[:50]


def test_a_bad_date_range_is_a_clear_error(client):
    client.force_login(auditor())

    page = client.get(
        reverse("audit:search"), {"date_from": "2026-11-30", "date_to": "2026-11-01"}
    ).content.decode()

    assert "The end date must be on or after the start date." in page


def test_a_case_history_is_a_timeline_of_its_events(client):
    case = make_case()
    client.force_login(auditor())

    page = client.get(reverse("audit:case-history", args=[case.pk]))

    events = page.context["events"]
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert {e.case_reference for e in events} == {case.reference}


def test_who_has_viewed_a_childs_record(client):
    police = AgencyFactory()
    case = make_case(agencies=[police])
    lead = agency_lead(police, first_name="Testlead", last_name="Viewer-01")
    client.force_login(lead)
    client.get(reverse("cases:case-detail", args=[case.pk]))
    client.get(reverse("cases:child-detail", args=[case.child_id]))

    watcher = auditor()
    client.force_login(watcher)
    page = client.get(reverse("audit:child-viewers", args=[case.child_id]))

    viewers = list(page.context["page"])
    assert {e.actor_id for e in viewers} == {lead.pk}
    assert len(viewers) == 2


def test_the_export_is_csv_and_is_itself_audited(client):
    case = make_case()
    watcher = auditor()
    client.force_login(watcher)

    response = client.get(reverse("audit:export"), {"case_reference": case.reference})

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["id", "at", "actor_label"]
    # The export's own event carries the case reference, so it is in the file too.
    assert len(rows) - 1 == AuditEvent.objects.filter(case_reference=case.reference).count()
    export = AuditEvent.objects.get(verb="exported", actor=watcher)
    assert export.changes == {"filters": {"case_reference": case.reference}}


def test_the_audit_api_is_for_auditors_only_and_filters(client):
    from rest_framework.test import APIClient

    case = make_case()
    api = APIClient()
    for user in [coordinator(), agency_lead(), referrer()]:
        api.force_authenticate(user)
        assert api.get("/api/v1/audit-events/").status_code == 403

    api.force_authenticate(auditor())
    body = api.get("/api/v1/audit-events/", {"case_reference": case.reference.lower()}).json()

    # Paged by cursor, newest first: no count of the whole trail.
    assert "count" not in body and body["next"] is None
    assert len(body["results"]) == AuditEvent.objects.filter(case_reference=case.reference).count()
    assert {row["case_reference"] for row in body["results"]} == {case.reference}
    actor = AuditEvent.objects.filter(actor__isnull=False).first().actor
    by_id = api.get("/api/v1/audit-events/", {"actor": actor.pk}).json()["results"]
    by_username = api.get("/api/v1/audit-events/", {"person": actor.username.upper()}).json()[
        "results"
    ]
    mine = list(AuditEvent.objects.filter(actor=actor).order_by("-at", "-id")[:50])
    assert [r["id"] for r in by_id] == [r["id"] for r in by_username] == [e.pk for e in mine]
    assert api.get("/api/v1/audit-events/", {"actor": 0}).json()["results"] == []
    assert api.post("/api/v1/audit-events/", {}).status_code == 405
    event = body["results"][0]["id"]
    assert api.delete(f"/api/v1/audit-events/{event}/").status_code == 405


# --- plain English on the auditor's pages ------------------------------------------------


def _case_with_history(agency: str = "Test Police Labels"):
    """A case accepted from a referral with an agency involved, and an action on it."""
    from cases import services

    police = AgencyFactory(name=agency)
    boss = coordinator()
    case = make_case(coordinator_user=boss, agencies=[police])
    services.add_action(
        boss,
        case=case,
        description="Fictional action.",
        owning_agency=police,
        due_date=dt.date(2030, 1, 15),
        four_p="protect",
    )
    return case


def _text(response) -> str:
    """The page's text, tags removed, spaces folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_case_history_says_what_happened_in_plain_english(client):
    case = _case_with_history()
    referral = case.referrals.get()
    action = case.actions.get()
    client.force_login(auditor())

    response = client.get(reverse("audit:case-history", args=[case.pk]))

    page, text = response.content.decode(), _text(response)
    # Records by their name, linked to their pages; never "cases.referral 41".
    assert (
        f'<a class="govuk-link" href="/referrals/{referral.pk}/">Referral {referral.pk}</a>' in page
    )
    assert f'href="/cases/{case.pk}/">Case {case.pk}</a>' in page
    assert f'href="/actions/{action.pk}/">Action {action.pk}</a>' in page
    assert "cases.referral" not in page and "cases.case " not in page
    # Field labels and choice labels, old → new; ids of agencies as their names.
    assert "Status: Awaiting triage → changed to Accepted to panel" in text
    assert "Involved agencies: Test Police Labels" in text
    assert "Owning agency: Test Police Labels" in text
    assert "Which of the 4 Ps: Protect" in text
    assert "Due date: 15 Jan 2030" in text
    assert "Panel coordinator" in text
    assert "['submitted', 'accepted']" not in page
    assert "status: " not in page


def test_free_text_is_said_to_have_changed_and_is_not_shown(client):
    from cases import services

    case = _case_with_history()
    action = case.actions.get()
    services.update_action(
        case.referrals.get().triaged_by,
        action=action,
        version=action.version,
        note="Fictional progress note.",
    )
    client.force_login(auditor())

    text = _text(client.get(reverse("audit:case-history", args=[case.pk])))

    assert "Progress note: changed (the text is not copied into the trail)" in text
    assert "Fictional progress note." not in text


def test_a_record_that_no_longer_exists_is_named_but_not_linked(client):
    from audit.services import record

    watcher = auditor()
    record(actor=watcher, verb="viewed", object_type="cases.child", object_id=999999)
    client.force_login(watcher)

    page = client.get(reverse("audit:search"), {"verb": "viewed"}).content.decode()

    assert "Child 999999" in page
    assert "/children/999999/" not in page


def _queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_the_audit_pages_run_a_fixed_number_of_queries(client):
    """Labels are looked up once a page (agencies, people, teams, the cases, referrals,
    children and actions named), never once a row."""
    watcher = auditor()
    client.force_login(watcher)
    first = _case_with_history()
    client.get(reverse("cases:child-detail", args=[first.child_id]))  # views to list
    client.get(reverse("cases:case-detail", args=[first.pk]))
    search = reverse("audit:search")
    history = reverse("audit:case-history", args=[first.pk])
    viewers = reverse("audit:child-viewers", args=[first.child_id])
    counts = (_queries(client, search), _queries(client, history), _queries(client, viewers))

    for number in range(3):  # more rows of every kind on every page
        _case_with_history(f"Test Police Labels {number}")
        client.get(reverse("cases:child-detail", args=[first.child_id]))
        client.get(reverse("cases:case-detail", args=[first.pk]))

    assert (_queries(client, search), _queries(client, history), _queries(client, viewers)) == (
        counts
    )
    # Each: the session, the user and their roles (3) and the unread-notifications badge
    # (1), then the page's own reads, then one label lookup per kind of record it names.
    # Search: the agencies to choose from, the capped count and rows (3); agencies,
    # people, cases (by id and reference), referrals, children, actions (6). Case
    # history: the case and its events (2); agencies, cases, referrals, actions (4).
    # Child viewers: the child, its cases' references and referrals, count and rows (5);
    # cases, children (2).
    assert counts == (13, 11, 11)


def test_the_csv_keeps_the_raw_values_and_adds_readable_ones(client):
    case = _case_with_history()
    referral = case.referrals.get()
    client.force_login(auditor())

    response = client.get(reverse("audit:export"), {"case_reference": case.reference})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    accepted = next(
        r for r in rows if r["object_type"] == "cases.referral" and r["verb"] == "transitioned"
    )
    assert accepted["object_id"] == str(referral.pk)
    assert json.loads(accepted["changes"]) == {"status": ["submitted", "accepted"]}
    assert accepted["record"] == f"Referral {referral.pk}"
    assert accepted["changes_readable"] == "Status: Awaiting triage → Accepted to panel"


# --- formula-safe exports (issue 9, point 10) ----------------------------------------------


def _csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_a_search_term_starting_a_formula_is_exported_as_text(client, prefix):
    # (A leading tab or carriage return is stripped by the form; the writer's own tests
    # cover those.)
    term = f"{prefix}HYPERLINK(1)"
    client.force_login(auditor())

    response = client.get(reverse("audit:export"), {"case_reference": term})

    # The export's own event carries the (upper-cased) reference searched for.
    [row] = _csv_rows(response)
    assert row["verb"] == "exported"
    assert row["case_reference"] == "'" + term.upper()


def test_a_request_id_starting_a_formula_is_exported_as_text(client):
    """An event recorded with such an id (before the header's pattern refused them)."""
    from audit.context import RequestContext, current
    from audit.services import record

    case = make_case()
    token = current.set(RequestContext("-2+3", None))
    try:
        record(actor=None, verb=AuditEvent.Verb.UPDATED, object_type="cases.case",
               object_id=str(case.pk), case_reference=case.reference)  # fmt: skip
    finally:
        current.reset(token)
    client.force_login(auditor())

    response = client.get(reverse("audit:export"), {"case_reference": case.reference})

    rows = _csv_rows(response)
    assert "'-2+3" in {row["request_id"] for row in rows}
    # Ordinary values and every raw column are as they were.
    assert list(rows[0])[:3] == ["id", "at", "actor_label"]
    assert {"changes", "request_id", "record", "changes_readable"} <= set(rows[0])
    assert {row["case_reference"] for row in rows} == {case.reference}
    assert all(row["id"].isdigit() for row in rows)


@pytest.mark.parametrize("header", ["-1+1", "-2", "-abc", "=1", "@x", "a" * 65, ""])
def test_a_request_id_header_that_could_start_a_formula_is_replaced(client, header):
    client.force_login(auditor())

    response = client.get(reverse("audit:search"), HTTP_X_REQUEST_ID=header)

    assert response["X-Request-ID"] != header
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_a_well_formed_request_id_header_is_kept(client):
    client.force_login(auditor())

    response = client.get(reverse("audit:search"), HTTP_X_REQUEST_ID="edge-01.abc_9-")

    assert response["X-Request-ID"] == "edge-01.abc_9-"


# --- dates at the edge of the calendar (issue 9, point 11) ---------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"date_to": "9999-12-31"},
        {"date_from": "9999-12-31", "date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
    ],
)
def test_the_last_and_first_days_of_the_calendar_are_dates_like_any_other(client, query):
    case = make_case()
    client.force_login(auditor())

    page = client.get(reverse("audit:search"), query)
    export = client.get(reverse("audit:export"), {**query, "case_reference": case.reference})

    assert page.status_code == 200
    assert export.status_code == 200
    rows = _csv_rows(export)
    if query.get("date_from") != "9999-12-31":
        assert {row["case_reference"] for row in rows} == {case.reference}
        assert len(rows) == AuditEvent.objects.filter(case_reference=case.reference).count()
    else:
        assert rows == []


def test_a_long_case_history_is_paged_most_recent_first_and_reads_oldest_first(client, monkeypatch):
    """A case with thousands of events shows one bounded page (keyset paging, as the
    search does), the most recent events first, each page in reading order (oldest first);
    "earlier" and "later" move along the trail and together show every event once."""
    from audit import views

    monkeypatch.setattr(views, "CASE_HISTORY_PAGE", 3)
    case = make_case()
    for number in range(5):
        record(
            actor=None,
            verb=AuditEvent.Verb.UPDATED,
            obj=case,
            case_reference=case.reference,
            changes={"note": [None, f"Fictional {number}"]},
        )
    every = list(AuditEvent.objects.filter(case_reference=case.reference).order_by("at", "id"))
    client.force_login(auditor())
    url = reverse("audit:case-history", args=[case.pk])

    first = client.get(url).context
    assert [e.pk for e in first["events"]] == [e.pk for e in every[-3:]]
    assert first["page"].newer is None and first["page"].older

    earlier = client.get(url, {"before": first["page"].older}).context
    assert [e.pk for e in earlier["events"]] == [e.pk for e in every[:-3]][-3:]
    back = client.get(url, {"after": earlier["page"].newer}).context
    assert [e.pk for e in back["events"]] == [e.pk for e in every[-3:]]

    seen, page = [], first
    while True:
        seen[:0] = [e.pk for e in page["events"]]
        if not page["page"].older:
            break
        page = client.get(url, {"before": page["page"].older}).context
    assert seen == [e.pk for e in every]
