"""The agenda pages: who sees which case lines, what coordinators and members may do there,
and a fixed number of queries however long the agenda."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from meetings.models import AgendaItem, AgendaItemStatus, MeetingStatus
from meetings.services import agenda
from tests.factories import agency_lead, auditor, coordinator, referrer, stoke
from tests.meetings.agenda_helpers import awaiting, close, make_panel, open_case
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db


def page(client, user, meeting):
    client.force_login(user)
    response = client.get(reverse("meetings:agenda", args=[meeting.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_agency_lead_sees_only_their_cases_references_and_a_count_of_the_others(client):
    panel = make_panel()
    hidden_a = awaiting(panel, agencies=[panel.police])
    theirs = awaiting(panel, agencies=[panel.health])
    hidden_b = open_case(panel, agencies=[panel.police], review_in_days=1)
    hidden_c = open_case(panel, agencies=[panel.police], review_in_days=1)
    for case in (hidden_a, theirs, hidden_b, hidden_c):
        agenda.add_case_item(panel.coordinator, meeting=panel.meeting, case=case)
    agenda.add_general_item(panel.coordinator, meeting=panel.meeting, title="Training update")

    html = page(client, panel.health_lead, panel.meeting)

    assert theirs.reference in html
    for hidden in (hidden_a, hidden_b, hidden_c):
        assert hidden.reference not in html
    assert "1 other case<" in html
    assert "2 other cases" in html
    assert "Training update" in html
    assert "Build the agenda" not in html
    assert "Ask for a case to be brought" in html
    event = AuditEvent.objects.get(verb="listed", actor=panel.health_lead)
    named = event.listed_objects.filter(object_type="cases.case")
    assert list(named.values_list("object_id", flat=True)) == [theirs.pk]


def test_the_coordinator_sees_every_line_and_the_tools(client):
    panel = make_panel()
    case = awaiting(panel)
    agenda.build_agenda(panel.coordinator, meeting=panel.meeting)

    html = page(client, panel.coordinator, panel.meeting)

    assert case.reference in html
    for tool in ("Build the agenda from the database", "Add a case", "Add general business"):
        assert tool in html
    assert "Publish the agenda" in html
    assert "other case" not in html


def test_someone_who_may_not_see_the_meeting_gets_not_found(client):
    panel = make_panel()
    for user in (referrer(), agency_lead(), coordinator(stoke())):
        client.force_login(user)
        url = reverse("meetings:agenda", args=[panel.meeting.pk])
        assert client.get(url).status_code == 404


def test_a_late_item_is_marked_on_the_page(client):
    panel = make_panel()
    agenda.publish_agenda(panel.coordinator, meeting=panel.meeting, version=1)
    agenda.add_general_item(
        panel.coordinator, meeting=panel.meeting, title="Budget", reason_detail="Urgent."
    )

    html = page(client, auditor(), panel.meeting)

    assert "Late" in html
    assert "Urgent." in html


@pytest.mark.parametrize("count", [1, 40])
def test_the_agenda_page_takes_the_same_queries_for_one_case_or_forty(
    client, django_assert_num_queries, count
):
    panel = make_panel()
    cases = [awaiting(panel) for _ in range(count)]
    AgendaItem.objects.bulk_create(
        AgendaItem(
            area=panel.area,
            meeting=panel.meeting,
            case=case,
            order=n,
            reason="awaiting_panel",
            requested_by=panel.police_rep,
            added_by=panel.coordinator,
        )
        for n, case in enumerate(cases)
    )
    client.force_login(panel.coordinator)
    url = reverse("meetings:agenda", args=[panel.meeting.pk])

    # session, user, roles, the meeting, the items (each with its case, who asked for it and
    # whether the viewer may see it), unread notifications; one "listed" event
    with django_assert_num_queries(6 + audit_event_queries(agency=False, listed_rows=True)):
        response = client.get(url)
    assert response.content.decode().count("app-agenda__item") == count


@pytest.mark.parametrize("count", [1, 40])
def test_the_agenda_page_for_an_agency_lead_takes_the_same_queries(
    client, django_assert_num_queries, count
):
    panel = make_panel()
    mine = awaiting(panel, agencies=[panel.health])
    agenda.add_case_item(panel.coordinator, meeting=panel.meeting, case=mine)
    for _ in range(count):
        agenda.add_case_item(panel.coordinator, meeting=panel.meeting, case=awaiting(panel))
    client.force_login(panel.health_lead)
    url = reverse("meetings:agenda", args=[panel.meeting.pk])

    # as the coordinator's, and one more: whether the lead's agency has a seat
    with django_assert_num_queries(7 + audit_event_queries(agency=False, listed_rows=True)):
        html = client.get(url).content.decode()
    assert f"{count} other case" in html


def test_building_shows_the_candidates_with_reasons_then_adds_them(client):
    panel = make_panel()
    case = awaiting(panel)
    client.force_login(panel.coordinator)
    url = reverse("meetings:agenda-build", args=[panel.meeting.pk])

    html = client.get(url).content.decode()
    assert case.reference in html
    assert "Awaiting panel" in html
    assert not AgendaItem.objects.exists()

    response = client.post(url, {})
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert AgendaItem.objects.get().case == case


def test_a_member_asks_for_a_case_from_the_page(client):
    panel = make_panel()
    lead = agency_lead(panel.police)
    case = open_case(panel, agencies=[panel.police])
    other = open_case(panel, agencies=[panel.health])
    client.force_login(lead)
    url = reverse("meetings:agenda-request", args=[panel.meeting.pk])

    form = client.get(url).content.decode()
    assert case.reference in form
    assert other.reference not in form
    response = client.post(url, {"case": case.pk, "reason_detail": "Missing again."})

    assert response.status_code == 302
    item = AgendaItem.objects.get()
    assert (item.case, item.requested_by, item.reason) == (case, lead, "member_request")


def test_a_member_request_without_a_reason_shows_the_error(client):
    panel = make_panel()
    lead = agency_lead(panel.police)
    case = open_case(panel, agencies=[panel.police])
    client.force_login(lead)

    response = client.post(
        reverse("meetings:agenda-request", args=[panel.meeting.pk]), {"case": case.pk}
    )

    assert "There is a problem" in response.content.decode()
    assert not AgendaItem.objects.exists()


def test_only_coordinators_reach_the_editing_pages(client):
    panel = make_panel()
    client.force_login(panel.health_lead)
    for name in ("agenda-build", "agenda-add-case", "agenda-add-general", "agenda-publish"):
        assert client.get(reverse(f"meetings:{name}", args=[panel.meeting.pk])).status_code == 403


def test_adding_general_business_and_reordering_from_the_page(client):
    panel = make_panel()
    client.force_login(panel.coordinator)
    add = reverse("meetings:agenda-add-general", args=[panel.meeting.pk])
    assert "Never a child&#x27;s name" in client.get(add).content.decode()
    client.post(add, {"title": "First"})
    client.post(add, {"title": "Second"})
    second = AgendaItem.objects.get(title="Second")

    client.post(reverse("meetings:agenda-item-shift", args=[second.pk]), {"direction": "up"})

    assert list(panel.meeting.items.values_list("title", flat=True)) == ["Second", "First"]


def test_publishing_from_the_page(client):
    panel = make_panel()
    client.force_login(panel.coordinator)
    url = reverse("meetings:agenda-publish", args=[panel.meeting.pk])
    assert "Publish the agenda" in client.get(url).content.decode()

    response = client.post(url, {"version": 1})

    assert response.status_code == 302
    panel.meeting.refresh_from_db()
    assert panel.meeting.status == MeetingStatus.PUBLISHED


def test_withdrawing_and_moving_from_the_page(client):
    panel = make_panel()
    item = agenda.add_general_item(panel.coordinator, meeting=panel.meeting, title="Budget")
    other = agenda.add_general_item(panel.coordinator, meeting=panel.meeting, title="Training")
    client.force_login(panel.coordinator)

    client.post(reverse("meetings:agenda-item-withdraw", args=[item.pk]), {"reason": "Done."})
    client.post(reverse("meetings:agenda-item-move", args=[other.pk]), {"to_meeting": ""})

    item.refresh_from_db()
    assert item.status == AgendaItemStatus.WITHDRAWN
    assert agenda.to_be_scheduled(panel.area.pk).get().title == "Training"


def test_the_to_be_scheduled_list_adds_an_item_to_a_meeting(client):
    panel = make_panel()
    case = awaiting(panel)
    listed = AgendaItem.objects.create(
        area=panel.area, meeting=None, case=case, added_by=panel.coordinator
    )
    client.force_login(panel.coordinator)
    url = reverse("meetings:to-be-scheduled", args=[panel.area.pk])

    html = client.get(url).content.decode()
    assert case.reference in html
    assert "Add to meeting" in html
    client.post(
        reverse("meetings:agenda-item-move", args=[listed.pk]),
        {"to_meeting": panel.meeting.pk, "reason_detail": ""},
    )

    assert panel.meeting.items.get(status="pending").case == case
    assert AuditEvent.objects.filter(verb="listed", actor=panel.coordinator).exists()


def test_the_to_be_scheduled_list_is_for_the_areas_coordinators(client):
    panel = make_panel()
    for user in (panel.health_lead, coordinator(stoke())):
        client.force_login(user)
        url = reverse("meetings:to-be-scheduled", args=[panel.area.pk])
        assert client.get(url).status_code == 403
    assert dt.date.today()


ADD_CASE_QUERIES = 6

# --- Choosing a case: a bounded list and a search by reference (issue 11) ---------------


@pytest.fixture
def three_shown(monkeypatch):
    """Lists of at most three cases, so a test needs only a handful to pass the limit."""
    monkeypatch.setattr("meetings.forms.agenda.CASES_SHOWN", 3)
    monkeypatch.setattr("meetings.views.agenda.CASES_SHOWN", 3)


def _options(html: str, cases) -> list[str]:
    return [case.reference for case in cases if f">{case.reference} (" in html]


def test_add_a_case_lists_at_most_the_limit_and_finds_the_rest_by_reference(client, three_shown):
    panel = make_panel()
    cases = sorted((awaiting(panel) for _ in range(5)), key=lambda case: case.reference)
    client.force_login(panel.coordinator)
    url = reverse("meetings:agenda-add-case", args=[panel.meeting.pk])

    html = client.get(url).content.decode()
    assert _options(html, cases) == [case.reference for case in cases[:3]]
    assert "Only the first 3 cases are listed" in html

    last = cases[-1]
    html = client.get(url, {"q": last.reference.lower()}).content.decode()
    assert _options(html, cases) == [last.reference]
    assert "Only the first" not in html


def test_a_case_not_listed_can_still_be_added(client, three_shown):
    panel = make_panel()
    cases = sorted((awaiting(panel) for _ in range(5)), key=lambda case: case.reference)
    client.force_login(panel.coordinator)
    url = reverse("meetings:agenda-add-case", args=[panel.meeting.pk])

    response = client.post(url, {"case": cases[-1].pk, "reason": "added"})

    assert response.status_code == 302, response.content.decode()[-2000:]
    assert AgendaItem.objects.get().case == cases[-1]


def test_add_a_case_refuses_a_closed_case_even_by_id(client):
    panel = make_panel()
    closed = awaiting(panel)
    close(closed)
    client.force_login(panel.coordinator)
    url = reverse("meetings:agenda-add-case", args=[panel.meeting.pk])

    html = client.get(url, {"q": closed.reference}).content.decode()
    assert f">{closed.reference} (" not in html
    response = client.post(url, {"case": closed.pk, "reason": "added"})

    assert "There is a problem" in response.content.decode()
    assert not AgendaItem.objects.exists()


def test_a_members_search_finds_only_cases_they_may_see(client):
    panel = make_panel()
    lead = agency_lead(panel.police)
    other = open_case(panel, agencies=[panel.health])
    client.force_login(lead)
    url = reverse("meetings:agenda-request", args=[panel.meeting.pk])

    html = client.get(url, {"q": other.reference}).content.decode()

    assert f">{other.reference} (" not in html


@pytest.mark.parametrize("count", [1, 8])
def test_add_a_case_takes_the_same_queries_however_many_open_cases(
    client, django_assert_num_queries, three_shown, count
):
    panel = make_panel()
    for _ in range(count):
        awaiting(panel)
    client.force_login(panel.coordinator)
    url = reverse("meetings:agenda-add-case", args=[panel.meeting.pk])

    # session, user, roles, the meeting, the cases offered (one row
    # past the limit says whether there are more), unread notifications
    with django_assert_num_queries(ADD_CASE_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
