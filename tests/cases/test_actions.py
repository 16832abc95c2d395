"""Actions on the web: agreeing one on a case, its page and timeline, progressing it,
cancelling and re-assigning it, and two people editing it at once."""

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from cases import services
from cases.models import Action, ActionUpdate, Case
from notifications.models import Notification
from panel.models import Agency, User
from tests.factories import (
    AgencyFactory,
    UserFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    referrer,
    stoke,
)

pytestmark = pytest.mark.django_db

DUE = dt.date(2030, 1, 15)


@dataclass
class Setting:
    boss: User
    police: Agency
    health: Agency
    case: Case
    police_lead: User
    health_lead: User


@pytest.fixture
def setting() -> Setting:
    """A case with two involved agencies (Test Police, Test Health), a lead for each and
    the area's coordinator."""
    boss = coordinator()
    police = AgencyFactory(name="Test Police")
    health = AgencyFactory(name="Test Health")
    case = make_case(coordinator_user=boss, agencies=[police, health])
    return Setting(boss, police, health, case, agency_lead(police), agency_lead(health))


def add(s: Setting, **kwargs) -> Action:
    fields = {
        "case": s.case,
        "description": "Fictional action: a disruption visit.",
        "owning_agency": s.police,
        "due_date": DUE,
        "four_p": "pursue",
    }
    return services.add_action(s.boss, **(fields | kwargs))


def action_form(agency: Agency, **overrides) -> dict:
    form = {
        "description": "Fictional action: safety planning with the young person.",
        "owning_agency": agency.pk,
        "owner": "",
        "due_date_day": "15",
        "due_date_month": "1",
        "due_date_year": "2030",
        "priority": "high",
        "four_p": "protect",
        "submission_token": str(uuid.uuid4()),
    }
    return form | overrides


# --- agreeing an action ----------------------------------------------------------------------


def test_a_coordinator_adds_an_action_and_the_owning_agencys_leads_are_told(client, setting):
    s = setting
    second_lead = agency_lead(s.police)
    UserFactory(agency=s.police)  # a member who is not a lead: no case access, not told
    client.force_login(s.boss)

    response = client.post(
        reverse("cases:action-add", args=[s.case.pk]), action_form(s.police), follow=True
    )

    action = Action.objects.get()
    assert (action.owning_agency, action.due_date, action.priority, action.four_p) == (
        s.police,
        DUE,
        "high",
        "protect",
    )
    assert "Action added for Test Police" in response.content.decode()
    told = Notification.objects.filter(kind="action_assigned")
    assert {n.recipient for n in told} == {s.police_lead, second_lead}
    for notification in told:
        assert notification.case_reference == s.case.reference
        assert notification.link == reverse("cases:case-detail", args=[s.case.pk])
        shown = f"{notification.link} {notification.case_reference} {notification.key}"
        assert s.case.child.first_name not in shown
        assert s.case.child.last_name not in shown
    assert AuditEvent.objects.filter(verb="created", object_type="cases.action").count() == 1


def test_the_form_offers_only_involved_agencies_and_their_active_members(client, setting):
    s = setting
    AgencyFactory(name="Test Housing Not Involved")
    UserFactory(agency=s.health, first_name="Active", last_name="Member-Health")
    UserFactory(agency=s.police, first_name="Gone", last_name="Member-Left", is_active=False)
    client.force_login(s.boss)

    page = client.get(reverse("cases:action-add", args=[s.case.pk])).content.decode()

    assert "Test Police" in page and "Test Health" in page
    assert "Test Housing Not Involved" not in page
    assert "Member-Health" in page
    assert "Member-Left" not in page


# 00:30 on 2 June 2026 in London (BST), still 1 June in UTC: "today" is London's.
JUST_AFTER_LONDON_MIDNIGHT = dt.datetime(2026, 6, 1, 23, 30, tzinfo=dt.UTC)


def _due(day: dt.date) -> dict:
    return {"due_date_day": day.day, "due_date_month": day.month, "due_date_year": day.year}


@time_machine.travel(JUST_AFTER_LONDON_MIDNIGHT, tick=False)
def test_a_past_due_date_is_a_warning_to_confirm_not_saved_silently(client, setting):
    s = setting
    client.force_login(s.boss)
    url = reverse("cases:action-add", args=[s.case.pk])
    form = action_form(s.police, **_due(dt.date(2026, 6, 1)))

    warned = client.post(url, form)

    page = warned.content.decode()
    assert warned.status_code == 200
    assert "The due date, 1 June 2026, is in the past" in page
    assert 'name="confirm_past_due"' in page and "Confirm the past due date" in page
    assert not Action.objects.exists()

    client.post(url, form | {"confirm_past_due": "on"})

    assert Action.objects.get().due_date == dt.date(2026, 6, 1)


@time_machine.travel(JUST_AFTER_LONDON_MIDNIGHT, tick=False)
def test_today_in_london_is_not_a_past_due_date(client, setting):
    client.force_login(setting.boss)

    page = client.get(reverse("cases:action-add", args=[setting.case.pk])).content.decode()
    client.post(
        reverse("cases:action-add", args=[setting.case.pk]),
        action_form(setting.police, **_due(dt.date(2026, 6, 2))),
    )

    assert 'name="confirm_past_due"' not in page  # only asked once the date is past
    assert Action.objects.get().due_date == dt.date(2026, 6, 2)


@time_machine.travel(JUST_AFTER_LONDON_MIDNIGHT, tick=False)
def test_the_service_refuses_a_past_due_date_unless_confirmed(setting):
    with pytest.raises(ValidationError) as refused:
        add(setting, due_date=dt.date(2026, 5, 31))

    assert list(refused.value.message_dict) == ["due_date"]
    assert add(setting, due_date=dt.date(2026, 5, 31), confirm_past_due=True).pk


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"description": "  "}, "Describe the action."),
        ({"due_date_day": "31", "due_date_month": "2"}, "Due date must be a real date"),
        ({"due_date_day": "soon"}, "Due date must be a real date"),
        ({"due_date_year": ""}, "Due date must include a year"),
        ({"four_p": ""}, "Choose which of the 4 Ps the action serves."),
        ({"priority": "whenever"}, "Choose a priority."),
    ],
)
def test_bad_input_is_a_message_and_nothing_is_saved(client, setting, overrides, message):
    client.force_login(setting.boss)

    response = client.post(
        reverse("cases:action-add", args=[setting.case.pk]),
        action_form(setting.police, **overrides),
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Action.objects.exists()
    assert not Notification.objects.filter(kind="action_assigned").exists()


def test_an_agency_not_involved_in_the_case_is_refused(client, setting):
    outsider = AgencyFactory(name="Test Outsider")
    client.force_login(setting.boss)

    response = client.post(
        reverse("cases:action-add", args=[setting.case.pk]), action_form(outsider)
    )

    assert "Choose an agency involved in this case." in response.content.decode()
    assert not Action.objects.exists()
    with pytest.raises(ValidationError) as error:
        add(setting, owning_agency=outsider)
    assert "owning_agency" in error.value.message_dict


def test_an_owner_outside_the_owning_agency_is_refused(client, setting):
    nurse = UserFactory(agency=setting.health)
    client.force_login(setting.boss)

    response = client.post(
        reverse("cases:action-add", args=[setting.case.pk]),
        action_form(setting.police, owner=nurse.pk),
    )

    assert "The owner must be an active member of the owning agency." in response.content.decode()
    assert not Action.objects.exists()
    with pytest.raises(ValidationError) as error:
        add(setting, owner=nurse)
    assert "owner" in error.value.message_dict


def test_only_coordinators_of_the_area_add_actions(client, setting):
    page = reverse("cases:action-add", args=[setting.case.pk])
    for user in [setting.police_lead, auditor()]:
        client.force_login(user)
        assert client.get(page).status_code == 403
        assert client.post(page, action_form(setting.police)).status_code == 403
    client.force_login(coordinator(stoke()))
    assert client.get(page).status_code == 404
    assert not Action.objects.exists()


def test_an_action_on_a_closed_case_is_refused_and_the_case_stays_closed(setting):
    s = setting
    services.transition_case(
        s.boss, case=s.case, to_status="closed", closure_reason="other", closure_summary="Test."
    )

    with pytest.raises(ValidationError):
        add(s)

    s.case.refresh_from_db()
    assert s.case.status == "closed"
    assert not Action.objects.exists()


# --- the action's page ------------------------------------------------------------------------


def test_the_action_page_shows_the_action_and_its_timeline_and_records_the_view(client, setting):
    s = setting
    action = add(s, owner=UserFactory(agency=s.police, first_name="Owner", last_name="Test-PC"))
    services.update_action(
        s.police_lead, action=action, version=1, status="in_progress", note="Fictional visit."
    )
    client.force_login(s.health_lead)

    page = client.get(reverse("cases:action-detail", args=[action.pk])).content.decode()

    for text in [
        "Fictional action: a disruption visit.",
        "Test Police",
        "Owner Test-PC",
        "15 Jan 2030",
        "In progress",
        "Pursue",
        "Fictional visit.",
        str(s.police_lead),
    ]:
        assert text in page
    assert "Update this action" not in page  # another agency's lead reads, does not update
    event = AuditEvent.objects.get(actor=s.health_lead, verb="viewed")
    assert (event.object_type, event.case_reference) == ("cases.action", s.case.reference)


def test_out_of_scope_action_pages_are_404_like_missing_ones(client, setting):
    action = add(setting)
    client.force_login(agency_lead(AgencyFactory()))

    for name in ["action-detail", "action-reassign"]:
        missing = client.get(reverse(f"cases:{name}", args=[999999]))
        response = client.get(reverse(f"cases:{name}", args=[action.pk]))
        assert response.status_code == missing.status_code == 404, name
        assert response.content == missing.content
    for name in ["action-update", "action-cancel"]:
        response = client.post(reverse(f"cases:{name}", args=[action.pk]), {"version": 1})
        assert response.status_code == 404, name
    assert action.updates.count() == 0


# --- progressing it ---------------------------------------------------------------------------


def test_a_lead_of_the_owning_agency_progresses_and_completes_the_action(client, setting):
    action = add(setting)
    client.force_login(setting.police_lead)
    url = reverse("cases:action-update", args=[action.pk])

    client.post(url, {"version": 1, "status": "in_progress", "note": "Fictional: visit booked."})
    client.post(url, {"version": 2, "status": "in_progress", "note": "Fictional: visit done."})
    response = client.post(
        url,
        {"version": 3, "status": "done", "completion_note": "Fictional: safety plan agreed."},
        follow=True,
    )

    action.refresh_from_db()
    assert (action.status, action.version) == ("done", 4)
    assert action.completion_note == "Fictional: safety plan agreed."
    steps = list(action.updates.values_list("status_from", "status_to", "author"))
    lead = setting.police_lead.pk
    assert steps == [("open", "in_progress", lead), ("", "", lead), ("in_progress", "done", lead)]
    page = response.content.decode()
    assert "Fictional: safety plan agreed." in page
    assert "Update this action" not in page  # a finished action is read-only on its page


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"version": 1, "status": "done", "completion_note": ""}, "Say what was done."),
        ({"version": 1, "status": "lost"}, "Choose a status."),
        ({"version": 1, "status": "cancelled", "note": "x"}, "Choose a status."),
        ({"version": 1, "status": "open"}, "Write a progress note or choose a new status."),
        ({"status": "in_progress"}, "This form could not be sent."),
    ],
    ids=["done-without-note", "unknown-status", "cancel-here", "nothing-said", "no-version"],
)
def test_a_bad_update_is_a_message_and_changes_nothing(client, setting, form, message):
    action = add(setting)
    client.force_login(setting.police_lead)

    response = client.post(reverse("cases:action-update", args=[action.pk]), form)

    assert response.status_code == 200
    assert message in response.content.decode()
    action.refresh_from_db()
    assert (action.status, action.version, action.updates.count()) == ("open", 1, 0)


def test_only_the_owning_agencys_leads_and_coordinators_update(client, setting):
    action = add(setting)
    url = reverse("cases:action-update", args=[action.pk])
    form = {"version": 1, "status": "in_progress", "note": "Fictional."}

    for user in [setting.health_lead, auditor()]:
        client.force_login(user)
        assert client.post(url, form).status_code == 403
    with pytest.raises(PermissionDenied):
        services.update_action(setting.health_lead, action=action, version=1, note="Fictional.")
    assert action.updates.count() == 0

    client.force_login(setting.boss)
    assert client.post(url, form).status_code == 302


def test_a_lead_of_an_agency_taken_off_the_case_may_no_longer_update(setting):
    action = add(setting)
    services.update_action(
        setting.boss, action=action, version=1, status="cancelled", cancel_reason="Fictional."
    )
    services.set_case_team(
        setting.boss, case=setting.case, version=setting.case.version,
        involved_agencies=[setting.health], lead_agency=None, lead_professional=None,
        local_support_team=None,
    )  # fmt: skip

    with pytest.raises(PermissionDenied):
        services.update_action(setting.police_lead, action=action, version=2, note="Late.")


# --- cancelling -------------------------------------------------------------------------------


def test_a_coordinator_cancels_with_a_reason_and_a_lead_may_not(client, setting):
    action = add(setting)
    url = reverse("cases:action-cancel", args=[action.pk])

    client.force_login(setting.police_lead)
    assert client.post(url, {"cancel-version": 1, "cancel-cancel_reason": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.update_action(
            setting.police_lead, action=action, version=1, status="cancelled", cancel_reason="x"
        )

    client.force_login(setting.boss)
    empty = client.post(url, {"cancel-version": 1, "cancel-cancel_reason": " "})
    assert "Give the reason for cancelling the action." in empty.content.decode()
    action.refresh_from_db()
    assert action.status == "open"

    client.post(url, {"cancel-version": 1, "cancel-cancel_reason": "Fictional: superseded."})
    action.refresh_from_db()
    assert (action.status, action.cancel_reason) == ("cancelled", "Fictional: superseded.")


# --- two people at once -----------------------------------------------------------------------


def test_a_stale_update_shows_what_changed_and_keeps_what_was_typed(client, setting):
    s = setting
    action = add(s)
    colleague = agency_lead(s.police, first_name="Other", last_name="Lead-Colleague")
    loaded = action.version
    services.update_action(
        colleague, action=action, version=loaded, status="in_progress", note="Their visit note."
    )
    client.force_login(s.police_lead)
    url = reverse("cases:action-update", args=[action.pk])

    response = client.post(
        url, {"version": loaded, "status": "open", "note": "My typed progress note."}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this action while you were editing it" in page
    assert "Changed while you were editing" in page
    assert "Their visit note." in page and "Lead-Colleague" in page
    assert "My typed progress note." in page
    assert 'name="version" value="2"' in page
    assert list(action.updates.values_list("note", flat=True)) == ["Their visit note."]

    client.post(url, {"version": 2, "status": "in_progress", "note": "My typed progress note."})
    notes = list(action.updates.values_list("note", flat=True))
    assert notes == ["Their visit note.", "My typed progress note."]


def test_a_stale_cancel_or_reassign_is_refused_the_same_way(client, setting):
    s = setting
    action = add(s)
    services.update_action(s.police_lead, action=action, version=1, note="Their note.")
    client.force_login(s.boss)

    cancel = client.post(
        reverse("cases:action-cancel", args=[action.pk]),
        {"cancel-version": 1, "cancel-cancel_reason": "My typed reason."},
    ).content.decode()
    reassign = client.post(
        reverse("cases:action-reassign", args=[action.pk]),
        action_form(s.health, version=1, note="My typed why."),
    ).content.decode()

    for page, typed in [(cancel, "My typed reason."), (reassign, "My typed why.")]:
        assert "Someone else changed this action" in page
        assert "Their note." in page
        assert typed in page
    action.refresh_from_db()
    assert (action.status, action.owning_agency, action.version) == ("open", s.police, 2)


# --- re-assigning -----------------------------------------------------------------------------


def test_a_coordinator_reassigns_and_the_new_agencys_leads_are_told(client, setting):
    s = setting
    action = add(s)
    nurse = UserFactory(agency=s.health, first_name="Nurse", last_name="Test-Owner")
    client.force_login(s.boss)

    client.post(
        reverse("cases:action-reassign", args=[action.pk]),
        action_form(s.health, version=1, owner=nurse.pk, due_date_day="22"),
    )

    action.refresh_from_db()
    assert (action.owning_agency, action.owner, action.due_date, action.version) == (
        s.health,
        nurse,
        dt.date(2030, 1, 22),
        2,
    )
    entry = action.updates.get()
    assert entry.note.startswith("Re-assigned. Owning agency: Test Police → Test Health.")
    assert "Due: 15 Jan 2030 → 22 Jan 2030." in entry.note
    told = Notification.objects.filter(kind="action_assigned", recipient=s.health_lead)
    assert told.count() == 1
    assert Notification.objects.filter(recipient=s.police_lead).count() == 1  # when added
    event = AuditEvent.objects.filter(object_type="cases.action", verb="updated").get()
    assert event.changes["owning_agency"] == [str(s.police.pk), str(s.health.pk)]


def test_reassigning_checks_the_choices_and_needs_a_change(client, setting):
    s = setting
    action = add(s)
    client.force_login(s.boss)
    url = reverse("cases:action-reassign", args=[action.pk])

    wrong_owner = client.post(
        url, action_form(s.police, version=1, owner=UserFactory(agency=s.health).pk)
    )
    unchanged = client.post(
        url, action_form(s.police, version=1, priority="normal", four_p="pursue")
    )

    assert "The owner must be an active member" in wrong_owner.content.decode()
    assert "Nothing was changed" in unchanged.content.decode()
    assert action.updates.count() == 0


def test_only_coordinators_reassign_and_not_a_finished_action(client, setting):
    action = add(setting)
    client.force_login(setting.police_lead)
    assert client.get(reverse("cases:action-reassign", args=[action.pk])).status_code == 403

    services.update_action(
        setting.boss, action=action, version=1, status="cancelled", cancel_reason="Fictional."
    )
    with pytest.raises(ValidationError):
        services.reassign_action(
            setting.boss, action=action, version=2, owning_agency=setting.health, owner=None,
            due_date=DUE, priority="normal", four_p="pursue",
        )  # fmt: skip
    client.force_login(setting.boss)
    response = client.get(reverse("cases:action-reassign", args=[action.pk]), follow=True)
    assert "cannot be re-assigned" in response.content.decode()


# --- the case page -----------------------------------------------------------------------------


def test_the_case_page_links_actions_and_offers_coordinators_add_and_hold(client, setting):
    action = add(setting)
    review = setting.case.reviews.get()
    action_url = reverse("cases:action-detail", args=[action.pk])

    client.force_login(setting.boss)
    page = client.get(reverse("cases:case-detail", args=[setting.case.pk])).content.decode()
    assert action_url in page
    assert "Add an action" in page
    assert reverse("cases:review-hold", args=[review.pk]) in page
    assert review.due_date.strftime("%-d %b %Y") in page

    client.force_login(setting.police_lead)
    page = client.get(reverse("cases:case-detail", args=[setting.case.pk])).content.decode()
    assert action_url in page
    assert "Add an action" not in page
    assert "Hold the review" not in page


def test_referrers_never_reach_an_action(client, setting):
    action = add(setting)
    client.force_login(referrer())

    assert client.get(reverse("cases:action-detail", args=[action.pk])).status_code == 404
    assert ActionUpdate.objects.count() == 0


def test_the_error_summary_links_to_the_field_to_fix(client, setting):
    client.force_login(setting.boss)

    page = client.post(
        reverse("cases:action-add", args=[setting.case.pk]),
        action_form(setting.police, due_date_day="31", due_date_month="2", four_p=""),
    ).content.decode()

    assert page.startswith("<!DOCTYPE html>") and "<title>Error: Add an action" in page
    assert '<a href="#id_due_date_day">Due date must be a real date</a>' in page
    assert '<a href="#id_four_p_0">Choose which of the 4 Ps the action serves.</a>' in page


def test_the_add_action_form_sent_twice_agrees_one_action(client, setting):
    client.force_login(setting.boss)
    form = action_form(setting.police)

    client.post(reverse("cases:action-add", args=[setting.case.pk]), form)
    client.post(reverse("cases:action-add", args=[setting.case.pk]), form)

    assert setting.case.actions.count() == 1
