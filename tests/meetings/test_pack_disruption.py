"""The meeting pack's "Disruption activity": since the area's previous meeting (or 90
days), in full to readers who see the area's intelligence (the person's name only to who
may see the person), counts by kind to the others; the copy's scope tells them apart."""

from __future__ import annotations

import datetime as dt

import pytest

from intelligence.models import Disruption
from intelligence.pack import section, window
from meetings import documents
from meetings.models import MeetingMember
from tests.factories import (
    AgencyFactory,
    LocationFactory,
    MeetingFactory,
    PersonOfConcernFactory,
    agency_lead,
    grant_intelligence,
)
from tests.meetings.docs_helpers import (
    eager_fixture,  # noqa: F401 (the "eager" fixture)
    pack_world,
    pdf_text,
    squash,
    storage_fixture,  # noqa: F401 (the "storage" fixture)
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage")]


@pytest.fixture
def made(eager, django_capture_on_commit_callbacks):
    def make(user, meeting):
        with django_capture_on_commit_callbacks(execute=True):
            document = documents.document_for(user, meeting, "pack")
        document.refresh_from_db()
        return document

    return make


def disrupt(world, *, person=None, location=None, kind="cawn", days_before=5, **extra):
    return Disruption.objects.create(
        area=world.meeting.area, person=person, location=location, kind=kind,
        date=world.meeting.date - dt.timedelta(days=days_before), agency=world.agency,
        outcome="Fictional outcome: notice served.", recorded_by=world.coordinator, **extra,
    )  # fmt: skip


def test_the_coordinator_reads_it_in_full_and_a_lead_not_granted_counts_only(made):
    world = pack_world()
    person = PersonOfConcernFactory(area=world.meeting.area, source_agency=world.agency)
    disrupt(world, person=person)
    disrupt(world, location=LocationFactory(source_agency=world.agency), kind="patrol")

    full = pdf_text(
        documents.stamped_pdf(made(world.coordinator, world.meeting), world.coordinator)
    )
    assert squash("Disruption activity") in full
    assert squash(person.name) in full
    assert squash("Fictional outcome: notice served.") in full

    counted = pdf_text(documents.stamped_pdf(made(world.lead, world.meeting), world.lead))
    assert squash("Disruption activity") in counted
    assert squash("Child Abduction Warning Notice1") in counted
    assert squash(person.name) not in counted
    assert squash("Fictional outcome") not in counted


def test_a_granted_lead_reads_it_in_full_without_a_name_they_may_not_see(made):
    world = pack_world()
    grant_intelligence(world.agency, world.meeting.area)
    hidden = PersonOfConcernFactory(
        area=world.meeting.area, source_agency=AgencyFactory(), handling_code="C",
        handling_conditions="Fictional conditions.",
    )  # fmt: skip
    disrupt(world, person=hidden)
    lead = agency_lead(world.agency)
    MeetingMember.objects.filter(meeting=world.meeting, agency=world.agency).update(
        representative=lead
    )
    context = section(world.meeting, lead)
    assert context["full"]
    assert [line.against for line in context["lines"]] == ["A person of concern"]
    text = pdf_text(documents.stamped_pdf(made(lead, world.meeting), lead))
    assert squash("A person of concern") in text and squash(hidden.name) not in text


def test_the_window_starts_after_the_previous_meeting_or_90_days_before():
    world = pack_world()
    assert window(world.meeting)[0] == world.meeting.date - dt.timedelta(days=90)
    MeetingFactory(
        area=world.meeting.area, date=world.meeting.date - dt.timedelta(days=20),
        created_by=world.coordinator,
    )  # fmt: skip
    assert window(world.meeting) == (
        world.meeting.date - dt.timedelta(days=20),
        world.meeting.date,
    )
    person = PersonOfConcernFactory(area=world.meeting.area, source_agency=world.agency)
    disrupt(world, person=person, days_before=30)
    recent = disrupt(world, person=person, days_before=3)
    context = section(world.meeting, world.coordinator)
    assert context["total"] == 1
    assert [line.date for line in context["lines"]] == [recent.date]


def test_readers_who_see_it_differently_get_different_copies():
    world = pack_world()
    person = PersonOfConcernFactory(area=world.meeting.area, source_agency=world.agency)
    from meetings.documents import _reader_scope

    lead_key = _reader_scope(world.lead, world.meeting, "pack")[1]
    disrupt(world, person=person)
    assert _reader_scope(world.lead, world.meeting, "pack")[1] == lead_key  # counts only
    boss = world.coordinator
    _, with_cases = _reader_scope(boss, world.meeting, "pack")
    ids = documents.readable_case_ids(boss, world.meeting)
    assert with_cases != documents.scope_key("pack", ids)
