"""Agenda items about a person of concern or a location (intelligence/agenda.py): their
title names nothing, so every place an agenda item shows is safe for every member; the
agenda page adds the name and a link only for a viewer the record is visible_to (one query
for the whole agenda)."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from meetings.documents.content import agenda_lines
from meetings.models import AgendaItem
from meetings.services.agenda import offer_intelligence_item
from tests.factories import (
    AgencyFactory,
    LinkFactory,
    LocationFactory,
    MeetingFactory,
    MeetingMemberFactory,
    PersonOfConcernFactory,
    agency_lead,
    coordinator,
    grant_intelligence,
    make_case,
    staffordshire,
)
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db

NAME = "Testperson-Agenda Generated"
PLACE = "Testplace 7 House"


@pytest.fixture
def offered():
    boss = coordinator(staffordshire())
    member = AgencyFactory()
    meeting = MeetingFactory()
    MeetingMemberFactory(meeting=meeting, agency=member)
    person = PersonOfConcernFactory(name=NAME)
    house = LocationFactory(name=PLACE, kind="house", address="7 Test Street, Testtown")
    for _ in range(3):
        case = make_case()
        LinkFactory(case=case, person=person)
        LinkFactory(case=case, location=house, person=None)
    person_item = offer_intelligence_item(boss, staffordshire(), person=person)
    house_item = offer_intelligence_item(boss, staffordshire(), location=house)
    return boss, agency_lead(member), meeting, person_item, house_item


def test_the_title_names_nothing(offered):
    *_, person_item, house_item = offered
    assert person_item.title == "A person of concern linked to 3 children"
    assert house_item.title == "A location (house or flat, a private address) linked to 3 children"


def test_the_agenda_page_shows_the_titles_and_no_name(client, offered):
    _, lead, meeting, _, _ = offered
    url = reverse("meetings:agenda", args=[meeting.pk])
    client.force_login(lead)
    page = client.get(url).content.decode()
    assert page.count("A person of concern linked to 3 children") == 1
    assert "A location (house or flat, a private address) linked to 3 children" in page
    assert NAME not in page and PLACE not in page and "Test Street" not in page
    assert "/intelligence/" not in page


def test_the_meeting_page_counts_them(client, offered):
    _, lead, meeting, *_ = offered
    client.force_login(lead)
    page = client.get(reverse("meetings:meeting-detail", args=[meeting.pk])).content.decode()
    assert "2 items of general business" in page
    assert NAME not in page


def test_the_pack_lists_their_titles(offered):
    *_, meeting, person_item, house_item = offered
    items = list(AgendaItem.objects.filter(meeting=meeting).order_by("order"))
    titles = [line.title for line in agenda_lines(items, set())]
    assert titles == [person_item.title, house_item.title]


def test_the_hearing_page_and_the_draft_minutes_use_the_titles(client, offered):
    from meetings.models import Meeting
    from meetings.services.minutes import draft_minutes

    boss, _, meeting, person_item, house_item = offered
    client.force_login(boss)
    page = client.get(reverse("meetings:hearing", args=[meeting.pk])).content.decode()
    assert person_item.title in page and NAME not in page
    Meeting.objects.filter(pk=meeting.pk).update(status="held")
    meeting.refresh_from_db()
    minutes = draft_minutes(boss, meeting=meeting)
    headings = list(minutes.sections.values_list("heading", flat=True))
    assert person_item.title in headings and house_item.title in headings
    assert not any(NAME in h or PLACE in h for h in headings)


def test_the_api_agenda_gives_the_title(client, offered):
    _, lead, meeting, person_item, _ = offered
    client.force_login(lead)
    response = client.get(reverse("v1:meeting-agenda-item-list", args=[meeting.pk]))
    assert response.status_code == 200, response.content
    body = response.content.decode()
    assert person_item.title in body and NAME not in body and PLACE not in body


def _agenda(client, user, meeting) -> str:
    client.force_login(user)
    response = client.get(reverse("meetings:agenda", args=[meeting.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_coordinator_is_given_each_records_name_and_page(client, offered):
    boss, _, meeting, person_item, house_item = offered
    page = _agenda(client, boss, meeting)
    person_url = reverse("intelligence:person-detail", args=[person_item.person_id])
    house_url = reverse("intelligence:location-detail", args=[house_item.location_id])
    assert f'<a class="govuk-link" href="{person_url}">{NAME}</a>' in page
    assert f'<a class="govuk-link" href="{house_url}">{PLACE}</a>' in page
    # The title still says what it is; the house's address is never shown.
    assert person_item.title in page and house_item.title in page
    assert "Test Street" not in page
    event = AuditEvent.objects.get(verb="listed", actor=boss)
    assert set(event.listed_objects.values_list("object_type", "object_id")) == {
        ("intelligence.personofconcern", person_item.person_id),
        ("intelligence.location", house_item.location_id),
    }


def test_a_lead_of_an_agency_not_granted_reads_the_titles_only(client, offered):
    _, lead, meeting, person_item, house_item = offered
    page = _agenda(client, lead, meeting)
    assert person_item.title in page and house_item.title in page
    assert NAME not in page and PLACE not in page and "/intelligence/" not in page
    event = AuditEvent.objects.get(verb="listed", actor=lead)
    assert not event.listed_objects.exists()


def test_a_granted_lead_is_given_p_records_and_their_own_c_not_anothers_c(client):
    area = staffordshire()
    boss = coordinator(area)
    member = AgencyFactory()
    grant_intelligence(member, area)
    meeting = MeetingFactory()
    MeetingMemberFactory(meeting=meeting, agency=member)
    shared = PersonOfConcernFactory(name="Testperson-Shared Generated", handling_code="P")
    restricted = {"handling_code": "C", "handling_conditions": "Not to be shared (fictional)."}
    theirs = LocationFactory(
        name="Testplace 8 Takeaway", kind="takeaway", source_agency=member, **restricted
    )
    another = LocationFactory(name="Testplace 9 Takeaway", kind="takeaway", **restricted)
    for _ in range(2):
        case = make_case()
        for record in ("person", "location", "other"):
            if record == "person":
                LinkFactory(case=case, person=shared)
            else:
                place = theirs if record == "location" else another
                LinkFactory(case=case, location=place, person=None)
    offer_intelligence_item(boss, area, person=shared)
    offer_intelligence_item(boss, area, location=theirs)
    hidden = offer_intelligence_item(boss, area, location=another)

    page = _agenda(client, agency_lead(member), meeting)

    assert reverse("intelligence:person-detail", args=[shared.pk]) in page
    assert "Testperson-Shared Generated" in page
    assert reverse("intelligence:location-detail", args=[theirs.pk]) in page
    assert "Testplace 8 Takeaway" in page
    assert "Testplace 9 Takeaway" not in page
    assert reverse("intelligence:location-detail", args=[another.pk]) not in page
    assert hidden.title in page  # "A location (takeaway or restaurant) linked to 2 children"


@pytest.mark.parametrize("count", [1, 6])
def test_naming_the_records_is_one_query_however_many_items(
    client, django_assert_num_queries, count
):
    area = staffordshire()
    boss = coordinator(area)
    meeting = MeetingFactory()
    for n in range(count):
        person = PersonOfConcernFactory(name=f"Testperson-{n:04d} Generated")
        place = LocationFactory(name=f"Testplace {n} Takeaway", kind="takeaway")
        for _ in range(2):
            case = make_case()
            LinkFactory(case=case, person=person)
            LinkFactory(case=case, location=place, person=None)
        offer_intelligence_item(boss, area, person=person)
        offer_intelligence_item(boss, area, location=place)
    client.force_login(boss)
    url = reverse("meetings:agenda", args=[meeting.pk])

    # As a page of case items (test_agenda_pages), and one query more: the records named.
    with django_assert_num_queries(6 + 1 + audit_event_queries(agency=False, listed_rows=True)):
        page = client.get(url).content.decode()
    assert page.count('class="govuk-link" href="/intelligence/') == 2 * count
