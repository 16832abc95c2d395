"""The demo's past meeting reads true: its minutes were circulated before they were
approved, and general business discussed there is minuted with what was said, while an item
not reached says so and waits on the next agenda."""

import pytest
from django.core.management import call_command

from meetings.models import AgendaItem, Meeting, MeetingStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def past(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    return Meeting.objects.filter(status=MeetingStatus.APPROVED).select_related("minutes")


def test_the_past_meetings_minutes_were_circulated_before_they_were_approved(past):
    for meeting in past:
        assert meeting.minutes.circulated_at <= meeting.minutes.approved_at


def test_the_past_meetings_general_business_is_minuted_as_it_went(past):
    for meeting in past:
        sections = {s.item_id: s.text for s in meeting.minutes.sections.all()}
        general = meeting.items.filter(kind="general")
        discussed = general.get(status="heard")
        assert discussed.note and sections[discussed.pk] == discussed.note
        missed = general.get(status="not_reached")
        assert sections[missed.pk].startswith("Not reached at this meeting")
        upcoming = AgendaItem.objects.filter(
            area=meeting.area, meeting__status=MeetingStatus.PUBLISHED, title=missed.title
        )
        assert upcoming.get().reason == "carried_over"
