"""The people doing the work open the case (DESIGN.md rule 11): the case's lead
professional, while their agency is involved in the case, and the owners of its open
actions, while they are still in the owning agency, read the case and what hangs off it
without the agency-lead role, and owners progress their own actions. Access is worked out
from the current rows, under the same conditions the reminders use: take the person off
the case and it goes at once."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from cases import services
from cases.access import live_lead_professionals, live_owned_actions
from cases.models import Action, Case, CaseNote, Child, Referral, Review, RiskAssessment
from notifications import reminders
from notifications.models import Notification
from panel.models import Agency, User
from tests.factories import (
    ANSWERED,
    AgencyFactory,
    UserFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    make_referral,
    staffordshire,
)

pytestmark = pytest.mark.django_db

DUE = dt.date(2030, 1, 15)


@dataclass
class Team:
    boss: User
    police: Agency
    health: Agency
    case: Case
    prof: User  # lead professional, Test Police, referrer role only
    owner: User  # owns the open action, Test Health, referrer role only
    colleague: User  # Test Police, referrer role only, not named anywhere
    action: Action


def fresh(user: User) -> User:
    """Roles and agency read from the current rows, as on a new request."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def team() -> Team:
    boss = coordinator()
    police = AgencyFactory(name="Test Police")
    health = AgencyFactory(name="Test Health")
    for agency in (police, health):
        agency.areas.add(staffordshire())
    prof = UserFactory(roles=["referrer"], agency=police)
    owner = UserFactory(roles=["referrer"], agency=health)
    colleague = UserFactory(roles=["referrer"], agency=police)
    case = make_case(coordinator_user=boss, agencies=[police, health], lead_professional=prof)
    services.add_note(boss, case=case, text="Fictional note.")
    services.record_assessment(boss, case=case, answers=ANSWERED)
    action = services.add_action(
        boss,
        case=case,
        description="Fictional: safety planning.",
        owning_agency=health,
        owner=owner,
        due_date=DUE,
        four_p="protect",
    )
    return Team(boss, police, health, case, prof, owner, colleague, action)


def sees(user: User, case: Case) -> dict[str, bool]:
    """Which records of ``case`` the user reads, one visible_to per model."""
    user = fresh(user)
    return {
        "case": Case.objects.visible_to(user).filter(pk=case.pk).exists(),
        "referral": Referral.objects.visible_to(user).filter(case=case).exists(),
        "child": Child.objects.visible_to(user).filter(pk=case.child_id).exists(),
        "action": Action.objects.visible_to(user).filter(case=case).exists(),
        "review": Review.objects.visible_to(user).filter(case=case).exists(),
        "note": CaseNote.objects.visible_to(user).filter(case=case).exists(),
        "assessment": RiskAssessment.objects.visible_to(user).filter(case=case).exists(),
    }


ALL = dict.fromkeys(["case", "referral", "child", "action", "review", "note", "assessment"], True)
NONE = dict.fromkeys(ALL, False)


def reassign(t: Team, **changes) -> Action:
    action = Action.objects.get(pk=t.action.pk)
    fields = {
        "owning_agency": action.owning_agency,
        "owner": action.owner,
        "due_date": action.due_date,
        "priority": action.priority,
        "four_p": action.four_p,
    }
    return services.reassign_action(
        t.boss, action=action, version=action.version, **(fields | changes)
    )


def set_team(t: Team, **changes) -> Case:
    case = Case.objects.get(pk=t.case.pk)
    fields = {
        "involved_agencies": list(case.involved_agencies.all()),
        "lead_agency": case.lead_agency,
        "lead_professional": case.lead_professional,
        "local_support_team": None,
    }
    return services.set_case_team(t.boss, case=case, version=case.version, **(fields | changes))


# --- the service layer: visible_to and can_update_action -----------------------------------


def test_the_lead_professional_and_the_owner_read_the_case_and_all_of_it(team):
    assert sees(team.prof, team.case) == ALL
    assert sees(team.owner, team.case) == ALL


def test_a_colleague_in_the_same_agency_who_is_not_named_reads_nothing(team):
    assert sees(team.colleague, team.case) == NONE
    assert sees(UserFactory(roles=["referrer"], agency=team.health), team.case) == NONE


def test_they_read_only_the_case_they_are_named_on(team):
    other = make_case(coordinator_user=team.boss, agencies=[team.police, team.health])

    assert sees(team.prof, other) == NONE
    assert sees(team.owner, other) == NONE


def test_a_new_lead_professional_takes_the_access_with_them(team):
    set_team(team, lead_professional=team.colleague)

    assert sees(team.prof, team.case) == NONE
    assert sees(team.colleague, team.case) == ALL


def test_a_lead_professional_moved_to_an_agency_not_involved_loses_access(team):
    User.objects.filter(pk=team.prof.pk).update(agency=AgencyFactory())

    assert sees(team.prof, team.case) == NONE


@pytest.mark.parametrize("how", ["done", "cancelled", "reassigned", "moved agency"])
def test_the_owner_loses_access_when_the_action_is_no_longer_theirs(team, how):
    if how == "done":
        services.update_action(
            team.owner, action=team.action, version=1, status="done", completion_note="Done."
        )
    elif how == "cancelled":
        services.update_action(
            team.boss, action=team.action, version=1, status="cancelled", cancel_reason="No."
        )
    elif how == "reassigned":
        reassign(team, owner=UserFactory(agency=team.health))
    else:
        User.objects.filter(pk=team.owner.pk).update(agency=AgencyFactory())

    assert sees(team.owner, team.case) == NONE
    assert not services.can_update_action(fresh(team.owner), Action.objects.get(pk=team.action.pk))


def test_an_inactive_account_reads_nothing(team):
    User.objects.filter(pk__in=[team.prof.pk, team.owner.pk]).update(is_active=False)

    assert sees(team.prof, team.case) == NONE
    assert sees(team.owner, team.case) == NONE


def test_the_owner_updates_their_own_action_and_nothing_else(team):
    owner = fresh(team.owner)
    assert services.can_update_action(owner, team.action)
    assert not services.can_update_action(fresh(team.prof), team.action)
    other = services.add_action(
        team.boss,
        case=team.case,
        description="Fictional: a health visit by someone else.",
        owning_agency=team.health,
        due_date=DUE,
        four_p="protect",
    )
    assert not services.can_update_action(owner, other)

    services.update_action(owner, action=team.action, version=1, note="Fictional progress.")

    with pytest.raises(PermissionDenied):
        services.update_action(
            owner, action=team.action, version=2, status="cancelled", cancel_reason="No."
        )
    with pytest.raises(PermissionDenied):
        services.add_note(owner, case=team.case, text="Fictional note.")


def test_an_auditor_named_as_owner_still_changes_nothing(team):
    watcher = auditor(agency=team.health)
    reassign(team, owner=watcher)

    assert not services.can_update_action(fresh(watcher), Action.objects.get(pk=team.action.pk))


# --- the reminders tell exactly the people who may read -------------------------------------


def told(kind: str) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


@pytest.mark.parametrize("moved", [False, True])
def test_the_reminders_and_access_agree(team, moved):
    """One definition: whoever the review and action reminders tell as lead professional
    or owner reads the case, and whoever they leave out does not."""
    Review.objects.filter(case=team.case).update(due_date=dt.date(2030, 1, 10))
    if moved:
        User.objects.filter(pk__in=[team.prof.pk, team.owner.pk]).update(agency=AgencyFactory())

    reminders.scan_reviews(today=dt.date(2030, 1, 8))
    reminders.scan_actions(today=dt.date(2030, 1, 14))

    assert (team.prof.pk in told("review_due")) is (not moved)
    assert (team.owner.pk in told("action_due")) is (not moved)
    for user in (team.prof, team.owner):
        assert sees(user, team.case)["case"] is (not moved)
    assert set(live_lead_professionals().values_list("pk", flat=True)) == (
        set() if moved else {team.case.pk}
    )
    assert set(live_owned_actions().values_list("pk", flat=True)) == (
        set() if moved else {team.action.pk}
    )


# --- the named owner is told ----------------------------------------------------------------


def assigned_to(user: User) -> int:
    return Notification.objects.filter(kind="action_assigned", recipient=user).count()


def test_the_named_owner_is_told_once_when_an_action_is_assigned_to_them(team, mailoutbox):
    assert assigned_to(team.owner) == 1
    note = Notification.objects.get(kind="action_assigned", recipient=team.owner)
    assert note.case_reference == team.case.reference
    newcomer = UserFactory(agency=team.health)

    reassign(team, owner=newcomer)

    assert assigned_to(newcomer) == 1
    assert assigned_to(team.owner) == 1  # nothing more for the one it was taken from
    reassign(team, due_date=dt.date(2030, 2, 1))
    assert assigned_to(newcomer) == 1  # a new date is not a new assignment
    child = team.case.child
    for email in mailoutbox:
        assert child.first_name not in email.body and child.last_name not in email.subject


def test_an_owner_who_is_also_a_lead_of_the_agency_is_told_once(team):
    lead = agency_lead(team.health)

    services.add_action(
        team.boss,
        case=team.case,
        description="Fictional: the lead's own action.",
        owning_agency=team.health,
        owner=lead,
        due_date=DUE,
        four_p="protect",
    )

    assert assigned_to(lead) == 1


def test_a_coordinator_assigning_an_action_to_themselves_is_not_told(team):
    boss = team.boss
    User.objects.filter(pk=boss.pk).update(agency=team.health)
    boss = fresh(boss)

    services.add_action(
        boss,
        case=team.case,
        description="Fictional: the coordinator's own action.",
        owning_agency=team.health,
        owner=boss,
        due_date=DUE,
        four_p="protect",
    )

    assert assigned_to(boss) == 0


# --- web: 200 for the named people, 404 for everyone else -----------------------------------


def pages(t: Team) -> list[str]:
    referral = t.case.referrals.get()
    return [
        reverse("cases:case-detail", args=[t.case.pk]),
        reverse("cases:action-detail", args=[t.action.pk]),
        reverse("cases:child-detail", args=[t.case.child_id]),
        reverse("cases:referral-detail", args=[referral.pk]),
    ]


def test_the_named_people_open_the_case_pages_and_a_colleague_gets_404(client, team):
    for user, status in [(team.prof, 200), (team.owner, 200), (team.colleague, 404)]:
        client.force_login(user)
        for url in pages(team):
            assert client.get(url).status_code == status, (user, url)


def test_the_case_page_goes_404_once_the_person_is_taken_off(client, team):
    set_team(team, lead_professional=None)
    reassign(team, owner=None)

    for user in (team.prof, team.owner):
        client.force_login(user)
        for url in pages(team):
            assert client.get(url).status_code == 404, (user, url)


def test_the_owner_progresses_their_action_on_the_web_and_is_sent_on_when_it_is_done(client, team):
    client.force_login(team.owner)
    url = reverse("cases:action-update", args=[team.action.pk])
    detail = reverse("cases:action-detail", args=[team.action.pk])

    page = client.get(detail).content.decode()
    assert 'name="note"' in page  # the update form is offered
    noted = client.post(url, {"version": 1, "status": "in_progress", "note": "Fictional."})
    assert noted.status_code == 302 and noted["Location"] == detail

    done = client.post(
        url, {"version": 2, "status": "done", "completion_note": "Fictional: done."}, follow=True
    )

    assert done.status_code == 200
    # No work left to list: home, with the message, rather than a page they cannot open.
    assert done.redirect_chain[-1][0] == reverse("home")
    assert "Action updated" in done.content.decode()
    assert Action.objects.get(pk=team.action.pk).status == "done"
    assert client.get(detail).status_code == 404


def test_the_owner_may_not_cancel_reassign_or_write_notes(client, team):
    client.force_login(team.owner)
    for name, pk in [
        ("cases:action-cancel", team.action.pk),
        ("cases:action-reassign", team.action.pk),
        ("cases:case-note", team.case.pk),
    ]:
        assert client.post(reverse(name, args=[pk]), {}).status_code == 403, name


def test_my_work_lists_the_owners_action_and_the_lead_professionals_case(client, team):
    client.force_login(team.owner)
    owner_page = client.get(reverse("cases:my-work"))
    client.force_login(team.prof)
    prof_page = client.get(reverse("cases:my-work"))
    client.force_login(team.colleague)
    colleague_page = client.get(reverse("cases:my-work"))

    assert owner_page.status_code == 200
    assert "Fictional: safety planning." in owner_page.content.decode()
    assert prof_page.status_code == 200
    assert team.case.reference in prof_page.content.decode()
    assert colleague_page.status_code == 403


def test_home_points_the_people_doing_the_work_to_my_work(client, team):
    my_work = f'href="{reverse("cases:my-work")}"'
    for user, shown in [(team.prof, True), (team.owner, True), (team.colleague, False)]:
        client.force_login(user)
        page = client.get(reverse("home")).content.decode()
        assert (my_work in page) is shown, user
        assert ("Cases you work on" in page) is shown, user


# --- API ------------------------------------------------------------------------------------


def api_as(user: User) -> APIClient:
    api = APIClient()
    api.force_authenticate(fresh(user))
    return api


def test_the_api_answers_the_named_people_and_404s_a_colleague(team):
    urls = [
        f"/api/v1/cases/{team.case.pk}/",
        f"/api/v1/actions/{team.action.pk}/",
        f"/api/v1/children/{team.case.child_id}/",
        f"/api/v1/referrals/{team.case.referrals.get().pk}/",
    ]
    for user, status in [(team.prof, 200), (team.owner, 200), (team.colleague, 404)]:
        api = api_as(user)
        for url in urls:
            assert api.get(url).status_code == status, (user, url)
    referral = api_as(team.prof).get(urls[3]).json()
    assert referral["view"] == "panel"  # what an involved agency's lead reads
    assert api_as(team.prof).get("/api/v1/cases/").json()["count"] == 1
    assert api_as(team.colleague).get("/api/v1/cases/").json()["count"] == 0


def test_the_owner_progresses_their_action_through_the_api(team):
    api = api_as(team.owner)
    url = f"/api/v1/actions/{team.action.pk}/update/"

    noted = api.post(url, {"version": 1, "note": "Fictional progress."}, format="json")
    done = api.post(
        url, {"version": 2, "status": "done", "completion_note": "Fictional."}, format="json"
    )

    assert noted.status_code == 200
    assert done.status_code == 200
    assert done.json()["status"] == "done"
    assert api.get(f"/api/v1/actions/{team.action.pk}/").status_code == 404
    # The lead professional still reads the action, and may not update it.
    refused = api_as(team.prof).post(url, {"version": 3, "note": "x"}, format="json")
    assert refused.status_code == 403


def _child_page_queries(client, user, child_pk) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("cases:child-detail", args=[child_pk]))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_child_page_reads_the_same_number_of_queries_for_one_case_or_many(client, team):
    """The child's scope (its visible cases' and referrals' children; a lead professional's
    cases as a list of ids) is part of the queries, never a query per case: a child with
    one case and one referral, then with more of both, costs the same."""
    prof = fresh(team.prof)
    boss = coordinator()
    child = team.case.child
    before = (
        _child_page_queries(client, prof, child.pk),
        _child_page_queries(client, boss, child.pk),
    )
    for _ in range(2):
        make_referral(child=child)
    more = make_case(lead_professional=prof, agencies=[prof.agency])
    after = (
        _child_page_queries(client, fresh(prof), child.pk),
        _child_page_queries(client, boss, child.pk),
        _child_page_queries(client, fresh(prof), more.child_id),
    )
    assert after == (*before, before[0])
