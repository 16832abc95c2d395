"""Pages of links: the case page's summary (who is told what), the case's links list, the
link detail with its sightings, and the forms (case page, triage, between records)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from intelligence.models import Link, PersonOfConcern, Sighting
from tests.factories import (
    AgencyFactory,
    LinkFactory,
    LocationFactory,
    PersonOfConcernFactory,
    agency_lead,
    coordinator,
    grant_intelligence,
    make_case,
    make_referral,
    staffordshire,
)
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db

GRADING = {"source_evaluation": "B", "intelligence_assessment": "2", "handling_code": "P"}


@pytest.fixture
def world():
    involved, granted = AgencyFactory(), AgencyFactory()
    grant_intelligence(granted)
    boss = coordinator(staffordshire(), agency=AgencyFactory())
    case = make_case(coordinator_user=boss, agencies=[involved, granted])
    person = PersonOfConcernFactory(name="Testperson-0501 Generated")
    house = LocationFactory(name="Testplace 0501 House", kind="house", address="5 Secret Row")
    takeaway = LocationFactory(name="Testplace 0502 Takeaway", kind="takeaway")
    hidden = PersonOfConcernFactory(
        name="Testperson-0502 Generated", handling_code="C", handling_conditions="Not shared."
    )
    links = [
        LinkFactory(case=case, person=person),
        LinkFactory(case=case, person=None, location=house, relationship="found_at"),
        LinkFactory(case=case, person=None, location=takeaway, relationship="taken_to"),
        LinkFactory(case=case, person=hidden),
    ]
    return {
        "boss": boss, "case": case, "lead_in": agency_lead(involved),
        "lead_granted": agency_lead(granted), "links": links,
    }  # fmt: skip


def _page(client, user, case):
    client.force_login(user)
    response = client.get(reverse("cases:case-detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_not_granted_lead_is_told_only_what_and_kind(client, world):
    page = _page(client, world["lead_in"], world["case"])
    assert "Linked to a person of concern" in page
    assert "Linked to a private address" in page
    assert "Linked to a takeaway" in page
    assert "Restricted" in page
    for secret in ("Testperson-0501", "Testperson-0502", "Testplace 0501", "5 Secret Row",
                   "Testplace 0502"):  # fmt: skip
        assert secret not in page
    assert "Add a link" not in page


def test_a_granted_lead_sees_names_but_not_c_from_another_agency(client, world):
    page = _page(client, world["lead_granted"], world["case"])
    assert "Testperson-0501 Generated" in page
    assert "Testplace 0502 Takeaway" in page
    assert "Testperson-0502" not in page
    assert "Restricted" in page
    assert "5 Secret Row" not in page


def test_the_coordinator_sees_every_link_in_full(client, world):
    page = _page(client, world["boss"], world["case"])
    assert "Testperson-0502 Generated" in page and "Restricted" not in page
    assert reverse("intelligence:link-detail", args=[world["links"][0].pk]) in page
    assert "Add a link" in page


def test_an_ended_link_leaves_the_summary_but_not_the_links_list(client, world):
    boss, case = world["boss"], world["case"]
    Link.objects.filter(pk=world["links"][0].pk).update(ended_at=timezone.now())
    assert "Testperson-0501" not in _page(client, boss, case)
    response = client.get(reverse("intelligence:case-links", args=[case.pk]))
    assert "Testperson-0501" in response.content.decode()
    event = AuditEvent.objects.filter(verb="listed").latest("id")
    assert event.changes["list"] == "intelligence:case-links"
    assert event.changes["listed_count"] == 4 + 2  # the links, the case and the child


@pytest.mark.parametrize("extra", [0, 6])
def test_the_case_links_list_and_detail_run_a_fixed_number_of_queries(
    client, world, django_assert_num_queries, extra
):
    boss, case = world["boss"], world["case"]
    for _ in range(extra):
        LinkFactory(case=case, person=PersonOfConcernFactory())
        Sighting.objects.create(
            link=world["links"][0], seen_at=timezone.now(), place="Testplace", recorded_by=boss
        )
    client.force_login(boss)
    # Session, user (with agency), roles; the case; the links; the unread-notifications
    # badge; the listed event.
    listed = audit_event_queries(agency=False, listed_rows=True)
    with django_assert_num_queries(3 + 1 + 1 + 1 + listed):
        assert client.get(reverse("intelligence:case-links", args=[case.pk])).status_code == 200
    # Session, user, roles; the link with its records; the sightings; the badge.
    with django_assert_num_queries(3 + 1 + 1 + 1 + audit_event_queries(agency=False)):
        url = reverse("intelligence:link-detail", args=[world["links"][0].pk])
        assert client.get(url).status_code == 200


def test_link_detail_is_404_for_who_does_not_see_it_in_full(client, world):
    client.force_login(world["lead_in"])
    url = reverse("intelligence:link-detail", args=[world["links"][0].pk])
    assert client.get(url).status_code == 404
    client.force_login(world["lead_granted"])
    assert client.get(url).status_code == 200
    hidden = reverse("intelligence:link-detail", args=[world["links"][3].pk])
    assert client.get(hidden).status_code == 404
    assert AuditEvent.objects.filter(verb="viewed", object_type="intelligence.link").count() == 1


def test_a_coordinator_adds_a_location_link_on_the_case_page(client, world):
    boss, case = world["boss"], world["case"]
    place = LocationFactory(name="Testplace 0503 Park", kind="park")
    client.force_login(boss)
    url = reverse("intelligence:case-link-new", args=[case.pk])
    assert client.post(url, {}).status_code == 400
    response = client.post(
        url, {"record": f"location:{place.pk}", "relationship": "found_at", **GRADING}
    )
    assert response.status_code == 302
    assert Link.objects.filter(case=case, location=place).exists()


def test_a_not_granted_lead_may_not_open_the_form(client, world):
    client.force_login(world["lead_in"])
    url = reverse("intelligence:case-link-new", args=[world["case"].pk])
    assert client.get(url).status_code == 403


def test_a_coordinator_links_a_new_person_at_triage(client):
    boss = coordinator(staffordshire(), agency=AgencyFactory())
    referral = make_referral()
    client.force_login(boss)
    page = client.get(reverse("cases:triage-detail", args=[referral.pk])).content.decode()
    assert "Adults named in the concerns" in page
    url = reverse("intelligence:referral-link-new", args=[referral.pk])
    assert url in page
    response = client.post(
        url, {"new_person_name": "Testperson-0504 Generated", "relationship": "seen_with",
              **GRADING},
    )  # fmt: skip
    assert response.status_code == 302
    person = PersonOfConcern.objects.get(name="Testperson-0504 Generated")
    assert Link.objects.get(referral=referral).person == person
    page = client.get(reverse("cases:triage-detail", args=[referral.pk])).content.decode()
    assert "Testperson-0504 Generated" in page


def test_a_record_link_and_a_sighting_edit_and_end(client, world):
    boss = world["boss"]
    person, other = PersonOfConcernFactory(), PersonOfConcernFactory()
    client.force_login(boss)
    url = reverse("intelligence:link-new") + f"?person={person.pk}"
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"record": f"person:{other.pk}", "relationship": "associate", **GRADING}
    )
    link = Link.objects.get(person=person, other_person=other)
    assert response.url == reverse("intelligence:link-detail", args=[link.pk])
    sighting_url = reverse("intelligence:sighting-new", args=[link.pk])
    assert client.post(sighting_url, {}).status_code == 400
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(
        sighting_url,
        {"seen_on_day": yesterday.day, "seen_on_month": yesterday.month,
         "seen_on_year": yesterday.year, "seen_time": "14:30", "place": "Testplace station"},
    )  # fmt: skip
    assert response.status_code == 302 and link.sightings.count() == 1
    edit = reverse("intelligence:link-edit", args=[link.pk])
    response = client.post(edit, {"relationship": "seen_with", "version": 1, **GRADING})
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.relationship, link.version) == ("seen_with", 2)
    stale = client.post(edit, {"relationship": "other", "version": 1, **GRADING}, follow=True)
    assert "changed by someone else" in stale.content.decode()
    end = reverse("intelligence:link-end", args=[link.pk])
    assert client.post(end, {"version": 2}).status_code == 400
    assert client.post(end, {"reason": "Wrong person.", "version": 2}).status_code == 302
    link.refresh_from_db()
    assert link.ended_at is not None


@pytest.mark.parametrize("url_name", ["cases:case-detail", "cases:triage-detail"])
def test_the_case_and_triage_pages_do_not_grow_with_links(client, url_name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    boss = coordinator(staffordshire(), agency=AgencyFactory())
    on_case = url_name == "cases:case-detail"
    target = make_case(coordinator_user=boss) if on_case else make_referral()
    where = {"case": target} if on_case else {"case": None, "referral": target}
    client.force_login(boss)
    counts = []
    for _ in range(2):
        client.get(reverse(url_name, args=[target.pk]))  # any first-time work out of the way
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(url_name, args=[target.pk])).status_code == 200
        counts.append(len(queries))
        for _ in range(4):
            LinkFactory(**where, person=PersonOfConcernFactory())
    assert counts[0] == counts[1]


def test_an_auditor_sees_every_link_in_full_and_may_not_add_one(client, world):
    from tests.factories import auditor

    page = _page(client, auditor(), world["case"])
    assert "Testperson-0502 Generated" in page and "Restricted" not in page
    assert "Add a link" not in page
