"""Who may hold and grant roles (issue 9, point 2): an administrator cannot give themself
case access. Nobody changes their own roles; staff and roles are mutually exclusive (and a
role row on a staff account gives nothing anyway); every grant and removal goes through
``panel.services``, is audited, and a grant of a role that reads case data is notified to
the area's coordinators and every auditor, by an email that names no one."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from audit.models import AuditEvent
from cases.models import Referral
from notifications import email
from notifications.models import Notification, NotificationKind
from panel.models import Role, RoleAssignment, User
from panel.services import grant_role, revoke_role
from tests.factories import (
    AgencyFactory,
    UserFactory,
    agency_lead,
    auditor,
    coordinator,
    make_case,
    staffordshire,
    stoke,
)

pytestmark = pytest.mark.django_db

GRANTED = NotificationKind.ROLE_GRANTED


def make_admin(**kwargs) -> User:
    return UserFactory(is_staff=True, is_superuser=True, agency=None, **kwargs)


def user_form(user: User, roles: list[tuple[str, object]] = (), existing=(), **fields) -> dict:
    """The admin's user change form as the browser posts it: the user's fields, then the
    role rows (``existing``: (row, delete?) pairs already saved; ``roles``: new ones)."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
        "agency": user.agency_id or "",
    }
    flags = {"is_active": user.is_active, "is_staff": user.is_staff}
    flags["is_superuser"] = user.is_superuser
    flags.update(fields)
    data.update({name: "on" for name, on in flags.items() if on})
    rows = [(row, delete) for row, delete in existing]
    data["role_assignments-TOTAL_FORMS"] = str(len(rows) + len(roles))
    data["role_assignments-INITIAL_FORMS"] = str(len(rows))
    for i, (row, delete) in enumerate(rows):
        data[f"role_assignments-{i}-id"] = row.pk
        data[f"role_assignments-{i}-user"] = user.pk
        data[f"role_assignments-{i}-role"] = row.role
        data[f"role_assignments-{i}-area"] = row.area_id or ""
        if delete:
            data[f"role_assignments-{i}-DELETE"] = "on"
    for j, (role, area) in enumerate(roles, start=len(rows)):
        data[f"role_assignments-{j}-user"] = user.pk
        data[f"role_assignments-{j}-role"] = role
        data[f"role_assignments-{j}-area"] = area.pk if area else ""
    return data


def post_user(client, user: User, data: dict):
    return client.post(f"/admin/panel/user/{user.pk}/change/", data)


def grants() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="panel.roleassignment").order_by("id"))


# --- Nobody changes their own roles --------------------------------------------------


def test_an_administrator_cannot_give_themself_the_auditor_role_in_the_admin(client):
    me = make_admin()
    client.force_login(me)

    response = post_user(client, me, user_form(me, roles=[(Role.AUDITOR, None)]))

    assert response.status_code == 200
    assert "You cannot change your own roles" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=me).exists()
    assert grants() == []


def test_nobody_removes_their_own_role_either(client):
    # A staff account cannot hold a role; the row is made behind the admin's back to show
    # the self-change rule holds on its own.
    me = make_admin()
    row = RoleAssignment.objects.create(user=me, role=Role.AUDITOR)
    client.force_login(me)

    response = post_user(client, me, user_form(me, existing=[(row, True)]))

    assert response.status_code == 200
    assert "You cannot change your own roles" in response.content.decode()
    assert RoleAssignment.objects.filter(pk=row.pk).exists()


def test_the_service_refuses_a_change_to_ones_own_roles():
    me = make_admin()

    with pytest.raises(PermissionDenied, match="your own roles"):
        grant_role(actor=me, user=me, role=Role.AUDITOR)
    with pytest.raises(PermissionDenied, match="your own roles"):
        revoke_role(actor=me, user=me, role=Role.AUDITOR)
    assert grants() == []


def test_only_an_administrator_grants_roles():
    with pytest.raises(PermissionDenied):
        grant_role(actor=auditor(), user=UserFactory(), role=Role.AUDITOR)
    staff_without_permission = UserFactory(is_staff=True, agency=None)
    with pytest.raises(PermissionDenied):
        grant_role(actor=staff_without_permission, user=UserFactory(), role=Role.AUDITOR)


# --- Staff status and roles are mutually exclusive -----------------------------------


def test_a_staff_account_cannot_be_given_a_role_in_the_admin(client):
    client.force_login(make_admin())
    colleague = UserFactory(is_staff=True, agency=None)

    response = post_user(client, colleague, user_form(colleague, roles=[(Role.AUDITOR, None)]))

    assert response.status_code == 200
    assert "Staff and superuser accounts cannot hold roles" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=colleague).exists()


def test_ticking_staff_and_adding_a_role_in_one_save_is_refused(client):
    client.force_login(make_admin())
    person = UserFactory()

    data = user_form(person, roles=[(Role.AUDITOR, None)], is_staff=True)
    response = post_user(client, person, data)

    assert response.status_code == 200
    assert "Staff and superuser accounts cannot hold roles" in response.content.decode()
    person.refresh_from_db()
    assert not person.is_staff
    assert not RoleAssignment.objects.filter(user=person).exists()


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_a_role_holder_cannot_be_made_staff_or_superuser(client, flag):
    client.force_login(make_admin())
    holder = coordinator()
    row = holder.role_assignments.get()

    response = post_user(client, holder, user_form(holder, existing=[(row, False)], **{flag: True}))

    assert response.status_code == 200
    assert "Remove their roles and save, before making them staff" in response.content.decode()
    holder.refresh_from_db()
    assert not (holder.is_staff or holder.is_superuser)


def test_the_service_refuses_a_role_for_a_staff_account():
    with pytest.raises(ValidationError, match="cannot hold roles"):
        grant_role(actor=make_admin(), user=make_admin(), role=Role.COORDINATOR, area=stoke())


def test_a_staff_account_with_a_role_row_reads_no_case_anyway(client):
    """Defence in depth: a role row put on a staff account behind the admin's back (a
    script, a database console) gives nothing, on the web and in the API."""
    case = make_case()
    staff = UserFactory(is_staff=True, agency=case.lead_agency)
    for role, area in [(Role.AUDITOR, None), (Role.COORDINATOR, case.area)]:
        RoleAssignment.objects.create(user=staff, role=role, area=area)
    RoleAssignment.objects.create(user=staff, role=Role.AGENCY_LEAD)
    staff = User.objects.get(pk=staff.pk)

    assert staff.roles == frozenset()
    assert not (staff.is_auditor or staff.is_coordinator or staff.is_agency_lead)
    client.force_login(staff)
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert client.get(f"/children/{case.child_id}/").status_code == 404
    referral = Referral.objects.get(case=case)
    assert client.get(f"/referrals/{referral.pk}/").status_code == 404
    assert client.get("/audit/").status_code == 403
    api = APIClient()
    api.force_authenticate(staff)
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert api.get(f"/api/v1/children/{case.child_id}/").status_code == 404
    assert api.get("/api/v1/cases/").json()["results"] == []
    assert api.get("/api/v1/children/").json()["results"] == []
    assert api.get("/api/v1/referrals/").json()["results"] == []
    assert api.get("/api/v1/me/").json()["roles"] == []


def test_a_staff_account_with_a_role_row_is_not_told_of_cases():
    from notifications.services import coordinators_of, leads_of

    agency = AgencyFactory()
    staff = UserFactory(is_staff=True, agency=agency)
    RoleAssignment.objects.create(user=staff, role=Role.COORDINATOR, area=staffordshire())
    RoleAssignment.objects.create(user=staff, role=Role.AGENCY_LEAD)

    assert staff not in coordinators_of(staffordshire())
    assert staff not in leads_of(agency.pk)


# --- Grants and removals are audited and notified ------------------------------------


def test_a_coordinator_grant_is_audited_and_told_to_that_areas_coordinators_and_auditors(
    client,
):
    admin_user = make_admin()
    client.force_login(admin_user)
    staffs, others = coordinator(staffordshire()), coordinator(stoke())
    watcher = auditor()
    person = UserFactory()

    response = post_user(client, person, user_form(person, roles=[(Role.COORDINATOR, stoke())]))

    assert response.status_code == 302, response.content.decode()[:3000]
    row = person.role_assignments.get()
    assert (row.role, row.area) == (Role.COORDINATOR, stoke())
    (event,) = grants()
    assert (event.verb, event.object_id, event.actor_id) == ("created", str(row.pk), admin_user.pk)
    assert event.changes == {"user": person.pk, "role": "coordinator", "area": "Stoke-on-Trent"}
    told = Notification.objects.filter(kind=GRANTED)
    assert {n.recipient_id for n in told} == {others.pk, watcher.pk}
    assert staffs.pk not in {n.recipient_id for n in told}
    assert {n.link for n in told} == {f"/audit/?event={event.pk}"}
    assert {n.case_reference for n in told} == {""}


def test_an_agency_lead_grant_is_told_to_the_coordinators_of_every_area_the_agency_serves():
    agency = AgencyFactory()
    agency.areas.set([staffordshire(), stoke()])
    staffs, stokes = coordinator(staffordshire()), coordinator(stoke())
    watcher = auditor()
    person = UserFactory(agency=agency)

    grant_role(actor=make_admin(), user=person, role=Role.AGENCY_LEAD)

    told = set(Notification.objects.filter(kind=GRANTED).values_list("recipient_id", flat=True))
    assert told == {staffs.pk, stokes.pk, watcher.pk}


def test_an_auditor_grant_is_told_to_every_areas_coordinators_and_auditors_not_the_grantee():
    """An auditor reads every area: a new one is told to every coordinator as well as the
    other auditors, so an account made to read everything is never seen only by its peers
    (or by nobody, before the first auditor exists)."""
    staffs, stokes = coordinator(staffordshire()), coordinator(stoke())
    watcher = auditor()
    person = UserFactory()

    grant_role(actor=make_admin(), user=person, role=Role.AUDITOR)

    told = set(Notification.objects.filter(kind=GRANTED).values_list("recipient_id", flat=True))
    assert told == {staffs.pk, stokes.pk, watcher.pk}


def test_a_referrer_grant_is_audited_but_not_notified():
    coordinator(), auditor()
    person = UserFactory()

    grant_role(actor=make_admin(), user=person, role=Role.REFERRER)

    assert [e.changes["role"] for e in grants()] == ["referrer"]
    assert not Notification.objects.filter(kind=GRANTED).exists()


def test_the_grant_email_names_no_one_and_links_to_the_audit_event(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    watcher = auditor()
    actor = make_admin(first_name="Adminfirst", last_name="Adminlast")
    person = UserFactory(
        first_name="Granteefirst", last_name="Granteelast", email="grantee.person@example.test"
    )

    grant_role(actor=actor, user=person, role=Role.AUDITOR)
    email.send_pending()

    (message,) = mail.outbox
    event = grants()[0]
    assert message.to == [watcher.email]
    assert message.subject == "Safeguard Panel: A role giving access to case data was granted"
    assert f"/audit/?event={event.pk}" in message.body
    text = f"{message.subject}\n{message.body}"
    for detail in [person.username, person.email, "Granteefirst", "Granteelast"]:
        assert not re.search(re.escape(detail), text, flags=re.IGNORECASE), detail
    for detail in [actor.username, "Adminfirst", "Adminlast"]:
        assert not re.search(re.escape(detail), text, flags=re.IGNORECASE), detail


def test_the_link_shows_the_auditor_that_one_event(client):
    watcher = auditor()
    person = UserFactory()
    grant_role(actor=make_admin(), user=person, role=Role.AUDITOR)
    event = grants()[0]
    client.force_login(watcher)

    page = client.get(f"/audit/?event={event.pk}").content.decode()

    assert "1 event, newest first" in page
    assert str(person) in page  # the auditor sees who was given the role
    assert "Auditor" in page


def test_removing_a_role_in_the_admin_is_audited(client):
    admin_user = make_admin()
    client.force_login(admin_user)
    person = agency_lead()
    row = person.role_assignments.get()

    response = post_user(client, person, user_form(person, existing=[(row, True)]))

    assert response.status_code == 302, response.content.decode()[:3000]
    assert not RoleAssignment.objects.filter(user=person).exists()
    (event,) = grants()
    assert (event.verb, event.object_id, event.actor_id) == ("updated", str(row.pk), admin_user.pk)
    assert event.changes == {
        "user": person.pk,
        "role": "agency_lead",
        "area": "",
        "deleted": True,
    }
    assert not Notification.objects.filter(kind=GRANTED).exists()


def test_changing_a_role_row_is_a_removal_and_a_grant(client):
    client.force_login(make_admin())
    person = coordinator(staffordshire())
    row = person.role_assignments.get()
    data = user_form(person, existing=[(row, False)])
    data["role_assignments-0-area"] = stoke().pk

    response = post_user(client, person, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert [r.area for r in person.role_assignments.all()] == [stoke()]
    assert [(e.verb, e.changes["area"]) for e in grants()] == [
        ("updated", "Staffordshire"),
        ("created", "Stoke-on-Trent"),
    ]


# --- The admin holds no case data ----------------------------------------------------

CASE_DATA_APPS = {"cases", "notifications", "audit"}
# Reference data shown read-only (a risk tool's indicators), not data about anyone.
REFERENCE_MODELS = {"cases.risktool"}


def test_no_model_holding_case_data_is_registered_in_the_admin():
    registered = {model._meta.label_lower for model in admin.site._registry}

    held = {label for label in registered if label.split(".")[0] in CASE_DATA_APPS}

    assert held == REFERENCE_MODELS


@pytest.mark.parametrize(
    "path",
    [
        "/admin/cases/case/",
        "/admin/cases/child/",
        "/admin/cases/referral/",
        "/admin/cases/action/",
        "/admin/cases/review/",
        "/admin/cases/riskassessment/",
        "/admin/notifications/notification/",
        "/admin/audit/auditevent/",
    ],
)
def test_a_superuser_cannot_reach_case_data_through_the_admin(client, path):
    client.force_login(make_admin())

    assert client.get(path).status_code == 404


# --- An administrator resetting someone's sign-in factors is told --------------------


RESET = NotificationKind.ACCOUNT_RESET


def test_an_administrator_resetting_two_factor_tells_the_person_auditors_and_their_coordinators():
    """A two-factor reset and a password set in the admin together are a way into the
    account: found by a practitioner walk-through, nobody was told."""
    from panel import mfa
    from tests.factories import with_authenticator

    victim, colleague, elsewhere = (
        coordinator(staffordshire()),
        coordinator(staffordshire()),
        coordinator(stoke()),
    )
    watcher = auditor()
    with_authenticator(victim)
    actor = make_admin()

    mfa.reset_mfa(actor, user=victim)

    told = {n.recipient_id: n.link for n in Notification.objects.filter(kind=RESET)}
    event = AuditEvent.objects.filter(actor=actor, object_id=str(victim.pk)).latest("pk")
    assert told == {
        victim.pk: "/account/",
        colleague.pk: f"/audit/?event={event.pk}",
        watcher.pk: f"/audit/?event={event.pk}",
    }
    assert elsewhere.pk not in told


def test_an_administrator_setting_a_password_in_the_admin_is_told(client):
    victim = coordinator(staffordshire())
    watcher = auditor()
    actor = make_admin()
    client.force_login(actor)
    new = "quiet-lantern-meadow-42"

    response = client.post(
        f"/admin/panel/user/{victim.pk}/password/",
        {"password1": new, "password2": new, "usable_password": "true"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    told = set(Notification.objects.filter(kind=RESET).values_list("recipient_id", flat=True))
    assert told == {victim.pk, watcher.pk}


def test_changing_ones_own_password_tells_no_one(client):
    from panel.accounts import password_changed

    person = coordinator(staffordshire())
    auditor()

    password_changed(person, user=person)

    assert not Notification.objects.filter(kind=RESET).exists()
