import csv
import io

import pytest
from django.urls import reverse

from audit.models import AuditEvent
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
        return page.context["page"].paginator.count

    assert (
        found(case_reference=case.reference)
        == AuditEvent.objects.filter(case_reference=case.reference).count()
    )
    assert found(person="Searchable") == AuditEvent.objects.filter(actor=boss).count()
    assert found(verb="transitioned") == AuditEvent.objects.filter(verb="transitioned").count()
    assert found(agency="Test Police Search") == 0
    assert found(date_from="2000-01-01", date_to="2000-01-02") == 0


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
    body = api.get("/api/v1/audit-events/", {"case_reference": case.reference}).json()

    assert body["count"] == AuditEvent.objects.filter(case_reference=case.reference).count()
    assert {row["case_reference"] for row in body["results"]} == {case.reference}
    assert api.post("/api/v1/audit-events/", {}).status_code == 405
    event = body["results"][0]["id"]
    assert api.delete(f"/api/v1/audit-events/{event}/").status_code == 405
