"""A case's chronology paged in the database gives, page by page, exactly the entries and
the order of the whole history sorted in Python (the reference below is the chronology as
it was before paging, with its tie-break written down)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases import services
from cases.chronology import Cursor, Entry, chronology, page
from cases.models import (
    Action,
    ActionUpdate,
    Case,
    CaseNote,
    CaseTransition,
    Referral,
    Review,
    RiskAssessment,
)
from cases.scoring import NOT_ASSESSED
from panel.dates import LONDON
from tests.factories import AgencyFactory, coordinator, make_case

pytestmark = pytest.mark.django_db

UTC = dt.UTC


# --- the reference: the whole history, read and sorted in Python ------------------------


def reference(case: Case) -> list[Entry]:
    """Every entry, sorted by Entry.sort_key, ties by source (in the order below) then pk."""
    rows: list[tuple[int, int, Entry]] = []
    for referral in case.referrals.select_related("referrer_agency", "triaged_by"):
        rows.append((0, referral.pk, Entry(
            referral.referred_at, "referral", "Referral received",
            f"From {referral.referrer_agency}"
            + (" (immediate risk)" if referral.immediate_risk else ""),
        )))  # fmt: skip
        if referral.triaged_at:
            rows.append((1, referral.pk, Entry(
                referral.triaged_at, "decision", f"Triage: {referral.get_status_display()}",
                referral.outcome_reason, str(referral.triaged_by or ""),
            )))  # fmt: skip
    for assessment in case.assessments.select_related("tool", "assessed_by"):
        final = assessment.get_final_level_display() if assessment.final_level else NOT_ASSESSED
        computed = (
            assessment.get_computed_level_display() if assessment.computed_level else NOT_ASSESSED
        )
        detail = f"{assessment.tool}; computed {computed.lower()}"
        if assessment.is_override:
            detail += f"; professional override: {assessment.override_reason}"
        rows.append((2, assessment.pk, Entry(
            assessment.assessed_at, "assessment", f"Risk assessed: {final}", detail,
            str(assessment.assessed_by),
        )))  # fmt: skip
    for transition in case.transitions.select_related("by"):
        rows.append((3, transition.pk, Entry(
            transition.at, "decision", f"Status: {Case.Status(transition.to_status).label}",
            transition.reason, str(transition.by or ""),
        )))  # fmt: skip
    for action in case.actions.select_related("owning_agency", "created_by"):
        rows.append((4, action.pk, Entry(
            action.created_at, "action", f"Action agreed for {action.owning_agency}",
            action.description, str(action.created_by),
            reverse("cases:action-detail", args=[action.pk]),
        )))  # fmt: skip
    updates = ActionUpdate.objects.filter(action__case=case)
    for update in updates.select_related("author", "action__owning_agency"):
        title = f"Action update ({update.action.owning_agency})"
        if update.status_to:
            title += f": {Action.Status(update.status_to).label.lower()}"
        rows.append((5, update.pk, Entry(
            update.created_at, "action", title, update.note, str(update.author),
            reverse("cases:action-detail", args=[update.action_id]),
        )))  # fmt: skip
    for review in case.reviews.filter(status=Review.Status.HELD).select_related("held_by"):
        rows.append((6, review.pk, Entry(
            review.recorded_at, "review",
            f"Review held: risk {review.get_risk_level_after_display().lower()}",
            review.outcome, str(review.held_by or ""), on=review.held_on,
        )))  # fmt: skip
    for note in CaseNote.objects.filter(case=case).select_related("author"):
        rows.append((7, note.pk, Entry(
            note.created_at, "note", "Case note", note.text, str(note.author)
        )))  # fmt: skip
    rows.sort(key=lambda row: (row[2].sort_key(), row[0], row[1]))
    return [entry for _, _, entry in rows]


def every_page(case: Case, size: int) -> list[Entry]:
    """The history read as the page reads it: the latest page, then 'show earlier' until
    the beginning."""
    pages = []
    before = None
    while True:
        current = page(case, size=size, before=before)
        assert len(current.entries) <= size
        pages.insert(0, current.entries)
        if current.earlier is None:
            return list(itertools.chain.from_iterable(pages))
        # The cursor goes through the link and back.
        before = Cursor.decode(current.earlier.encode())


# --- building histories -----------------------------------------------------------------


def london(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON).astimezone(UTC)


# Moments that make the order hard: either side of London midnight (in GMT and in BST),
# the hour that happens twice when the clocks go back (25 Oct 2026: 01:30 BST is 00:30 UTC,
# 01:10 GMT is 01:10 UTC, so London's wall clock and UTC disagree on their order) and the
# day the clocks go forward.
MOMENTS = [
    london(2026, 3, 28, 23, 59, 59, 999999),
    london(2026, 3, 29, 0, 0),
    london(2026, 3, 29, 0, 59),
    london(2026, 3, 29, 3, 0),
    dt.datetime(2026, 10, 24, 22, 59, 59, tzinfo=UTC),  # 23:59:59 BST
    dt.datetime(2026, 10, 24, 23, 0, tzinfo=UTC),  # 00:00 BST on the 25th
    dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 01:30 BST
    dt.datetime(2026, 10, 25, 1, 10, tzinfo=UTC),  # 01:10 GMT
    dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 01:30 GMT
    dt.datetime(2026, 10, 25, 23, 59, 59, 999999, tzinfo=UTC),
    dt.datetime(2026, 10, 26, 0, 0, tzinfo=UTC),
    dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
]
DAYS = sorted({m.astimezone(LONDON).date() for m in MOMENTS})

moments = st.builds(
    lambda moment, micro: moment + dt.timedelta(microseconds=micro),
    st.sampled_from(MOMENTS),
    st.sampled_from([0, 0, 0, 1, 500000]),
)
KINDS = ["note", "action", "update", "transition", "assessment", "review", "referral"]


class History:
    """Adds entries of each source to a case at chosen moments."""

    def __init__(self, case: Case, boss):
        self.case = case
        self.boss = boss
        self.agency = case.lead_agency
        self.action = None
        self.version = 1
        self.template = case.assessments.first()
        self.referral = case.referrals.first()

    def add(self, kind: str, at: dt.datetime, review: tuple[dt.date, int | None] | None = None):
        if kind == "note":
            CaseNote.objects.create(case=self.case, author=self.boss, created_at=at, text="N.")
        elif kind == "action" or (kind == "update" and self.action is None):
            self.action = Action.objects.create(
                case=self.case, description="Test action.", owning_agency=self.agency,
                due_date=dt.date(2030, 1, 1), created_by=self.boss,
            )  # fmt: skip
            Action.objects.filter(pk=self.action.pk).update(created_at=at)
            self.version = 1
        elif kind == "update":
            self.version += 1
            ActionUpdate.objects.create(
                action=self.action, author=self.boss, created_at=at, note="Progress.",
                action_version=self.version,
            )  # fmt: skip
        elif kind == "transition":
            CaseTransition.objects.create(
                case=self.case, from_status="open", to_status="closed", at=at, by=self.boss
            )
        elif kind == "referral":
            # Referred and triaged at the same moment: a tie between two of its entries.
            copy = Referral.objects.get(pk=self.referral.pk)
            copy.pk = None
            copy.submission_token = None
            copy.referred_at = copy.triaged_at = at
            copy.save()
        elif kind == "assessment":
            copy = RiskAssessment.objects.get(pk=self.template.pk)
            copy.pk = None
            copy.submission_token = None
            copy.assessed_at = at
            copy.save()
        else:
            held_on, later = review
            recorded = None
            if later is not None:
                # Recorded that day (later == 0) or on a later day, at the moment's time.
                recorded = at + dt.timedelta(days=later)
            Review.objects.create(
                case=self.case, due_date=held_on, status=Review.Status.HELD, held_on=held_on,
                outcome="Held.", risk_level_after="low", held_by=self.boss,
                recorded_at=recorded,
            )  # fmt: skip


def a_case(**kwargs) -> tuple[Case, object]:
    boss = coordinator()
    case = make_case(coordinator_user=boss, agencies=[AgencyFactory()], **kwargs)
    return case, boss


entries = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        moments,
        st.tuples(st.sampled_from(DAYS), st.sampled_from([None, 0, 1, 40])),
    ),
    max_size=25,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=entries, size=st.integers(min_value=1, max_value=7))
def test_paging_gives_exactly_the_whole_history_in_order(history, size):
    case, boss = a_case()
    builder = History(case, boss)
    for kind, at, review in history:
        if kind == "review":
            held_on, _ = review
            # A review recorded that day is recorded at a moment of its held day.
            at = dt.datetime.combine(held_on, at.astimezone(LONDON).time(), tzinfo=LONDON)
        builder.add(kind, at, review)

    expected = reference(case)
    assert every_page(case, size) == expected
    assert chronology(case) == expected


def test_a_review_recorded_later_sorts_at_the_end_of_its_day():
    case, boss = a_case()
    builder = History(case, boss)
    day = dt.date(2026, 10, 25)
    builder.add("review", london(2026, 10, 25, 9, 0), (day, 3))
    builder.add("note", london(2026, 10, 25, 23, 59, 59, 999998))
    builder.add("note", london(2026, 10, 26, 0, 0))
    builder.add("review", london(2026, 10, 25, 10, 0), (day, 0))

    kinds = [(e.kind, e.sort_key()) for e in chronology(case) if e.kind in ("review", "note")]
    assert kinds == [
        ("review", (day, dt.time(10, 0))),
        ("note", (day, dt.time(23, 59, 59, 999998))),
        ("review", (day, dt.time.max)),
        ("note", (dt.date(2026, 10, 26), dt.time(0, 0))),
    ]
    assert every_page(case, 1) == reference(case)


def test_the_latest_page_holds_the_most_recent_entries_oldest_first():
    case, boss = a_case()
    builder = History(case, boss)
    for n in range(7):
        builder.add("note", london(2030, 1, 1, 9, n))
    latest = page(case, size=5)
    assert [e.at for e in latest.entries] == [london(2030, 1, 1, 9, n) for n in range(2, 7)]
    earlier = page(case, size=5, before=latest.earlier)
    assert earlier.entries == reference(case)[:-5][-5:]


@pytest.mark.parametrize(
    "text",
    ["", "x", "!!!", "a" * 200, Cursor(dt.date(2026, 1, 1), dt.time(1), 9, 1).encode(),
     Cursor(dt.date(2026, 1, 1), dt.time(1), 0, 0).encode(),
     "MjAyNi0xMy0wMVQwMDowMDowMC4wMDAwMDAvMS8x",  # month 13
     "é", Cursor(dt.date(2026, 1, 1), dt.time(1), 0, 2**63).encode()],  # past a bigint
)  # fmt: skip
def test_a_cursor_that_is_not_ours_is_refused(text):
    with pytest.raises(ValueError):
        Cursor.decode(text)


def test_a_cursor_goes_through_a_link_unchanged():
    cursor = Cursor(dt.date(2026, 10, 25), dt.time(1, 30, 0, 5), 6, 12345)
    assert Cursor.decode(cursor.encode()) == cursor
    assert Cursor.decode(Cursor(dt.date(2026, 1, 2), dt.time.max, 0, 1).encode()).tm == (
        dt.time.max
    )


def test_the_selectors_names_still_read_the_whole_chronology():
    from cases import selectors

    case, boss = a_case()
    services.add_note(boss, case=case, text="Test note.")
    assert selectors.chronology(case) == reference(case)
    assert selectors.Entry is Entry


# --- the case page and "Show earlier entries" --------------------------------------------


def history_of(length: int) -> tuple[Case, object]:
    """A case (its referral, triage, assessment and status at creation, now) with
    ``length`` earlier entries cycling through every source, so that any 50 consecutive
    entries come from every source."""
    case, boss = a_case()
    builder = History(case, boss)
    start = dt.datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    for n in range(length):
        at = start + dt.timedelta(hours=7 * n)
        kind = KINDS[n % len(KINDS)]
        builder.add(kind, at, (at.astimezone(LONDON).date(), 0))
    return case, boss


def _queries(client, url: str, django_assert_num_queries, expected: int, **params):
    with django_assert_num_queries(expected):
        response = client.get(url, params)
    assert response.status_code == 200
    return response


# session, user, roles, case, viewed event, upcoming review, agencies, open actions,
# assessments, re-referrals, unread notifications; the chronology's page (one query) and
# its rows (one per source on the page: here every source, referrals and triage together);
# issue 13: +1, the child's links to persons of concern, locations and vehicles (one query
# with the records and whether the viewer sees each in full, intelligence/links_summary.py).
# And +1, the missing episodes summary (one aggregate, issue 13).
PAGE_QUERIES = 11 + 1 + 7 + 1 + 1
# session, user, roles, case, viewed event, unread notifications, page, rows.
FRAGMENT_QUERIES = 6 + 1 + 7


@pytest.mark.parametrize("length", [7, 300])
def test_the_case_page_and_earlier_entries_run_a_fixed_number_of_queries(
    client, django_assert_num_queries, length
):
    from tests.queries import audit_event_queries

    case, boss = history_of(length)
    client.force_login(boss)
    audit = audit_event_queries(agency=False) - 1  # the event's insert is counted above
    url = reverse("cases:case-detail", args=[case.pk])
    page_ = _queries(client, url, django_assert_num_queries, PAGE_QUERIES + audit)
    shown = page_.context["chronology"]
    assert shown == reference(case)[-50:]
    if length > 50:
        earlier = page_.context["earlier"]
        fragment = reverse("cases:case-chronology", args=[case.pk])
        answer = _queries(
            client, fragment, django_assert_num_queries, FRAGMENT_QUERIES + audit, before=earlier
        )
        assert answer.context["chronology"] == reference(case)[-100:-50]
        # Without JavaScript the link opens the page at that slice.
        sliced = client.get(url, {"before": earlier})
        assert sliced.context["chronology"] == reference(case)[-100:-50]
        assert "Show the most recent entries" in sliced.content.decode()


def test_show_earlier_is_a_link_and_an_htmx_request(client, settings):
    settings.CASE_CHRONOLOGY_PAGE_SIZE = 3
    case, boss = history_of(4)
    client.force_login(boss)
    page_ = client.get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    cursor = client.get(reverse("cases:case-detail", args=[case.pk])).context["earlier"]
    assert f'href="/cases/{case.pk}/?before={cursor}#chronology"' in page_
    assert f'hx-get="/cases/{case.pk}/chronology/?before={cursor}"' in page_
    assert 'hx-target="#chronology-entries"' in page_

    # Walking back with htmx: each answer carries the next control, then the start.
    seen = list(client.get(reverse("cases:case-detail", args=[case.pk])).context["chronology"])
    while cursor:
        answer = client.get(reverse("cases:case-chronology", args=[case.pk]), {"before": cursor})
        assert 'hx-swap-oob="true"' in answer.content.decode()
        seen = list(answer.context["chronology"]) + seen
        cursor = answer.context["earlier"]
    assert "This is the start of the case" in answer.content.decode()
    assert seen == reference(case)


BAD_CURSORS = [
    "nonsense",
    "",
    "x" * 500,
    "MjAyNi0xMy0wMVQwMDowMDowMC4wMDAwMDAvMS8x",
    "é",
    Cursor(dt.date(2026, 1, 1), dt.time(1), 0, 2**63).encode(),
]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_bad_position_is_the_latest_page_or_a_400_never_a_500(client, cursor):
    from audit.models import AuditEvent

    case, boss = history_of(3)
    client.force_login(boss)
    page_ = client.get(reverse("cases:case-detail", args=[case.pk]), {"before": cursor})
    assert page_.status_code == 200
    assert page_.context["chronology"] == reference(case)[-50:]

    before = AuditEvent.objects.count()
    answer = client.get(reverse("cases:case-chronology", args=[case.pk]), {"before": cursor})
    assert answer.status_code == 400
    assert AuditEvent.objects.count() == before


def test_earlier_entries_are_reading_the_case(client):
    from audit.models import AuditEvent

    case, boss = history_of(2)
    client.force_login(boss)
    client.get(reverse("cases:case-chronology", args=[case.pk]))
    event = AuditEvent.objects.get(actor=boss, verb="viewed")
    assert (event.object_type, event.case_reference) == ("cases.case", case.reference)


@pytest.mark.parametrize("outsider", ["referrer", "other_lead", "other_coordinator"])
def test_earlier_entries_out_of_scope_are_404_like_missing_ones(client, outsider):
    from tests.factories import agency_lead, referrer, stoke

    case, _ = history_of(2)
    user = {
        "referrer": referrer,
        "other_lead": lambda: agency_lead(AgencyFactory()),
        "other_coordinator": lambda: coordinator(stoke()),
    }[outsider]()
    client.force_login(user)
    cursor = Cursor(dt.date(2030, 1, 1), dt.time(0), 0, 1).encode()
    for params in ({}, {"before": cursor}, {"before": "nonsense"}):
        missing = client.get(reverse("cases:case-chronology", args=[999999]), params)
        response = client.get(reverse("cases:case-chronology", args=[case.pk]), params)
        assert response.status_code == missing.status_code == 404
        assert response.content == missing.content


def test_the_risk_history_shows_the_latest_assessments(client, settings):
    settings.CASE_ASSESSMENTS_SHOWN = 2
    case, boss = history_of(0)
    client.force_login(boss)
    page_ = client.get(reverse("cases:case-detail", args=[case.pk]))
    assert len(page_.context["assessments"]) == 1
    assert "every assessment is in the chronology" not in page_.content.decode()
    builder = History(case, boss)
    for day in (1, 2, 3):
        builder.add("assessment", dt.datetime(2025, 1, day, tzinfo=UTC))
    page_ = client.get(reverse("cases:case-detail", args=[case.pk]))
    newest = list(case.assessments.order_by("-assessed_at", "-id")[:2])
    assert page_.context["assessments"] == newest
    assert "every assessment is in the chronology" in page_.content.decode()
