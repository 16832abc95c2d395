"""The research list: its scope (who sees which entries, for how long, following
membership live), and recording a return (service rules, audit, conflicts)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case, Child, Referral
from meetings.models import (
    AgendaItemStatus,
    MeetingMember,
    MeetingStatus,
    ResearchListEntry,
    ResearchReturn,
)
from meetings.services.research import SUMMARY_MAX_LENGTH, record_research_return
from panel.errors import Conflict
from panel.models import User
from tests.factories import (
    AgencyFactory,
    AgendaItemFactory,
    agency_lead,
    auditor,
    coordinator,
    stoke,
)
from tests.meetings.research_helpers import (
    approve,
    closed_by_days,
    entry,
    published_meeting,
    representative,
)

pytestmark = pytest.mark.django_db

SUMMARY = "Known to the fictional youth service since 2025: two contacts (test)."


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def visible(user: User) -> set[int]:
    return set(ResearchListEntry.objects.visible_to(fresh(user)).values_list("pk", flat=True))


def new_events():
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return lambda: list(AuditEvent.objects.filter(id__gt=before).order_by("id"))


@pytest.fixture
def open_list():
    meeting = published_meeting()
    rep = representative(meeting)
    item = entry(meeting)
    return meeting, rep, item


# --- the scope ---------------------------------------------------------------------------


def test_a_representative_sees_the_cases_on_their_meetings_published_agenda(open_list):
    _meeting, rep, item = open_list
    other_meeting = published_meeting()
    entry(other_meeting)

    assert visible(rep) == {item.pk}


def test_the_area_coordinators_and_auditors_see_it_and_others_do_not(open_list):
    meeting, rep, item = open_list
    lead_of_member = agency_lead(rep.agency)

    assert visible(coordinator(meeting.area)) == {item.pk}
    assert visible(auditor()) == {item.pk}
    assert visible(coordinator(stoke())) == set()
    assert visible(lead_of_member) == set()


@pytest.mark.parametrize(
    "close",
    [
        pytest.param(lambda m: approve(m), id="minutes approved"),
        pytest.param(
            lambda m: type(m).objects.filter(pk=m.pk).update(approved_at=timezone.now()),
            id="approved_at set",
        ),
        pytest.param(
            lambda m: type(m)
            .objects.filter(pk=m.pk)
            .update(status=MeetingStatus.CANCELLED, cancel_reason="Fictional."),
            id="cancelled",
        ),
    ],
)
def test_the_list_closes_when_the_minutes_are_approved_or_the_meeting_is_cancelled(
    open_list, close
):
    meeting, rep, _item = open_list
    close(meeting)

    assert visible(rep) == set()
    assert visible(coordinator(meeting.area)) == set()


def test_the_list_is_open_n_days_after_the_meeting_and_not_one_more(settings):
    settings.MEETING_RESEARCH_DAYS_AFTER = 14
    last_day = published_meeting(days_from_today=-14, status=MeetingStatus.HELD)
    rep = representative(last_day)
    item = entry(last_day)
    too_late = closed_by_days()
    late_rep = representative(too_late)
    entry(too_late)

    assert visible(rep) == {item.pk}
    assert visible(late_rep) == set()


def test_nothing_before_the_agenda_is_published():
    meeting = published_meeting(status=MeetingStatus.SCHEDULED, published_at=None)
    rep = representative(meeting)
    entry(meeting)

    assert visible(rep) == set()
    assert visible(coordinator(meeting.area)) == set()


def test_only_cases_still_on_the_agenda(open_list):
    meeting, rep, item = open_list
    heard = entry(meeting, status=AgendaItemStatus.HEARD)
    entry(meeting, status=AgendaItemStatus.WITHDRAWN)
    entry(meeting, status=AgendaItemStatus.MOVED)
    AgendaItemFactory(
        meeting=meeting, kind="general", case=None, title="Fictional general business"
    )

    assert visible(rep) == {item.pk, heard.pk}


@pytest.mark.parametrize(
    "lose_seat",
    [
        pytest.param(lambda rep, m: User.objects.filter(pk=rep.pk).update(agency=AgencyFactory()),
                     id="left the agency"),
        pytest.param(lambda rep, m: User.objects.filter(pk=rep.pk).update(is_active=False),
                     id="made inactive"),
        pytest.param(lambda rep, m: MeetingMember.objects.filter(representative=rep).update(
            representative=None), id="removed from the meeting"),
        pytest.param(lambda rep, m: MeetingMember.objects.filter(agency=rep.agency).delete(),
                     id="agency removed from the meeting"),
        pytest.param(lambda rep, m: User.objects.filter(pk=rep.pk).update(is_staff=True),
                     id="made staff"),
    ],
)  # fmt: skip
def test_access_follows_membership_live(open_list, lose_seat):
    meeting, rep, item = open_list
    assert visible(rep) == {item.pk}

    lose_seat(rep, meeting)

    assert visible(rep) == set()
    with pytest.raises(PermissionDenied):
        record_research_return(fresh(rep), item=item, outcome="nothing_held")


def test_the_research_list_never_opens_the_case_the_child_or_the_referral(open_list):
    _meeting, rep, item = open_list
    rep = fresh(rep)
    record_research_return(rep, item=item, outcome="held", summary=SUMMARY)

    assert not Case.objects.visible_to(rep).exists()
    assert not Child.objects.visible_to(rep).exists()
    assert not Referral.objects.visible_to(rep).exists()


def test_a_representative_reads_only_their_own_agencys_returns(open_list):
    meeting, rep, item = open_list
    other_rep = representative(meeting)
    mine = record_research_return(fresh(rep), item=item, outcome="nothing_held")
    theirs = record_research_return(fresh(other_rep), item=item, outcome="held", summary=SUMMARY)

    def returns(user):
        return set(ResearchReturn.objects.visible_to(fresh(user)).values_list("pk", flat=True))

    assert returns(rep) == {mine.pk}
    assert returns(other_rep) == {theirs.pk}
    assert returns(coordinator(meeting.area)) == {mine.pk, theirs.pk}
    approve(meeting)
    assert returns(rep) == set()
    # After the window the returns stay with the meeting's record for those who see the case.
    assert returns(coordinator(meeting.area)) == {mine.pk, theirs.pk}


# --- recording a return ------------------------------------------------------------------


def test_information_held_is_recorded_for_the_agency_and_audited_without_its_text(open_list):
    _meeting, rep, item = open_list
    events = new_events()

    made = record_research_return(fresh(rep), item=item, outcome="held", summary=SUMMARY)

    assert (made.agency_id, made.outcome, made.summary, made.version) == (
        rep.agency_id, "held", SUMMARY, 1,
    )  # fmt: skip
    [event] = events()
    assert (event.verb, event.object_type, event.object_id) == (
        "created", "meetings.researchreturn", str(made.pk),
    )  # fmt: skip
    assert event.case_reference == item.case.reference
    assert event.changes["summary"] == "changed"
    assert event.changes["outcome"] == [None, "held"]
    assert SUMMARY not in str(event.changes)


def test_nothing_held_keeps_no_summary(open_list):
    _meeting, rep, item = open_list

    made = record_research_return(
        fresh(rep), item=item, outcome="nothing_held", summary="typed before choosing"
    )

    assert (made.outcome, made.summary) == ("nothing_held", "")


@pytest.mark.parametrize(
    ("outcome", "summary", "field"),
    [
        ("held", "", "summary"),
        ("held", "   ", "summary"),
        ("held", "x" * (SUMMARY_MAX_LENGTH + 1), "summary"),
        ("maybe", "", "outcome"),
        ("", "", "outcome"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(open_list, outcome, summary, field):
    _meeting, rep, item = open_list
    events = new_events()

    with pytest.raises(ValidationError) as refused:
        record_research_return(fresh(rep), item=item, outcome=outcome, summary=summary)

    assert field in refused.value.message_dict
    assert not ResearchReturn.objects.exists()
    assert events() == []


def test_a_return_is_changed_with_its_version_and_audited(open_list):
    _meeting, rep, item = open_list
    made = record_research_return(fresh(rep), item=item, outcome="nothing_held")
    events = new_events()

    changed = record_research_return(
        fresh(rep), item=item, outcome="held", summary=SUMMARY, version=made.version
    )

    assert changed.pk == made.pk
    assert (changed.outcome, changed.summary, changed.version) == ("held", SUMMARY, 2)
    [event] = events()
    assert event.verb == "updated"
    assert event.changes == {"outcome": ["nothing_held", "held"], "summary": "changed"}
    assert event.case_reference == item.case.reference


def test_a_change_that_changes_nothing_records_nothing(open_list):
    _meeting, rep, item = open_list
    made = record_research_return(fresh(rep), item=item, outcome="held", summary=SUMMARY)
    events = new_events()

    same = record_research_return(
        fresh(rep), item=item, outcome="held", summary=SUMMARY, version=made.version
    )

    assert same.version == made.version
    assert events() == []


def test_a_stale_version_is_a_conflict_and_changes_nothing(open_list):
    meeting, rep, item = open_list
    colleague_seat = representative(meeting, agency=rep.agency)
    made = record_research_return(fresh(rep), item=item, outcome="held", summary=SUMMARY)
    record_research_return(
        fresh(colleague_seat), item=item, outcome="nothing_held", version=made.version
    )
    events = new_events()

    with pytest.raises(Conflict) as conflict:
        record_research_return(fresh(rep), item=item, outcome="held", summary="Mine.", version=1)

    assert conflict.value.current_version == 2
    assert ResearchReturn.objects.get().outcome == "nothing_held"
    assert events() == []


def test_a_first_return_made_meanwhile_is_a_conflict(open_list):
    meeting, rep, item = open_list
    colleague = representative(meeting, agency=rep.agency)
    record_research_return(fresh(colleague), item=item, outcome="nothing_held")

    with pytest.raises(Conflict):
        record_research_return(fresh(rep), item=item, outcome="held", summary=SUMMARY)

    assert ResearchReturn.objects.count() == 1


def test_coordinators_auditors_and_agency_leads_do_not_record_for_an_agency(open_list):
    meeting, rep, item = open_list
    for user in (coordinator(meeting.area), auditor(agency=rep.agency), agency_lead(rep.agency)):
        with pytest.raises(PermissionDenied):
            record_research_return(fresh(user), item=item, outcome="nothing_held")

    assert not ResearchReturn.objects.exists()


def test_a_representative_who_is_also_an_auditor_never_writes(open_list):
    _meeting, rep, item = open_list
    from panel.models import RoleAssignment

    RoleAssignment.objects.create(user=rep, role="auditor")

    with pytest.raises(PermissionDenied):
        record_research_return(fresh(rep), item=item, outcome="nothing_held")


def test_no_return_once_the_window_has_closed(open_list):
    meeting, rep, item = open_list
    approve(meeting)

    with pytest.raises(PermissionDenied):
        record_research_return(fresh(rep), item=item, outcome="nothing_held")


def test_no_return_for_a_withdrawn_item_or_another_meetings_item(open_list):
    meeting, rep, _item = open_list
    withdrawn = entry(meeting, status=AgendaItemStatus.WITHDRAWN)
    elsewhere = entry(published_meeting())

    for target in (withdrawn, elsewhere):
        with pytest.raises(PermissionDenied):
            record_research_return(fresh(rep), item=target, outcome="nothing_held")
