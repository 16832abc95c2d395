"""Missing episodes: who records them, what is refused, the 72 hours, the repeat flag and
who is told (intelligence/services/missing.py, intelligence/episodes.py)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from intelligence import episodes
from intelligence.models import MissingEpisode
from intelligence.services import missing
from meetings.models import AgendaItem
from notifications.models import Notification
from notifications.services import coordinators_of
from panel.errors import Conflict
from tests.factories import (
    AgencyFactory,
    LocationFactory,
    MeetingFactory,
    agency_lead,
    auditor,
    coordinator,
    grant_intelligence,
    referrer,
    stoke,
)
from tests.intelligence.missing_helpers import episode_on, open_case

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


def record(team, actor=None, *, at=None, **fields):
    fields.setdefault("reported_missing_at", (at or timezone.now()) - 2 * D)
    return missing.record_episode(actor or team.boss, case=team.case, **fields)


# --- who may record -----------------------------------------------------------------------


def test_the_coordinator_the_involved_lead_and_the_lead_professional_may_record():
    team = open_case()
    for who in (team.boss, team.lead, team.lead_prof):
        record(team, who)
    assert team.case.missing_episodes.count() == 3


@pytest.mark.parametrize(
    "who",
    [
        lambda team: auditor(),
        lambda team: referrer(),
        lambda team: agency_lead(AgencyFactory()),  # an agency not involved
        lambda team: coordinator(stoke()),
    ],
    ids=["auditor", "referrer", "uninvolved lead", "other area's coordinator"],
)
def test_no_one_else_may_record_and_nothing_is_left(who):
    team = open_case()
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        record(team, who(team))
    assert not MissingEpisode.objects.exists()
    assert AuditEvent.objects.count() == before


def test_a_lead_professional_whose_agency_is_no_longer_involved_may_not_record():
    team = open_case()
    team.lead_prof.agency = AgencyFactory()
    team.lead_prof.save()
    with pytest.raises(PermissionDenied):
        record(team, team.lead_prof)


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"reported_missing_at": None}, "reported_missing_at"),
        ({"reported_missing_at": NOW + H}, "reported_missing_at"),
        ({"reported_missing_at": NOW - D, "returned_at": NOW - 2 * D}, "returned_at"),
        ({"reported_missing_at": NOW - D, "returned_at": NOW + H}, "returned_at"),
        ({"reported_missing_at": NOW - D, "found_place": "Testplace 12 Takeaway"}, "returned_at"),
        ({"reported_missing_at": NOW - D, "interview": "offered"}, "interview"),
        (
            {"reported_missing_at": NOW - D, "returned_at": NOW - 20 * H, "interview": "held",
             "interview_by": "Test Worker"},
            "interview_held_at",
        ),
        (
            {"reported_missing_at": NOW - D, "returned_at": NOW - 20 * H, "interview": "held",
             "interview_held_at": NOW - 10 * H},
            "interview_by",
        ),
        (
            {"reported_missing_at": NOW - D, "returned_at": NOW - 20 * H, "interview": "held",
             "interview_held_at": NOW - 21 * H, "interview_by": "Test Worker"},
            "interview_held_at",
        ),
        (
            {"reported_missing_at": NOW - D, "returned_at": NOW - 20 * H,
             "interview": "offered"},
            "interview_offered_at",
        ),
        (
            {"reported_missing_at": NOW - D, "returned_at": NOW - 20 * H,
             "interview_held_at": NOW - 10 * H},
            "interview",
        ),
    ],
)  # fmt: skip
def test_impossible_times_are_refused_by_field_and_nothing_is_made(fields, field):
    team = open_case()
    with pytest.raises(ValidationError) as refused:
        missing.record_episode(team.boss, case=team.case, now=NOW, **fields)
    assert field in refused.value.message_dict
    assert not MissingEpisode.objects.exists()


def test_a_location_the_actor_cannot_see_is_refused_a_free_text_place_is_not():
    team = open_case()
    hidden = LocationFactory()  # area A's; the involved lead's agency is not granted
    kwargs = {"reported_missing_at": NOW - D, "returned_at": NOW - 20 * H}
    with pytest.raises(ValidationError) as refused:
        missing.record_episode(team.lead, case=team.case, now=NOW, found_location=hidden, **kwargs)
    assert "found_location" in refused.value.message_dict

    made = missing.record_episode(
        team.lead, case=team.case, now=NOW, found_place="Testplace 12 Takeaway", **kwargs
    )
    assert made.found_place == "Testplace 12 Takeaway"

    grant_intelligence(team.agency)
    seen = missing.record_episode(
        agency_lead(team.agency), case=team.case, now=NOW, found_location=hidden, **kwargs
    )
    assert seen.found_location == hidden


def test_recording_is_one_created_event_without_free_text():
    team = open_case()
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    episode = missing.record_episode(
        team.boss, case=team.case, now=NOW, reported_missing_at=NOW - D,
        returned_at=NOW - 20 * H, found_place="Testplace 12 Takeaway", notes="Fictional note.",
    )  # fmt: skip
    event = AuditEvent.objects.get(id__gt=before, object_type="intelligence.missingepisode")
    assert (event.verb, event.object_id) == ("created", str(episode.pk))
    assert event.changes["found_place"] == "changed"
    assert event.changes["notes"] == "changed"
    assert "Testplace" not in str(event.changes)


# --- updating -----------------------------------------------------------------------------


def test_an_update_records_the_interview_and_bumps_the_version():
    team = open_case()
    episode = record(team, reported_missing_at=NOW - 3 * D, now=NOW)
    updated = missing.update_episode(
        team.lead_prof, episode=episode, version=1, now=NOW, returned_at=NOW - 2 * D,
        interview="held", interview_held_at=NOW - D, interview_by="Test Worker (fictional)",
    )  # fmt: skip
    assert updated.version == 2
    assert updated.interview_within_72_hours is True
    event = AuditEvent.objects.filter(
        verb="updated", object_type="intelligence.missingepisode", object_id=str(episode.pk)
    ).get()
    assert event.changes["interview"] == ["not_yet", "held"]


def test_a_stale_update_is_refused_and_changes_nothing():
    team = open_case()
    episode = record(team, reported_missing_at=NOW - 3 * D, now=NOW)
    missing.update_episode(team.boss, episode=episode, version=1, now=NOW, notes="First.")
    with pytest.raises(Conflict):
        missing.update_episode(team.lead, episode=episode, version=1, now=NOW, notes="Second.")
    episode.refresh_from_db()
    assert (episode.notes, episode.version) == ("First.", 2)


def test_an_auditor_may_not_update():
    team = open_case()
    episode = record(team, reported_missing_at=NOW - 3 * D, now=NOW)
    with pytest.raises(PermissionDenied):
        missing.update_episode(auditor(), episode=episode, version=1, notes="No.")


def test_someone_who_cannot_see_the_found_location_may_still_update_the_rest():
    team = open_case()
    location = LocationFactory()
    episode = missing.record_episode(
        team.boss, case=team.case, now=NOW, reported_missing_at=NOW - 3 * D,
        returned_at=NOW - 2 * D, found_location=location,
    )  # fmt: skip
    updated = missing.update_episode(
        team.lead, episode=episode, version=1, now=NOW, interview="offered",
        interview_offered_at=NOW - D,
    )  # fmt: skip
    assert (updated.found_location, updated.interview) == (location, "offered")


# --- the 72 hours -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "held_after, within",
    [(72 * H, True), (72 * H + dt.timedelta(seconds=1), False), (71 * H, True)],
)
def test_an_interview_held_at_exactly_72_hours_is_in_time(held_after, within):
    returned = NOW - 10 * D
    episode = MissingEpisode(
        reported_missing_at=returned - H, returned_at=returned, interview="held",
        interview_held_at=returned + held_after,
    )  # fmt: skip
    assert episode.interview_within_72_hours is within
    state = episodes.interview_state(episode, NOW)
    assert state == (episodes.HELD_IN_TIME if within else episodes.HELD_LATE)


def test_an_interview_not_held_is_due_until_72_hours_then_overdue():
    returned = NOW - 10 * D
    episode = MissingEpisode(reported_missing_at=returned - H, returned_at=returned)
    due_by = returned + 72 * H
    assert episodes.interview_state(episode, due_by) == episodes.DUE
    assert episodes.interview_state(episode, due_by + dt.timedelta(seconds=1)) == episodes.OVERDUE
    episode.returned_at = None
    assert episodes.interview_state(episode, NOW) == episodes.STILL_MISSING


def test_the_case_summary_counts_interviews_held_within_72_hours():
    team = open_case()
    now = timezone.now()
    episode_on(team.case, days_ago=200)  # not in the last 90 days, no interview
    in_time = episode_on(team.case, days_ago=30, returned_hours=1)
    in_time.interview, in_time.interview_held_at = "held", in_time.returned_at + 72 * H
    in_time.interview_by = "Test Worker"
    in_time.save()
    late = episode_on(team.case, days_ago=20, returned_hours=1)
    late.interview, late.interview_held_at = "held", late.returned_at + 73 * H
    late.interview_by = "Test Worker"
    late.save()
    episode_on(team.case, days_ago=1, returned_hours=None)
    summary = episodes.case_summary(MissingEpisode.objects.filter(case=team.case), now)
    assert (summary.count, summary.recent, summary.returned, summary.held_in_time) == (4, 3, 3, 1)
    assert summary.still_missing == 1
    assert summary.last_returned_at == late.returned_at


# --- who is told, and the repeat flag -----------------------------------------------------


def told(kind):
    return list(Notification.objects.filter(kind=kind).order_by("recipient_id"))


def test_a_new_episode_on_an_open_case_tells_the_lead_professional_and_coordinators():
    team = open_case()
    other_boss = coordinator(team.case.area)
    episode = record(team, team.lead)
    notes = told(Notification.Kind.MISSING_EPISODE)
    assert {n.recipient_id for n in notes} == {team.lead_prof.pk, team.boss.pk, other_boss.pk}
    for note in notes:
        assert note.case_reference == team.case.reference
        assert note.link == f"/cases/{team.case.pk}/missing-episodes/{episode.pk}/"
        text = f"{note.link} {note.key} {note.case_reference} {note.counts}"
        assert team.case.child.first_name not in text
        assert team.case.child.last_name not in text


def test_an_episode_on_a_case_awaiting_panel_tells_no_one():
    team = open_case()
    team.case.status = "awaiting_panel"
    team.case.save()
    record(team)
    assert not Notification.objects.filter(kind__in=["missing_episode", "repeat_missing"]).exists()


def test_three_episodes_exactly_90_days_apart_flag_the_case_once():
    team = open_case()
    now = timezone.now()
    meeting = MeetingFactory(area=team.case.area)
    first = now - 100 * D
    for at in (first, first + 45 * D, first + 90 * D):
        missing.record_episode(team.boss, case=team.case, reported_missing_at=at, now=now)
    item = AgendaItem.objects.get(case=team.case)
    assert (item.meeting, item.reason) == (meeting, "repeat_missing")
    flags = told(Notification.Kind.REPEAT_MISSING)
    assert {n.recipient_id for n in flags} == {u.pk for u in coordinators_of(team.case.area_id)}
    assert team.lead_prof.pk not in {n.recipient_id for n in flags}
    assert flags[0].case_reference == team.case.reference
    assert team.case.child.last_name not in f"{flags[0].link} {flags[0].key}"

    # A fourth in the same run: no second item, no second notification.
    missing.record_episode(team.boss, case=team.case, reported_missing_at=first + 60 * D, now=now)
    assert AgendaItem.objects.filter(case=team.case).count() == 1
    assert len(told(Notification.Kind.REPEAT_MISSING)) == len(flags)


def test_three_episodes_over_91_days_do_not_flag():
    team = open_case()
    now = timezone.now()
    MeetingFactory(area=team.case.area)
    first = now - 100 * D
    for at in (first, first + 45 * D, first + 91 * D):
        missing.record_episode(team.boss, case=team.case, reported_missing_at=at, now=now)
    assert not AgendaItem.objects.filter(case=team.case).exists()
    assert not told(Notification.Kind.REPEAT_MISSING)


def test_an_episode_recorded_late_in_the_middle_of_a_run_flags_it():
    team = open_case()
    now = timezone.now()
    first = now - 80 * D
    for at in (first, first + 60 * D, first + 30 * D):
        missing.record_episode(team.boss, case=team.case, reported_missing_at=at, now=now)
    assert len(told(Notification.Kind.REPEAT_MISSING)) == 1


def test_with_no_meeting_to_come_the_case_goes_on_the_to_be_scheduled_list_once():
    team = open_case()
    now = timezone.now()
    for days in (30, 20, 10):
        missing.record_episode(team.boss, case=team.case, reported_missing_at=now - days * D)
    item = AgendaItem.objects.get(case=team.case)
    assert item.meeting is None and item.status == "pending"


def test_a_case_already_on_the_next_agenda_is_not_added_again():
    from meetings.services.agenda import add_case_item

    team = open_case()
    now = timezone.now()
    meeting = MeetingFactory(area=team.case.area)
    add_case_item(team.boss, meeting=meeting, case=team.case)
    for days in (30, 20, 10):
        missing.record_episode(team.boss, case=team.case, reported_missing_at=now - days * D)
    assert AgendaItem.objects.filter(case=team.case).count() == 1
    assert len(told(Notification.Kind.REPEAT_MISSING)) == len(coordinators_of(team.case.area_id))
