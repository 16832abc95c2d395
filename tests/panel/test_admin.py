import pytest

from audit.models import AuditEvent
from panel.models import Area
from tests.factories import UserFactory, coordinator, staffordshire

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, agency=None))
    return client


def test_admin_offers_reference_data_and_people_but_no_case_data(admin_client):
    page = admin_client.get("/admin/").content.decode()

    for model in ["area", "agency", "localsupportteam", "user"]:
        assert f"/admin/panel/{model}/" in page
    for model in ["child", "referral", "case", "action", "review"]:
        assert f"/admin/cases/{model}/" not in page
    assert "/admin/audit/" not in page


def test_risk_tools_are_read_only_in_admin(admin_client):
    from tests.factories import matrix_tool

    tool = matrix_tool()
    response = admin_client.post(f"/admin/cases/risktool/{tool.pk}/change/", {"name": "Edited"})

    assert response.status_code == 403
    tool.refresh_from_db()
    assert tool.name == "Risk Factor Matrix"


def test_an_admin_change_is_audited(admin_client):
    area = staffordshire()
    data = {
        "name": area.name,
        "slug": area.slug,
        "front_door_name": area.front_door_name,
        "front_door_phone": "0800 000 0002",
        "police_non_emergency": "101",
        "emergency": "999",
        "police_team": area.police_team,
    }

    response = admin_client.post(f"/admin/panel/area/{area.pk}/change/", data)

    assert response.status_code == 302
    event = AuditEvent.objects.get(object_type="panel.area", verb="updated")
    assert event.changes == {"front_door_phone": [area.front_door_phone, "0800 000 0002"]}


def test_roles_are_given_in_admin_and_audited(admin_client):
    user = UserFactory()
    area = staffordshire()
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
        "agency": user.agency_id,
        "role_assignments-TOTAL_FORMS": "1",
        "role_assignments-INITIAL_FORMS": "0",
        "role_assignments-0-role": "coordinator",
        "role_assignments-0-area": area.pk,
    }

    response = admin_client.post(f"/admin/panel/user/{user.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert user.role_assignments.get().area == area
    # Granted through panel.services: recorded on the role assignment, naming the person.
    event = AuditEvent.objects.get(object_type="panel.roleassignment", verb="created")
    assert event.changes["user"] == user.pk


def test_a_coordinator_is_not_let_into_admin(client):
    client.force_login(coordinator())

    assert client.get("/admin/").status_code == 302
    assert Area.objects.exists()


def test_delete_selected_leaves_one_audit_event_per_row(admin_client):
    """The changelist's "Delete selected" is audited as deleting one row is (it bypassed
    AuditedAdmin.delete_model, so bulk deletions of teams, agencies or users left no
    event)."""
    from panel.models import LocalSupportTeam
    from tests.factories import LocalSupportTeamFactory

    teams = LocalSupportTeamFactory.create_batch(2, area=staffordshire())
    before = AuditEvent.objects.count()

    response = admin_client.post(
        "/admin/panel/localsupportteam/",
        {"action": "delete_selected", "_selected_action": [t.pk for t in teams], "post": "yes"},
    )

    assert response.status_code == 302
    assert not LocalSupportTeam.objects.filter(pk__in=[t.pk for t in teams]).exists()
    events = AuditEvent.objects.order_by("pk")[before:]
    assert sorted(e.object_id for e in events) == sorted(str(t.pk) for t in teams)
    assert all(e.changes == {"deleted": True} for e in events)
