"""Granting and revoking an agency's sight of an area's intelligence in the admin: each an
audit event in the same transaction, never an edit in place, and the agency's leads see
the area's intelligence from the next request and stop seeing it when it is revoked."""

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from intelligence.access import sees_intelligence
from intelligence.models import IntelligenceGrant, PersonOfConcern
from panel.models import User
from tests.factories import (
    AgencyFactory,
    PersonOfConcernFactory,
    UserFactory,
    agency_lead,
    coordinator,
    grant_intelligence,
    staffordshire,
    stoke,
)

pytestmark = pytest.mark.django_db

ADD = "/admin/intelligence/intelligencegrant/add/"


@pytest.fixture
def admin_user():
    return UserFactory(is_staff=True, is_superuser=True, agency=None)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def fresh(user: User) -> User:
    """Roles and grants are read from the current rows, as at the next request."""
    return User.objects.get(pk=user.pk)


def events(verb: str = "") -> list[AuditEvent]:
    rows = AuditEvent.objects.filter(object_type="intelligence.intelligencegrant")
    return list(rows.filter(verb=verb) if verb else rows)


def test_the_admin_lists_grants_and_nothing_else_of_intelligence(admin_client):
    grant_intelligence(AgencyFactory(name="Test Police (fictional)"), staffordshire())
    index = admin_client.get("/admin/").content.decode()
    assert "/admin/intelligence/intelligencegrant/" in index
    for model in ["personofconcern", "location", "vehicle", "link", "disruption"]:
        assert f"/admin/intelligence/{model}/" not in index

    page = admin_client.get("/admin/intelligence/intelligencegrant/?area__id__exact=1")
    assert page.status_code == 200
    assert "Test Police (fictional)" in page.content.decode()


def test_a_grant_added_in_the_admin_is_audited_and_names_who_granted_it(admin_client, admin_user):
    police, area = AgencyFactory(name="Test Police (fictional)"), stoke()

    response = admin_client.post(ADD, {"area": area.pk, "agency": police.pk})

    assert response.status_code == 302, response.content.decode()[:2000]
    grant = IntelligenceGrant.objects.get(area=area, agency=police)
    assert grant.granted_by == admin_user
    assert grant.granted_at is not None
    (event,) = events("created")
    assert event.object_id == str(grant.pk)
    assert event.actor == admin_user
    assert event.changes["area"] == [None, area.pk]
    assert event.changes["agency"] == [None, police.pk]
    assert event.changes["granted_by"] == [None, admin_user.pk]


def test_granted_by_cannot_be_posted(admin_client, admin_user):
    other = UserFactory(is_staff=True, agency=None)
    police = AgencyFactory()

    admin_client.post(ADD, {"area": stoke().pk, "agency": police.pk, "granted_by": other.pk})

    assert IntelligenceGrant.objects.get(agency=police).granted_by == admin_user


def test_a_duplicate_grant_is_refused_with_an_error_and_changes_nothing(admin_client):
    police = AgencyFactory()
    grant = grant_intelligence(police, staffordshire())

    response = admin_client.post(ADD, {"area": staffordshire().pk, "agency": police.pk})

    assert response.status_code == 200
    page = response.content.decode()
    assert "errornote" in page
    assert "already exists" in page
    assert list(IntelligenceGrant.objects.all()) == [grant]
    assert events() == []


def test_the_database_refuses_a_duplicate_too():
    police = AgencyFactory()
    grant_intelligence(police, staffordshire())
    with pytest.raises(IntegrityError), transaction.atomic():
        IntelligenceGrant.objects.create(area=staffordshire(), agency=police)


def test_a_grant_is_revoked_not_edited(admin_client):
    grant = grant_intelligence(AgencyFactory(), staffordshire())
    other = AgencyFactory()

    page = admin_client.get(f"/admin/intelligence/intelligencegrant/{grant.pk}/change/")
    assert page.status_code == 200  # read-only, with a link to delete
    assert 'name="agency"' not in page.content.decode()
    assert f"/admin/intelligence/intelligencegrant/{grant.pk}/delete/" in page.content.decode()
    response = admin_client.post(
        f"/admin/intelligence/intelligencegrant/{grant.pk}/change/",
        {"area": stoke().pk, "agency": other.pk},
    )

    assert response.status_code == 403
    grant.refresh_from_db()
    assert (grant.area, grant.agency_id) == (staffordshire(), grant.agency_id)
    assert events() == []


def test_revoking_a_grant_is_audited_with_what_was_granted(admin_client, admin_user):
    police = AgencyFactory()
    grant = grant_intelligence(police, stoke())

    response = admin_client.post(
        f"/admin/intelligence/intelligencegrant/{grant.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert not IntelligenceGrant.objects.exists()
    (event,) = events()
    assert event.verb == "updated" and event.actor == admin_user
    assert event.object_id == str(grant.pk)
    assert event.changes == {"area": stoke().pk, "agency": police.pk, "deleted": True}


def test_revoking_several_at_once_records_each(admin_client):
    grants = [grant_intelligence(AgencyFactory(), area) for area in (staffordshire(), stoke())]

    response = admin_client.post(
        "/admin/intelligence/intelligencegrant/",
        {"action": "delete_selected", "_selected_action": [g.pk for g in grants], "post": "yes"},
    )

    assert response.status_code == 302
    assert not IntelligenceGrant.objects.exists()
    assert sorted(e.object_id for e in events()) == sorted(str(g.pk) for g in grants)
    assert all(e.changes["deleted"] is True for e in events())


def test_a_grant_opens_and_a_revocation_closes_the_areas_intelligence_to_the_agencys_leads(
    admin_client,
):
    police = AgencyFactory(name="Test Police (fictional)")
    lead = agency_lead(police)
    person = PersonOfConcernFactory(area=stoke(), source_agency=AgencyFactory())
    PersonOfConcernFactory(area=staffordshire())  # another area: never granted here
    assert not PersonOfConcern.objects.visible_to(fresh(lead)).exists()
    assert not sees_intelligence(fresh(lead))

    admin_client.post(ADD, {"area": stoke().pk, "agency": police.pk})

    assert list(PersonOfConcern.objects.visible_to(fresh(lead))) == [person]
    assert sees_intelligence(fresh(lead))
    grant = IntelligenceGrant.objects.get()

    admin_client.post(f"/admin/intelligence/intelligencegrant/{grant.pk}/delete/", {"post": "yes"})

    assert not PersonOfConcern.objects.visible_to(fresh(lead)).exists()
    assert not sees_intelligence(fresh(lead))
    # The area's coordinators are not a grant: they saw it throughout.
    assert list(PersonOfConcern.objects.visible_to(coordinator(stoke()))) == [person]


def test_staff_need_the_permissions_and_case_workers_are_not_let_in(client):
    staff = UserFactory(is_staff=True, agency=None)
    client.force_login(staff)
    police = AgencyFactory()
    assert client.post(ADD, {"area": stoke().pk, "agency": police.pk}).status_code == 403

    staff.user_permissions.add(
        Permission.objects.get(codename="add_intelligencegrant"),
        Permission.objects.get(codename="view_intelligencegrant"),
    )
    client.force_login(fresh(staff))
    assert client.post(ADD, {"area": stoke().pk, "agency": police.pk}).status_code == 302
    assert IntelligenceGrant.objects.get().granted_by == staff

    client.force_login(coordinator(stoke()))
    assert client.get(ADD).status_code == 302  # to the admin's sign-in
