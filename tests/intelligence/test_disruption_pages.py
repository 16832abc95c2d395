"""Disruption pages: list (filters, listed), new (?person= / ?location=), detail (viewed),
edit (version), scoping and exact query counts."""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from intelligence.models import Disruption
from intelligence.services.disruption import record_disruption
from panel.dates import london_today
from tests.factories import (
    AgencyFactory,
    LocationFactory,
    PersonOfConcernFactory,
    agency_lead,
    auditor,
    coordinator,
    grant_intelligence,
    staffordshire,
    stoke,
)
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db
TODAY = london_today()


@pytest.fixture
def police():
    agency = AgencyFactory(name="Test Police (fictional)")
    agency.areas.add(staffordshire())
    grant_intelligence(agency, staffordshire())
    return agency


@pytest.fixture
def coord():
    return coordinator(staffordshire())


def disrupt(coord, agency, *, person=None, location=None, **extra):
    if person is None and location is None:
        person = PersonOfConcernFactory(source_agency=agency)
    fields = {"kind": "cawn", "date": TODAY - dt.timedelta(days=3), "agency": agency} | extra
    return record_disruption(coord, person=person, location=location, **fields)


def date_post(name, day):
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


def test_the_list_shows_what_the_user_sees_and_records_listed(client, police, coord):
    mine = disrupt(coord, police)
    hidden_person = PersonOfConcernFactory(
        source_agency=AgencyFactory(), handling_code="C", handling_conditions="Fictional."
    )
    hidden = disrupt(coord, police, person=hidden_person)
    lead = agency_lead(police)
    client.force_login(lead)
    html = client.get(reverse("intelligence:disruption-list")).content.decode()
    assert mine.person.name in html and hidden_person.name not in html
    event = AuditEvent.objects.filter(verb="listed").latest("id")
    assert event.actor_id == lead.pk
    listed = list(event.listed_objects.values_list("object_type", "object_id"))
    assert ("intelligence.disruption", str(mine.pk)) in [(t, str(i)) for t, i in listed]
    assert str(hidden.pk) not in [str(i) for t, i in listed if t == "intelligence.disruption"]


def test_filters_kind_agency_dates_and_review(client, police, coord):
    other_agency = AgencyFactory(name="Test Council (fictional)")
    other_agency.areas.add(staffordshire())
    cawn = disrupt(coord, police, review_date=TODAY - dt.timedelta(days=1))
    patrol = disrupt(
        coord, other_agency, kind="patrol", date=TODAY - dt.timedelta(days=40),
        review_date=TODAY + dt.timedelta(days=5),
    )  # fmt: skip
    client.force_login(coord)
    url = reverse("intelligence:disruption-list")

    def shown(**query):
        html = client.get(url, query).content.decode()
        return {d for d in (cawn, patrol) if f"/intelligence/disruption/{d.pk}/" in html}

    assert shown() == {cawn, patrol}
    assert shown(kind="patrol") == {patrol}
    assert shown(agency=police.pk) == {cawn}
    assert shown(date_from=(TODAY - dt.timedelta(days=10)).isoformat()) == {cawn}
    assert shown(date_to=(TODAY - dt.timedelta(days=10)).isoformat()) == {patrol}
    assert shown(review="overdue") == {cawn}
    assert shown(review="due") == {patrol}


def test_who_sees_no_intelligence_is_refused(client, police):
    client.force_login(agency_lead(AgencyFactory()))
    assert client.get(reverse("intelligence:disruption-list")).status_code == 403


@pytest.mark.parametrize("count", [1, 30])
def test_the_list_takes_the_same_queries(client, django_assert_num_queries, police, coord, count):
    for _ in range(count):
        disrupt(coord, police)
    client.force_login(coord)
    url = reverse("intelligence:disruption-list")
    # session, user, roles; count, the page (with person, location, agency, area,
    # recorded_by); the filter's agencies; unread notifications; one "listed" event
    with django_assert_num_queries(7 + audit_event_queries(agency=False, listed_rows=True)):
        response = client.get(url)
    assert response.content.decode().count("app-disruption-row") == count


def test_recording_against_a_person(client, police, coord):
    person = PersonOfConcernFactory(source_agency=police)
    client.force_login(coord)
    url = reverse("intelligence:disruption-new") + f"?person={person.pk}"
    assert person.name in client.get(url).content.decode()
    data = {"kind": "licensing", "agency": police.pk, "outcome": "Licence reviewed."}
    response = client.post(url, data | date_post("date", TODAY))
    made = Disruption.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("intelligence:disruption-detail", args=[made.pk])
    assert made.person == person and made.kind == "licensing" and made.recorded_by == coord


def test_recording_at_a_location_with_bad_input_re_renders(client, police, coord):
    location = LocationFactory(source_agency=police)
    client.force_login(coord)
    url = reverse("intelligence:disruption-new") + f"?location={location.pk}"
    response = client.post(url, {"kind": "other", "agency": police.pk} | date_post("date", TODAY))
    assert response.status_code == 400
    assert "Say what kind of disruption it was." in response.content.decode()
    response = client.post(url, {})
    assert response.status_code == 400 and not Disruption.objects.exists()


def test_a_subject_out_of_scope_is_404_like_a_missing_one(client, police):
    person = PersonOfConcernFactory(area=stoke(), source_agency=police)
    client.force_login(coordinator(staffordshire()))
    base = reverse("intelligence:disruption-new")
    hidden = client.get(f"{base}?person={person.pk}")
    missing = client.get(f"{base}?person=999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


def test_the_detail_is_viewed_and_scoped(client, police, coord):
    made = disrupt(coord, police, outcome="Notice served (fictional).")
    url = reverse("intelligence:disruption-detail", args=[made.pk])
    client.force_login(coordinator(stoke()))
    assert client.get(url).status_code == 404
    reader = auditor()
    client.force_login(reader)
    html = client.get(url).content.decode()
    assert "Notice served (fictional)." in html and "/edit/" not in html
    assert AuditEvent.objects.filter(
        verb="viewed", actor=reader, object_type="intelligence.disruption", object_id=made.pk
    ).exists()


def test_the_detail_takes_constant_queries(client, django_assert_num_queries, police, coord):
    made = disrupt(coord, police)
    client.force_login(coord)
    url = reverse("intelligence:disruption-detail", args=[made.pk])
    # session, user, roles; the record (with person, location, agency, area, recorded_by);
    # may the user change it; unread notifications; the "viewed" event
    with django_assert_num_queries(6 + audit_event_queries(agency=False)):
        assert client.get(url).status_code == 200


def test_editing_saves_and_a_stale_version_changes_nothing(client, police, coord):
    made = disrupt(coord, police)
    client.force_login(coord)
    url = reverse("intelligence:disruption-edit", args=[made.pk])
    assert client.get(url).status_code == 200
    data = {"kind": "arrest", "agency": police.pk, "version": 1} | date_post("date", made.date)
    assert client.post(url, data).status_code == 302
    made.refresh_from_db()
    assert made.kind == "arrest" and made.version == 2
    stale = client.post(url, data | {"kind": "patrol"})
    assert stale.status_code == 409
    assert "Someone else changed this disruption record" in stale.content.decode()
    made.refresh_from_db()
    assert made.kind == "arrest"


def test_auditors_may_not_edit(client, police, coord):
    made = disrupt(coord, police)
    client.force_login(auditor())
    assert client.get(reverse("intelligence:disruption-edit", args=[made.pk])).status_code == 403
