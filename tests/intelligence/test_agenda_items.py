"""Agenda items about a person of concern or a location (intelligence/agenda.py): their
title names nothing, so every place an agenda item shows is safe for every member; the
agenda page adds the name and a link only for a viewer the record is visible_to."""

import pytest
from django.urls import reverse

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
    make_case,
    staffordshire,
)

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
