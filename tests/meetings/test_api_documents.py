"""GET /api/v1/meetings/{id}/pack/ (and .../minutes-pdf/): 202 while the reader's copy is
being made (queued on the first ask), then the stamped PDF; 404 outside the meeting."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from meetings.models import MeetingDocument
from panel.models import User
from tests.factories import UserFactory, agency_lead
from tests.meetings.docs_helpers import (
    approve_minutes,
    eager_fixture,  # noqa: F401 (the "eager" fixture)
    pack_world,
    pdf_text,
    squash,
    storage_fixture,  # noqa: F401 (the "storage" fixture)
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage", "eager")]


def client_for(user: User) -> APIClient:
    api = APIClient()
    api.force_authenticate(User.objects.get(pk=user.pk))
    return api


def test_the_pack_is_202_while_being_made_then_the_readers_pdf(
    django_capture_on_commit_callbacks,
):
    world = pack_world()
    api = client_for(world.lead)
    url = f"/api/v1/meetings/{world.meeting.pk}/pack/"

    with django_capture_on_commit_callbacks(execute=True):
        first = api.get(url)
    second = api.get(url)

    assert first.status_code == 202
    assert first.json() == {
        "status": "queued",
        "progress": 0,
        "status_url": f"http://testserver{url}",
    }
    assert first["Retry-After"] == "2"
    assert second.status_code == 200
    assert second["Content-Type"] == "application/pdf"
    assert second["Content-Disposition"] == (
        f'attachment; filename="{world.meeting.reference}-pack.pdf"'
    )
    text = pdf_text(second.content)
    assert world.theirs.case.reference in text
    assert world.other.case.reference not in text
    assert squash("Prepared for Lena Lead-Test") in text
    assert AuditEvent.objects.filter(verb="exported", actor=world.lead).count() == 1
    assert MeetingDocument.objects.count() == 1


def test_a_second_ask_while_it_is_being_made_queues_nothing_more():
    world = pack_world()
    api = client_for(world.lead)
    url = f"/api/v1/meetings/{world.meeting.pk}/pack/"

    assert api.get(url).status_code == 202
    assert api.get(url).status_code == 202
    assert (
        client_for(UserFactory(agency=world.agency, roles=["agency_lead"])).get(url).status_code
        == 202
    )
    assert MeetingDocument.objects.count() == 1


def test_a_meeting_outside_the_readers_scope_is_404():
    world = pack_world()
    stranger = agency_lead()

    for path in ("pack", "minutes-pdf"):
        response = client_for(stranger).get(f"/api/v1/meetings/{world.meeting.pk}/{path}/")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    assert response_for_missing(world) == 404
    assert not MeetingDocument.objects.exists()


def response_for_missing(world) -> int:
    return client_for(world.lead).get("/api/v1/meetings/999999/pack/").status_code


def test_minutes_pdf_is_409_until_approved_then_202_then_the_pdf(
    django_capture_on_commit_callbacks,
):
    world = pack_world()
    api = client_for(world.lead)
    url = f"/api/v1/meetings/{world.meeting.pk}/minutes-pdf/"

    refused = api.get(url)
    approve_minutes(world)
    with django_capture_on_commit_callbacks(execute=True):
        making = api.get(url)
    ready = api.get(url)

    assert refused.status_code == 409
    assert making.status_code == 202
    assert ready.status_code == 200
    assert ready["Content-Disposition"].endswith(f'"{world.meeting.reference}-minutes.pdf"')
    text = pdf_text(ready.content)
    assert squash("1 other case") in text
    assert world.other.case.reference not in text


def test_signed_out_is_refused():
    world = pack_world()

    assert APIClient().get(f"/api/v1/meetings/{world.meeting.pk}/pack/").status_code in (
        401,
        403,
    )
