"""Finding a child (cases.search): what a query is read as, which children it finds and in
what order, that it finds only what the viewer may see, that the audit trail and the logs
never hold the term, and what it costs in queries.

Every name here is an obviously generated one."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import types
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, AuditEventObject
from cases import search
from cases.matching import fold
from cases.models import Case, Child
from cases.search import QueryError, parse
from tests.cases.test_api import area_agency, client_for
from tests.cases.test_case_views import CASE_LIST_QUERIES
from tests.factories import (
    AgencyFactory,
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

BORN = dt.date(2012, 3, 4)


# --- reading a query (no database) --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "CSE-2026-0042",
        "cse-2026-0042",
        "  CSE 2026 0042 ",
        "Cse-2026-42",
        "2026-0042",
        "cse20260042",
    ],
)
def test_a_reference_is_read_in_any_case_and_spacing(text):
    assert parse(text) == search.Query(references=("CSE-2026-0042",))


@pytest.mark.parametrize("text", ["42", "0042"])
def test_a_reference_number_alone_is_that_number_in_every_year(text):
    references = parse(text).references

    assert "CSE-2026-0042" in references
    assert "CSE-2000-0042" in references
    assert all(re.fullmatch(r"CSE-\d{4}-0042", ref) for ref in references)


@pytest.mark.parametrize(
    "text",
    [
        "2012-03-04",
        "4/3/2012",
        "04/03/2012",
        "04.03.2012",
        "04-03-2012",
        "4 March 2012",
        "4 march 2012",
        "4th Mar 2012",
        "4 Mar. 2012",
    ],
)
def test_a_date_of_birth_is_read_day_first(text):
    assert parse(text) == search.Query(born=BORN)


def test_a_date_with_name_words_is_both():
    assert parse("Testchild 4 March 2012 Alpha") == search.Query(
        born=BORN, words=("testchild", "alpha")
    )


@pytest.mark.parametrize("text", ["Zöe-Ann O'Test", "ÚXA  probe-teen", "Ça d\u2019Étoile"])
def test_name_words_are_folded_by_the_duplicate_checks_normaliser(text):
    assert parse(text).words == tuple(fold(word) for word in text.split())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2012", "not a real date"),
        ("2012-13-01", "not a real date"),
        ("4/3/2012 5/3/2012", "one date of birth"),
        ("42 43", "one case reference"),
        ("CSE-2026-0042 43", "one case reference"),
    ],
)
def test_a_query_that_cannot_be_searched_says_what_to_change(text, message):
    with pytest.raises(QueryError, match=message):
        parse(text)


def test_punctuation_alone_is_no_query():
    assert parse(" - ' ").empty


# --- the children it finds ------------------------------------------------------------------


def case_of(first: str, last: str, *, known_as: str = "", born: dt.date = BORN, **kwargs) -> Case:
    """A case (through the services) whose child has these details."""
    case = make_case(**kwargs)
    child = case.child
    child.first_name, child.last_name, child.known_as, child.date_of_birth = (
        first,
        last,
        known_as,
        born,
    )
    child.save()
    return case


def found(user, q: str) -> list[Case]:
    return list(search.search_cases(Case.objects.visible_to(user), q))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "q",
    ["zoe ann", "Zoe-Ann", "zoeann", "ZÖE", "zoë", "o'test", "OTest", "annotest", "ann o test"],
)
def test_names_are_found_by_any_part_whatever_the_accents_hyphens_and_apostrophes(q):
    boss = coordinator()
    wanted = case_of("Zöe-Ann", "O'Test", coordinator_user=boss)
    case_of("Testchild", "Other", coordinator_user=boss)

    assert found(boss, q) == [wanted]


@pytest.mark.django_db
def test_every_word_must_match():
    boss = coordinator()
    case_of("Zöe-Ann", "O'Test", coordinator_user=boss)

    assert found(boss, "zoe testbob") == []


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["beejay", "Bee-Jay", "bee jay", "bee-jay testsurname"])
def test_the_known_as_name_is_searched_too(q):
    boss = coordinator()
    wanted = case_of("Testchild", "Testsurname", known_as="Bee-Jay", coordinator_user=boss)

    assert found(boss, q) == [wanted]


@pytest.mark.django_db
def test_a_date_of_birth_finds_that_date_only_not_day_and_month_swapped():
    boss = coordinator()
    wanted = case_of("Testchild", "Alpha", born=BORN, coordinator_user=boss)
    case_of("Testchild", "Swapped", born=dt.date(2012, 4, 3), coordinator_user=boss)

    for q in ["4/3/2012", "2012-03-04", "4 March 2012", "alpha 04/03/2012"]:
        assert found(boss, q) == [wanted], q
    assert found(boss, "swapped 4/3/2012") == []


@pytest.mark.django_db
def test_a_reference_finds_its_case_in_any_case_or_by_its_number():
    boss = coordinator()
    wanted = case_of("Testchild", "Alpha", coordinator_user=boss)
    case_of("Testchild", "Beta", coordinator_user=boss)
    year, number = wanted.reference.split("-")[1:]

    for q in [wanted.reference, wanted.reference.lower(), f"{year}-{number}", str(int(number))]:
        assert found(boss, q) == [wanted], q


@pytest.mark.django_db
def test_results_are_ranked_exact_then_starting_with_then_containing_then_most_recent():
    boss = coordinator()
    opened = timezone.now() - dt.timedelta(days=30)

    def at(days: int, first: str, last: str, **kwargs) -> Case:
        case = case_of(first, last, coordinator_user=boss, **kwargs)
        Case.objects.filter(pk=case.pk).update(opened_at=opened + dt.timedelta(days=days))
        return case

    # Each later-opened case is a worse match: recency alone would reverse the order.
    exact_old = at(1, "Alpha", "Testrank-One")
    exact_known_as = at(2, "Gamma", "Testrank-Two", known_as="Alpha")
    prefix = at(3, "Alphabeta", "Testrank-Three")
    prefix_of_last = at(4, "Delta", "Alpha-Testrank")
    contains = at(5, "Testalpha", "Testrank-Four")
    case_of("Epsilon", "Testrank-Five", coordinator_user=boss)

    ranked = found(boss, "alpha")

    assert ranked == [exact_known_as, exact_old, prefix_of_last, prefix, contains]
    assert [case.search_rank for case in ranked] == [1, 1, 2, 2, 3]


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["Alpha Testrank-One", "testrank one alpha", "alphatestrankone"])
def test_the_whole_name_in_any_order_is_an_exact_match(q):
    boss = coordinator()
    exact = case_of("Alpha", "Testrank-One", coordinator_user=boss)
    longer = case_of("Alpha", "Testrank-Onen", coordinator_user=boss)

    ranked = found(boss, q)

    assert ranked == [exact, longer]
    assert ranked[0].search_rank == search.EXACT_NAME


def bulk_cases(count: int, *, area=None, first: str = "Testbulk", last: str = "Example") -> None:
    """``count`` cases (children named ``first`` ``last``) straight into the tables: what
    the list and the search read, quickly, for counting queries and the limit."""
    area = area or staffordshire()
    start = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    children = []
    for _ in range(count):
        child = Child(
            first_name=first, last_name=last, date_of_birth=BORN, gender="female", area=area
        )
        child.set_name_keys()
        children.append(child)
    children = Child.objects.bulk_create(children)
    now = timezone.now()
    Case.objects.bulk_create(
        Case(
            reference=f"CSE-2099-{start + n:04d}",
            child=child,
            area=area,
            risk_level="medium",
            opened_at=now - dt.timedelta(minutes=n),
        )
        for n, child in enumerate(children)
    )


@pytest.mark.django_db
def test_at_most_one_page_of_results():
    boss = coordinator()
    bulk_cases(search.RESULTS_LIMIT + 5)

    results = search.search_cases(Case.objects.visible_to(boss), "testbulk")

    assert results.count() == search.RESULTS_LIMIT
    # The newest first among equals, and still a queryset that can be sorted or filtered.
    newest = Case.objects.order_by("-opened_at").values_list("pk", flat=True)[:50]
    assert list(results.values_list("pk", flat=True)) == list(newest)
    assert results.order_by("reference").filter(status="awaiting_panel").count() == 50


@pytest.mark.django_db
def test_an_empty_query_leaves_the_list_as_it_was():
    cases = Case.objects.all()

    assert search.search_cases(cases, "  ") is cases


# --- only what the viewer may see ------------------------------------------------------------


@pytest.mark.django_db
def test_an_agency_lead_finds_only_their_agencys_cases():
    police, other = AgencyFactory(name="Test Police"), AgencyFactory(name="Test Other")
    mine = case_of("Testsame", "Name", agencies=[police])
    theirs = case_of("Testsame", "Name", agencies=[other])
    elsewhere = case_of("Testsame", "Name", area=stoke(), agencies=[other])
    lead = agency_lead(police)

    assert found(lead, "testsame") == [mine]
    assert found(lead, theirs.reference) == []
    assert found(lead, elsewhere.reference) == []
    assert found(lead, "4/3/2012") == [mine]


@pytest.mark.django_db
def test_a_coordinator_finds_their_areas_and_an_auditor_all():
    boss = coordinator()
    here = case_of("Testsame", "Name", coordinator_user=boss)
    there = case_of("Testsame", "Name", area=stoke())

    assert found(boss, "testsame name") == [here]
    assert set(found(auditor(), "testsame name")) == {here, there}


@pytest.mark.django_db
def test_a_search_with_no_result_says_so_and_nothing_about_other_areas(client):
    case_of("Testhidden", "Elsewhere", area=stoke())
    client.force_login(coordinator())

    response = client.get(reverse("cases:case-list"), {"q": "testhidden"})

    page = response.content.decode()
    assert response.context["page"].paginator.count == 0
    assert "No cases match your search" in page
    for hint in ["Stoke", "another area", "elsewhere", "CSE-"]:
        assert hint not in page.replace('value="testhidden"', "")


@pytest.mark.django_db
def test_a_referrer_has_no_case_list_to_search(client):
    client.force_login(referrer())

    assert client.get(reverse("cases:case-list"), {"q": "testchild"}).status_code == 403


@pytest.mark.django_db
def test_the_api_child_search_finds_a_referrers_child_but_never_by_a_case_they_may_not_see():
    sender = referrer()
    referral = make_referral(by=sender)
    case = case_of("Testother", "Child")  # a case of someone else's referral
    mine = referral.child
    mine.first_name = "Testreferred"
    mine.save()

    api = client_for(sender)

    assert [
        c["id"] for c in api.get("/api/v1/children/", {"q": "testreferred"}).json()["results"]
    ] == [mine.pk]
    assert api.get("/api/v1/children/", {"q": "testother"}).json()["results"] == []
    assert api.get("/api/v1/children/", {"q": case.reference}).json()["results"] == []


# --- the web page ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_case_list_searches_in_rank_order_with_the_search_box(client):
    boss = coordinator()
    contains = case_of("Testalpha", "Example", coordinator_user=boss)
    exact = case_of("Alpha", "Example", coordinator_user=boss)
    exact.opened_at = contains.opened_at - dt.timedelta(days=1)
    Case.objects.filter(pk=exact.pk).update(opened_at=exact.opened_at)
    client.force_login(boss)

    response = client.get(reverse("cases:case-list"), {"q": "alpha"})

    page = response.content.decode()
    assert [c.pk for c in response.context["page"].object_list] == [exact.pk, contains.pk]
    assert '<label class="govuk-label govuk-label--m" for="id_q">Find a child</label>' in page
    assert 'value="alpha"' in page
    # Links from the results carry no search term in the Referer.
    assert response["Referrer-Policy"] == "strict-origin"


@pytest.mark.django_db
def test_the_search_narrows_the_other_filters_results(client):
    boss = coordinator()
    case_of("Testfilter", "Example", coordinator_user=boss)
    client.force_login(boss)

    response = client.get(reverse("cases:case-list"), {"q": "testfilter", "status": "open"})

    assert response.context["page"].paginator.count == 0


@pytest.mark.django_db
def test_an_impossible_date_is_an_error_on_the_page(client):
    client.force_login(coordinator())

    response = client.get(reverse("cases:case-list"), {"q": "31/02/2012"})

    assert response.status_code == 200
    assert "is not a real date" in response.content.decode()
    assert response.context["form"].errors["q"]


@pytest.mark.django_db
def test_a_full_page_of_results_says_to_narrow_the_search(client):
    boss = coordinator()
    bulk_cases(search.RESULTS_LIMIT + 1)
    client.force_login(boss)

    page = client.get(reverse("cases:case-list"), {"q": "testbulk"})

    assert page.context["page"].paginator.count == search.RESULTS_LIMIT
    assert not page.context["page"].has_other_pages()
    assert "Only the best 50 matches are shown" in page.content.decode()


# --- the API ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_case_list_searches_ranked_and_ordering_replaces_the_rank():
    boss = coordinator()
    contains = case_of("Testalpha", "Example", coordinator_user=boss)
    exact = case_of("Alpha", "Example", coordinator_user=boss)
    Case.objects.filter(pk=exact.pk).update(opened_at=contains.opened_at - dt.timedelta(days=1))
    api = client_for(boss)

    ranked = api.get("/api/v1/cases/", {"q": "alpha"}).json()["results"]
    by_date = api.get("/api/v1/cases/", {"q": "alpha", "ordering": "-opened_at"}).json()

    assert [c["id"] for c in ranked] == [exact.pk, contains.pk]
    assert [c["id"] for c in by_date["results"]] == [contains.pk, exact.pk]


@pytest.mark.django_db
def test_the_api_child_list_searches_ranked():
    boss = coordinator()
    contains = case_of("Testalpha", "Example", coordinator_user=boss).child
    exact = case_of("Gamma", "Example", known_as="Alpha", coordinator_user=boss).child
    case_of("Testother", "Example", coordinator_user=boss)

    results = client_for(boss).get("/api/v1/children/", {"q": "ALPHA"}).json()["results"]

    assert [c["id"] for c in results] == [exact.pk, contains.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/cases/", "/api/v1/children/"])
def test_the_api_refuses_a_query_that_cannot_be_searched(url):
    response = client_for(coordinator()).get(url, {"q": "31/02/2012"})

    assert response.status_code == 400
    assert "not a real date" in json.dumps(response.json())


@pytest.mark.django_db
def test_the_api_search_is_at_most_a_page():
    boss = coordinator()
    bulk_cases(search.RESULTS_LIMIT + 3)

    answer = client_for(boss).get("/api/v1/cases/", {"q": "testbulk"}).json()

    assert answer["count"] == search.RESULTS_LIMIT
    assert answer["next"] is None


@pytest.mark.django_db
def test_the_schema_documents_q_on_the_case_and_child_lists():
    schema = client_for(coordinator()).get("/api/schema/", {"format": "json"}).json()

    for path in ["/api/v1/cases/", "/api/v1/children/"]:
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert parameters["q"]["in"] == "query"
        assert parameters["q"]["schema"]["type"] == "string"
        assert "never the search term" in parameters["q"]["description"]


# --- the audit trail and the logs never hold the term ------------------------------------------

TERM = "Testzyxwq"
TERM_BORN = dt.date(2011, 7, 23)
TERM_FORMS = [TERM.lower(), "2011-07-23", "23/07/2011", "23 july 2011", "23%2f07", "2011%2d07"]


def _no_term_in(text: str) -> None:
    for form in TERM_FORMS:
        assert form not in text.lower(), form


def _audit_rows_text() -> str:
    rows = [model_to_dict(e) | {"hash": e.hash} for e in AuditEvent.objects.all()]
    rows += [model_to_dict(o) for o in AuditEventObject.objects.all()]
    return json.dumps(rows, default=str)


@pytest.mark.django_db
def test_a_search_is_one_listed_event_naming_what_it_returned_and_never_the_term(client, caplog):
    boss = coordinator()
    wanted = case_of(TERM, "Example", born=TERM_BORN, coordinator_user=boss)
    hidden = case_of(TERM, "Elsewhere", born=TERM_BORN, area=stoke())
    client.force_login(boss)
    before = AuditEvent.objects.count()
    caplog.set_level(logging.DEBUG)

    for q in [TERM, "23/07/2011", f"{TERM} 23 July 2011", "2011-07-23"]:
        response = client.get(reverse("cases:case-list"), {"q": q})
        assert [c.pk for c in response.context["page"].object_list] == [wanted.pk]
    # Other requests carrying the term: one refused as out of scope, one not found.
    assert (
        client.get(reverse("cases:case-detail", args=[hidden.pk]), {"q": TERM}).status_code == 404
    )
    assert client.get("/cases/no-such-page/", {"q": TERM}).status_code == 404

    events = AuditEvent.objects.order_by("pk")[before:]
    listed = [e for e in events if e.verb == AuditEvent.Verb.LISTED]
    assert len(listed) == 4
    named = set(
        AuditEventObject.objects.filter(event=listed[0]).values_list("object_type", "object_id")
    )
    assert named == {("cases.case", wanted.pk), ("cases.child", wanted.child_id)}
    assert [e.verb for e in events if e.verb != AuditEvent.Verb.LISTED] == [AuditEvent.Verb.DENIED]
    _no_term_in(_audit_rows_text())
    _no_term_in(caplog.text)


@pytest.mark.django_db
def test_an_api_search_and_a_refused_one_record_no_term(caplog):
    boss = coordinator()
    case_of(TERM, "Example", born=TERM_BORN, coordinator_user=boss)
    caplog.set_level(logging.DEBUG)

    assert client_for(boss).get("/api/v1/cases/", {"q": TERM}).json()["count"] == 1
    assert client_for(boss).get("/api/v1/children/", {"q": "23/07/2011"}).json()["count"] == 1
    # A referrer has no cases: an empty list, recorded as such.
    assert client_for(referrer()).get("/api/v1/cases/", {"q": TERM}).json()["count"] == 0

    _no_term_in(_audit_rows_text())
    _no_term_in(caplog.text)


@pytest.mark.django_db
def test_a_refusal_by_role_records_the_path_not_the_query(client):
    client.force_login(referrer())

    assert client.get(reverse("cases:case-list"), {"q": TERM}).status_code == 403

    event = AuditEvent.objects.get(verb=AuditEvent.Verb.DENIED)
    assert event.changes["path"] == reverse("cases:case-list")
    _no_term_in(_audit_rows_text())


@pytest.mark.django_db
def test_a_failed_sign_in_sent_back_from_a_search_keeps_no_term(client, settings):
    settings.AXES_ENABLED = True
    login = reverse("login")
    next_url = f"{reverse('cases:case-list')}?q={TERM}"

    client.post(f"{login}?next={next_url}", {"username": "nobody-test", "password": "wrong"})

    attempts = list(AccessAttempt.objects.values_list("get_data", "post_data"))
    assert attempts
    _no_term_in(json.dumps(attempts))


def _gunicorn_access_line(url: str, referer: str) -> str:
    """The line gunicorn writes to its access log for a request, with the project's
    gunicorn.conf.py (which gunicorn reads from the directory it starts in)."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    config = Config()
    path = Path(settings.BASE_DIR) / "gunicorn.conf.py"
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 - our own file
    config.set("access_log_format", namespace["access_log_format"])
    logger = Logger(config)
    path_only, _, query = url.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": url,
        "PATH_INFO": path_only,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": "test",
    }
    request = types.SimpleNamespace(headers=[("REFERER", referer)], method="GET", path=path_only)
    response = types.SimpleNamespace(
        status="200 OK", headers=[("X-Request-ID", "abc123")], sent=10, response_length=10
    )
    atoms = logger.atoms(response, request, environ, dt.timedelta(seconds=0.1))
    return config.access_log_format % atoms


def test_the_access_log_keeps_the_path_but_never_the_query_or_referer():
    url = f"/cases/?q={TERM}+23%2F07%2F2011"
    line = _gunicorn_access_line(url, referer=f"https://panel.example/cases/?q={TERM}")

    assert "GET /cases/ HTTP/1.1" in line
    assert "abc123" in line  # the request id, which the audit trail also records
    _no_term_in(line)


# --- queries -----------------------------------------------------------------------------------


def _searched_list_queries(client, rows: int, q: str) -> int:
    boss = coordinator()
    bulk_cases(rows, first="Testcount", last="Example")
    client.force_login(boss)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:case-list"), {"q": q})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(rows, search.RESULTS_LIMIT)
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 200])
@pytest.mark.parametrize("q", ["testcount", "Testcount Example 4/3/2012", "ount"])
def test_a_searched_case_list_runs_the_lists_fixed_number_of_queries(client, rows, q):
    # The list's queries without a search, less two: the unsearched list counts, reads the
    # page's ids and then those cases (selectors.CasePaginator); a search's answer (at most
    # a page) is read in one query and counted from memory, whatever the number of matches.
    assert _searched_list_queries(client, rows, q) == CASE_LIST_QUERIES - 2


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 200])
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # roles, the answer (at most a page: counted from memory), the involved agencies
        ("/api/v1/cases/", 3),
        # roles, the answer
        ("/api/v1/children/", 2),
    ],
)
def test_an_api_search_runs_a_fixed_number_of_queries(
    rows, url, queries, django_assert_num_queries
):
    police = area_agency()
    boss = coordinator(agency=police)
    bulk_cases(rows, first="Testcount", last="Example")
    api = client_for(boss)

    with django_assert_num_queries(queries + audit_event_queries(listed_rows=True)):
        response = api.get(url, {"q": "testcount 4/3/2012"})

    assert response.json()["count"] == min(rows, search.RESULTS_LIMIT)


# --- PostgreSQL: the trigram indexes -------------------------------------------------------------

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_trgm indexes are made on PostgreSQL only"
)


@needs_postgresql
@pytest.mark.django_db
def test_the_trigram_indexes_exist_and_a_contains_search_can_use_them():
    bulk_cases(30, first="Testtrigram", last="Example")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'cases_child'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"child_name_key_trgm", "child_known_as_key_trgm"} <= indexes

    children = search.search_children(Child.objects.all(), "rigra", cases=Case.objects.none())
    sql, params = children.query.sql_with_params()
    with connection.cursor() as cursor:
        # Too few rows here for the planner to choose an index on its own: forbid the
        # sequential scan, so the plan shows whether the trigram indexes can serve the LIKE
        # Django writes (name_key::text LIKE '%rigra%'). At 100,000 children the planner
        # chooses them itself (docs-pending/search.md).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on child_name_key_trgm" in plan, plan
    assert "Bitmap Index Scan on child_known_as_key_trgm" in plan, plan


# --- the benchmark's searches --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_benchmarks_searches_find_the_users_own_children(client):
    from bench.pages import search_child_name_part, search_date_of_birth, search_name_part

    boss = coordinator()
    case = case_of("Testbench", "Benchname", coordinator_user=boss)
    client.force_login(boss)

    for query in (search_name_part(boss), search_date_of_birth(boss)):
        page = client.get(f"{reverse('cases:case-list')}?{query}")
        assert case.pk in [c.pk for c in page.context["page"].object_list], query
    answer = client_for(boss).get(f"/api/v1/children/?{search_child_name_part(boss)}").json()
    assert case.child_id in [c["id"] for c in answer["results"]]
    assert search_name_part(referrer()) is None
