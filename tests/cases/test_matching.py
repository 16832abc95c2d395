"""Issue 8 point 4: duplicate matching survives ordinary spelling variation, stays a constant
number of queries, shows what tells two candidates apart, and a link can be undone."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from cases import matching, services
from cases.models import Child, ChildMerge
from panel.errors import Conflict
from tests.factories import (
    AgencyFactory,
    ChildFactory,
    coordinator,
    make_case,
    make_referral,
    staffordshire,
    stoke,
    years_ago,
)

pytestmark = pytest.mark.django_db

BORN = dt.date(2011, 3, 7)  # day and month differ and are both 12 or under


def _referred(first: str, last: str, born: dt.date = BORN, known_as: str = ""):
    return make_referral(
        child=ChildFactory(first_name=first, last_name=last, known_as=known_as, date_of_birth=born)
    )


def _known(first: str, last: str, born: dt.date = BORN, known_as: str = "", area=None):
    area = area or staffordshire()
    child = ChildFactory(
        first_name=first, last_name=last, known_as=known_as, date_of_birth=born, area=area
    )
    make_referral(child=child)
    return child


def _matches(referral, user=None) -> list[Child]:
    return services.possible_duplicates(referral.child, seen_by=user or coordinator())


# --- the normaliser ---------------------------------------------------------------------


def test_the_normaliser_folds_case_accents_hyphens_apostrophes_and_spaces():
    assert matching.fold("ÚXA") == matching.fold("Uxa") == "uxa"
    assert matching.fold("Probe-teen") == matching.fold("Probeteen") == "probeteen"
    assert matching.fold("O'Neil Smith") == "oneilsmith"
    assert matching.fold("Testchild-01") == matching.fold("Testchild01")


def test_a_child_stores_its_first_last_and_whole_name_keys():
    child = ChildFactory(first_name="ÚXA", last_name="Probe-teen", known_as="Zoë")
    assert (child.first_name_key, child.last_name_key) == ("uxa", "probeteen")
    assert child.name_key == "uxaprobeteen"
    assert child.known_as_key == "zoe"


def test_the_data_migration_recomputes_stored_keys():
    import importlib

    from django.apps import apps

    child = ChildFactory(first_name="Alpha", last_name="Testchild-01")
    Child.objects.filter(pk=child.pk).update(name_key="alpha testchild 01", first_name_key="")
    migration = importlib.import_module("cases.migrations.0010_recompute_child_keys")
    migration.recompute(apps, None)
    child.refresh_from_db()
    assert child.name_key == "alphatestchild01"
    assert child.first_name_key == "alpha"


# --- what matches -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("known", "referred"),
    [
        (("Uxa", "Probeteen"), ("ÚXA", "Probe-teen")),
        (("Alpha", "Testchild-01"), ("Alpha", "Testchild01")),
        (("Alpha", "Testchild-02"), ("Testchild-02", "Alpha")),  # first and last swapped
        (("Alpha", "Testchild-03"), ("Alpha", "Testchild-08")),  # one letter changed
        (("Alpha", "Testchild"), ("Alpha", "Testchil")),  # one letter missing
        (("Alphaa", "Testchild-04"), ("Alpha", "Testchild-04")),  # typo in the first name
    ],
)
def test_ordinary_spelling_variation_still_matches(known, referred):
    child = _known(*known)
    assert [c.pk for c in _matches(_referred(*referred))] == [child.pk]


def test_known_as_matches_the_other_records_first_name():
    child = _known("Beta", "Testchild-05")
    referral = _referred("Elizabeth", "Testchild-05", known_as="Beta")
    assert [c.pk for c in _matches(referral)] == [child.pk]


def test_the_day_and_month_of_birth_swapped_still_matches():
    child = _known("Gamma", "Testchild-06", born=dt.date(2011, 7, 3))
    found = _matches(_referred("Gamma", "Testchild-06", born=BORN))
    assert [c.pk for c in found] == [child.pk]
    assert "day and month" in found[0].match_reason


@pytest.mark.parametrize(
    ("known", "referred"),
    [
        (("Alpha", "Testchild-07"), ("Alpha", "Testchild-70x")),  # two letters different
        (("Alpha", "Testchild-08"), ("Alhpa", "Testchild-08")),  # a transposition is two edits
        (("Uxa", "Testchild-09"), ("Uxo", "Testchild-09")),  # a short name with one typo
        (("Alpha", "Testchild-10"), ("Alphx", "Testchild-1x")),  # one typo in each name
    ],
)
def test_bigger_differences_and_short_names_do_not_match(known, referred):
    _known(*known)
    assert _matches(_referred(*referred)) == []


def test_a_different_date_of_birth_does_not_match():
    _known("Delta", "Testchild-11", born=dt.date(2011, 3, 8))
    assert _matches(_referred("Delta", "Testchild-11", born=BORN)) == []


def test_a_date_whose_day_is_over_12_has_no_swapped_twin():
    assert matching.birth_dates(dt.date(2011, 3, 17)) == [dt.date(2011, 3, 17)]
    assert matching.birth_dates(dt.date(2011, 3, 3)) == [dt.date(2011, 3, 3)]


@pytest.mark.parametrize("others", [1, 12])
def test_matching_takes_one_query_however_many_candidates(others, django_assert_num_queries):
    for n in range(others):
        _known("Epsilon", f"Testchild-{n:02d}")
        make_case(area=staffordshire())
    referral = _referred("Epsilon", "Testchild-00")
    boss = coordinator(staffordshire())
    assert boss.coordinator_area_ids  # the user's roles are read once per request
    with django_assert_num_queries(1):
        found = services.possible_duplicates(referral.child, seen_by=boss)
    assert found


# --- what each candidate shows ----------------------------------------------------------


def test_each_candidate_shows_its_latest_case_status_area_and_last_referral(client):
    boss = coordinator(staffordshire())
    case = make_case(area=staffordshire(), coordinator_user=boss)
    known = case.child
    referral = _referred(known.first_name, known.last_name, born=known.date_of_birth)

    [found] = _matches(referral, boss)
    assert found.latest_case_reference == case.reference
    assert found.latest_case_status_label == "Awaiting panel"
    assert found.last_referred_at is not None

    client.force_login(boss)
    page = client.get(reverse("cases:triage-detail", args=[referral.pk])).content.decode()
    assert case.reference in page
    assert "Awaiting panel" in page
    assert "Last referred" in page


def test_the_triage_page_takes_the_same_queries_for_1_or_8_candidates(client):
    boss = coordinator(staffordshire())
    referral = _referred("Zeta", "Testchild-12")
    client.force_login(boss)
    _known("Zeta", "Testchild-12")
    url = reverse("cases:triage-detail", args=[referral.pk])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # the first visit also records the cross-area check, once
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(7):
        _known("Zeta", "Testchild-12")
    with CaptureQueriesContext(connection) as eight:
        response = client.get(url)
    assert response.content.decode().count("Same child: link") == 8
    assert len(eight) == len(one)


# --- linking keeps the other record, and can be undone ----------------------------------


def test_linking_keeps_the_other_record_as_merged_and_audited():
    boss = coordinator()
    known = _known("Eta", "Testchild-13")
    referral = _referred("Eta", "Testchild-13")
    made = referral.child

    services.link_referral_to_child(boss, referral=referral, child=known, reason="Same school.")

    merge = ChildMerge.objects.get()
    assert Child.objects.filter(pk=made.pk).exists()
    assert (merge.from_child, merge.into_child, merge.referral) == (made, known, referral)
    assert merge.by == boss and merge.reason == "Same school."
    assert AuditEvent.objects.filter(object_type="cases.childmerge", verb="created").exists()


def test_a_merged_child_is_not_offered_as_a_duplicate_again():
    boss = coordinator()
    known = _known("Theta", "Testchild-14")
    first = _referred("Theta", "Testchild-14")
    services.link_referral_to_child(boss, referral=first, child=known)
    second = _referred("Theta", "Testchild-14")

    assert [c.pk for c in _matches(second, boss)] == [known.pk]


def test_undoing_a_merge_puts_the_referral_back_and_is_audited():
    boss = coordinator()
    known = _known("Iota", "Testchild-15")
    referral = _referred("Iota", "Testchild-15")
    made = referral.child
    services.link_referral_to_child(boss, referral=referral, child=known)

    services.undo_child_merge(boss, referral=referral, reason="Different child.")

    referral.refresh_from_db()
    merge = ChildMerge.objects.get()
    assert referral.child == made
    assert referral.assessments.get().child == made
    assert referral.child_checked_at is None
    assert merge.undone_by == boss and merge.undone_at is not None
    assert AuditEvent.objects.filter(
        object_type="cases.childmerge", object_id=str(merge.pk), verb="updated"
    ).exists()
    with pytest.raises(Conflict):
        services.undo_child_merge(boss, referral=referral)


def test_only_a_coordinator_of_the_area_may_undo_a_merge():
    from django.core.exceptions import PermissionDenied

    boss = coordinator()
    known = _known("Kappa", "Testchild-16")
    referral = _referred("Kappa", "Testchild-16")
    services.link_referral_to_child(boss, referral=referral, child=known)

    with pytest.raises(PermissionDenied):
        services.undo_child_merge(coordinator(stoke()), referral=referral)


def test_a_merge_is_not_undone_once_the_referral_joined_a_case():
    boss = coordinator()
    known = _known("Lambda", "Testchild-17")
    referral = _referred("Lambda", "Testchild-17")
    services.link_referral_to_child(boss, referral=referral, child=known)
    services.accept_referral(boss, referral=referral, reason="Test.", lead_agency=AgencyFactory())

    with pytest.raises(ValidationError):
        services.undo_child_merge(boss, referral=referral)


def test_the_coordinator_undoes_a_link_from_the_triage_page(client):
    boss = coordinator()
    known = _known("Mu", "Testchild-18")
    referral = _referred("Mu", "Testchild-18")
    made = referral.child
    client.force_login(boss)
    client.post(reverse("cases:triage-link-child", args=[referral.pk, known.pk]))

    page = client.get(reverse("cases:triage-detail", args=[referral.pk])).content.decode()
    assert "Undo this link" in page
    client.post(reverse("cases:triage-undo-link", args=[referral.pk]), {"reason": "Mistake."})

    referral.refresh_from_db()
    assert referral.child == made


def test_young_people_of_16_and_17_match_like_anyone_else():
    child = _known("Nu", "Testchild-19", born=years_ago(17, 10))
    referral = _referred("Nu", "Testchild-19", born=years_ago(17, 10))
    assert [c.pk for c in _matches(referral)] == [child.pk]


# --- the API ------------------------------------------------------------------------------


def test_the_api_shows_why_each_candidate_matched_and_undoes_a_link():
    from tests.cases.test_api import client_for

    boss = coordinator(staffordshire())
    case = make_case(area=staffordshire(), coordinator_user=boss)
    referral = _referred(case.child.last_name, case.child.first_name, born=case.child.date_of_birth)
    made = referral.child
    api = client_for(boss)

    [found] = api.get(f"/api/v1/referrals/{referral.pk}/possible-duplicates/").json()["children"]
    assert found["match_reason"] == "First and last names swapped"
    assert found["latest_case_reference"] == case.reference
    assert found["latest_case_status"] == "awaiting_panel"
    assert found["area"]["id"] == staffordshire().pk
    assert found["last_referred_at"]

    api.post(
        f"/api/v1/referrals/{referral.pk}/link-child/", {"child": case.child.pk}, format="json"
    )
    undone = api.post(f"/api/v1/referrals/{referral.pk}/undo-link/", {}, format="json")
    again = api.post(f"/api/v1/referrals/{referral.pk}/undo-link/", {}, format="json")

    assert undone.status_code == 200
    assert undone.json()["child"]["id"] == made.pk
    assert again.status_code == 409
