"""Emerging patterns (intelligence/patterns.py, intelligence/views/patterns.py): a record
linked to two or more children is told to the coordinators of each area holding one of
them, about their own children only, keyed; the patterns page; offering for the agenda."""

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from intelligence import patterns, tasks
from meetings.models import AgendaItem, AgendaItemKind, AgendaReason
from meetings.services.agenda import build_agenda, offer_intelligence_item
from notifications.email import send_pending
from notifications.models import Notification
from tests.factories import (
    AgencyFactory,
    LinkFactory,
    LocationFactory,
    MeetingFactory,
    PersonOfConcernFactory,
    VehicleFactory,
    agency_lead,
    auditor,
    coordinator,
    grant_intelligence,
    make_case,
    make_referral,
    staffordshire,
    stoke,
)
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db


def pattern_notes(user):
    return list(
        Notification.objects.filter(recipient=user, kind=Notification.Kind.EMERGING_PATTERN)
    )


@pytest.fixture
def areas():
    boss_a, boss_b = coordinator(staffordshire()), coordinator(stoke())
    return boss_a, boss_b


def test_one_child_is_no_pattern_two_children_are(areas):
    boss_a, _ = areas
    person = PersonOfConcernFactory()
    first = LinkFactory(case=make_case(), person=person)
    patterns.link_recorded(first.pk)
    assert pattern_notes(boss_a) == []
    # a second link to the same child is still one child
    again = LinkFactory(case=first.case, person=person, relationship="gave_gifts")
    patterns.link_recorded(again.pk)
    assert pattern_notes(boss_a) == []
    second = LinkFactory(case=make_case(), person=person)
    patterns.link_recorded(second.pk)
    [note] = pattern_notes(boss_a)
    assert note.link == reverse("intelligence:patterns")
    assert note.case_reference == ""


def test_each_area_hears_of_its_own_children_only(areas):
    boss_a, boss_b = areas
    location = LocationFactory()
    LinkFactory(case=make_case(), location=location, person=None)
    LinkFactory(case=make_case(), location=location, person=None)
    in_stoke = LinkFactory(case=make_case(area=stoke()), location=location, person=None)
    patterns.link_recorded(in_stoke.pk)
    [a] = pattern_notes(boss_a)
    [b] = pattern_notes(boss_b)
    assert a.key.endswith(f"pattern:location:{location.pk}:area:{staffordshire().pk}:2")
    assert b.key.endswith(f"pattern:location:{location.pk}:area:{stoke().pk}:1")


def test_detection_is_idempotent_and_a_further_child_of_the_area_notifies_again(areas):
    boss_a, boss_b = areas
    vehicle = VehicleFactory()
    links = [LinkFactory(case=make_case(), vehicle=vehicle, person=None) for _ in range(2)]
    patterns.link_recorded(links[-1].pk)
    patterns.link_recorded(links[-1].pk)
    assert patterns.sweep() == 0
    assert len(pattern_notes(boss_a)) == 1
    third = LinkFactory(case=make_case(), vehicle=vehicle, person=None)
    patterns.link_recorded(third.pk)
    assert len(pattern_notes(boss_a)) == 2
    assert pattern_notes(boss_b) == []


def test_ended_links_and_links_between_records_do_not_count(areas):
    boss_a, _ = areas
    person = PersonOfConcernFactory()
    LinkFactory(case=make_case(), person=person)
    ended = LinkFactory(case=make_case(), person=person, ended_at=timezone.now())
    patterns.link_recorded(ended.pk)
    record_link = LinkFactory(case=None, person=person, vehicle=VehicleFactory())
    patterns.link_recorded(record_link.pk)
    assert patterns.sweep() == 0
    assert pattern_notes(boss_a) == []


def test_a_child_at_referral_counts(areas):
    boss_a, _ = areas
    person = PersonOfConcernFactory()
    LinkFactory(case=make_case(), person=person)
    at_triage = LinkFactory(case=None, referral=make_referral(), person=person)
    patterns.link_recorded(at_triage.pk)
    assert len(pattern_notes(boss_a)) == 1


def test_the_sweep_finds_every_pattern_in_batches(areas, monkeypatch):
    boss_a, _ = areas
    monkeypatch.setattr(patterns, "BATCH", 2)
    people = [PersonOfConcernFactory() for _ in range(5)]
    cases = [make_case(), make_case()]
    for person in people:
        for case in cases:
            LinkFactory(case=case, person=person)
    result = tasks.sweep_patterns()
    assert len(pattern_notes(boss_a)) == 5
    assert result == {"created": Notification.objects.filter(kind="emerging_pattern").count()}
    assert tasks.sweep_patterns() == {"created": 0}


def test_the_sweep_is_on_the_beat_schedule():
    tasks_run = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "intelligence.tasks.sweep_patterns" in tasks_run


def test_the_email_names_nothing(areas):
    boss_a, _ = areas
    person = PersonOfConcernFactory(name="Testperson-Secret Generated")
    cases = [make_case(), make_case()]
    for case in cases:
        link = LinkFactory(case=case, person=person)
    tasks.detect_patterns_for_link(link.pk)
    mail.outbox.clear()
    send_pending()
    emails = [m for m in mail.outbox if boss_a.email in m.to and "several" in m.body]
    assert emails
    for message in emails:
        text = message.subject + message.body
        assert "Testperson" not in text
        for case in cases:
            assert case.reference not in text and case.child.first_name not in text
        assert reverse("intelligence:patterns") in message.body
    for note in pattern_notes(boss_a):
        assert "Testperson" not in note.key + note.link + str(note)


# --- the page ---------------------------------------------------------------------------


@pytest.fixture
def across_areas():
    """A person of Staffordshire linked to two children there and one in Stoke."""
    person = PersonOfConcernFactory(name="Testperson-Pattern Generated")
    for case in (make_case(), make_case(), make_case(area=stoke())):
        LinkFactory(case=case, person=person)
    return person


def test_the_page_counts_by_area_and_names_only_what_the_viewer_sees(client, across_areas):
    client.force_login(coordinator(staffordshire()))
    page = client.get(reverse("intelligence:patterns")).content.decode()
    assert "Testperson-Pattern Generated" in page
    assert "3 children: 2 in Staffordshire, 1 in another area" in page
    assert reverse("intelligence:person-chart", args=[across_areas.pk]) in page
    assert "Offer for the next panel meeting" in page
    client.force_login(coordinator(stoke()))
    page = client.get(reverse("intelligence:patterns")).content.decode()
    assert "Testperson-Pattern" not in page
    assert "A person of concern" in page and "3 children: 1 in Stoke" in page
    assert reverse("intelligence:person-chart", args=[across_areas.pk]) not in page
    assert "Offer for the next panel meeting" not in page
    event = AuditEvent.objects.filter(verb="listed").latest("id")
    assert event.changes["list"] == "intelligence:patterns"


def test_auditors_read_and_others_may_not(client, across_areas):
    client.force_login(auditor())
    page = client.get(reverse("intelligence:patterns")).content.decode()
    assert "3 children in 2 areas" in page and "Offer for" not in page
    assert client.post(reverse("intelligence:pattern-offer")).status_code == 403
    police = AgencyFactory()
    grant_intelligence(police, staffordshire())
    client.force_login(agency_lead(police))
    assert client.get(reverse("intelligence:patterns")).status_code == 403


@pytest.mark.parametrize("extra", [1, 5])
def test_the_page_takes_a_fixed_number_of_queries(
    client, django_assert_num_queries, across_areas, extra
):
    for _ in range(extra):
        location, vehicle = LocationFactory(), VehicleFactory()
        for _ in range(2):
            case = make_case()
            LinkFactory(case=case, location=location, person=None)
            LinkFactory(case=case, vehicle=vehicle, person=None)
    client.force_login(coordinator(staffordshire()))
    # session, user, roles; the records of the area's children; their children; the
    # persons, locations and vehicles shown (3); areas; agenda items offered; unread
    # notifications; the listed event
    with django_assert_num_queries(11 + audit_event_queries(agency=False, listed_rows=True)):
        assert client.get(reverse("intelligence:patterns")).status_code == 200


# --- offering for the agenda ------------------------------------------------------------


def test_offering_goes_to_the_next_open_meeting_once_and_is_audited(client, across_areas):
    boss = coordinator(staffordshire())
    later = MeetingFactory(date=timezone.localdate() + timezone.timedelta(days=40))
    meeting = MeetingFactory(date=timezone.localdate() + timezone.timedelta(days=20))
    client.force_login(boss)
    body = {"kind": "person", "record": across_areas.pk, "area": staffordshire().pk}
    assert client.post(reverse("intelligence:pattern-offer"), body).status_code == 302
    assert client.post(reverse("intelligence:pattern-offer"), body).status_code == 302
    [item] = AgendaItem.objects.filter(person=across_areas)
    assert item.meeting == meeting and item.meeting != later
    assert item.kind == AgendaItemKind.PERSON and item.reason == AgendaReason.EMERGING_PATTERN
    assert (
        AuditEvent.objects.filter(
            verb="created", object_type="meetings.agendaitem", object_id=str(item.pk)
        ).count()
        == 1
    )
    page = client.get(reverse("intelligence:patterns")).content.decode()
    assert "On the agenda" in page


def test_with_no_meeting_it_waits_on_the_to_be_scheduled_list_and_moves_on(across_areas):
    boss = coordinator(staffordshire())
    location = LocationFactory()
    item = offer_intelligence_item(boss, staffordshire(), location=location)
    assert item.meeting is None and item.kind == AgendaItemKind.LOCATION
    assert offer_intelligence_item(boss, staffordshire(), location=location) == item
    events = AuditEvent.objects.filter(object_type="meetings.agendaitem", object_id=str(item.pk))
    assert list(events.values_list("verb", flat=True)) == ["created"]
    meeting = MeetingFactory()
    build_agenda(boss, meeting=meeting)
    moved = AgendaItem.objects.get(meeting=meeting, location=location)
    assert moved.kind == AgendaItemKind.LOCATION


def test_only_the_areas_coordinators_who_see_the_record_may_offer(client, across_areas):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        offer_intelligence_item(coordinator(stoke()), staffordshire(), person=across_areas)
    with pytest.raises(PermissionDenied):
        offer_intelligence_item(coordinator(stoke()), stoke(), person=across_areas)
    with pytest.raises(PermissionDenied):
        offer_intelligence_item(auditor(), staffordshire(), person=across_areas)
    client.force_login(coordinator(staffordshire()))
    assert client.post(reverse("intelligence:pattern-offer"), {}).status_code == 400
    assert AgendaItem.objects.count() == 0
