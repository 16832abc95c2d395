"""The meeting pack page: the reader's copy of the pack and of the approved minutes, made
on request, a progress bar htmx refreshes from the status fragment, the stamped download;
404 for anyone who may not see the meeting; constant queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from meetings.models import AgendaItem, DocumentStatus, MeetingDocument
from tests.factories import AgendaItemFactory, agency_lead, make_case
from tests.meetings.docs_helpers import (
    approve_minutes,
    eager_fixture,  # noqa: F401 (the "eager" fixture)
    pack_world,
    pdf_text,
    squash,
    storage_fixture,  # noqa: F401 (the "storage" fixture)
)
from tests.queries import audit_event_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage")]


def url(name: str, world) -> str:
    return reverse(f"meetings:{name}", args=[world.meeting.pk])


def test_the_page_offers_to_make_the_pack_and_the_minutes_once_approved(client):
    world = pack_world()
    client.force_login(world.lead)

    page = client.get(url("pack", world)).content.decode()

    assert "You have no copy yet." in page
    assert "Make the meeting pack" in page
    assert "The minutes can be downloaded here once they are approved." in page
    assert 'aria-current="page">Meeting pack</a>' in page
    approve_minutes(world)
    assert "Make the approved minutes (PDF)" in client.get(url("pack", world)).content.decode()


def test_making_the_pack_shows_a_progress_bar_that_htmx_polls_in_the_background(client):
    world = pack_world()
    client.force_login(world.lead)

    response = client.post(url("pack", world), follow=True)
    page = response.content.decode()

    assert response.redirect_chain[-1][0] == url("pack", world)
    assert "is being made" in page
    # Said once, by the status region that updates itself: no banner left behind when ready.
    assert page.count("is being made") == 1
    assert '<progress class="app-progress" max="100" value="0"' in page
    assert f'hx-get="{url("pack-status", world)}"' in page
    assert 'hx-trigger="every 2s"' in page
    assert """hx-headers='{"X-Background": "1"}'""" in page
    # Without JavaScript, a link to look again.
    assert "Check again" in page
    assert MeetingDocument.objects.get().status == DocumentStatus.QUEUED


def test_the_status_fragment_says_ready_with_the_download_link_and_stops_polling(
    client, eager, django_capture_on_commit_callbacks
):
    world = pack_world()
    client.force_login(world.lead)
    client.post(url("pack", world))
    document = MeetingDocument.objects.get()
    fragment = client.get(url("pack-status", world), HTTP_X_BACKGROUND="1").content.decode()
    assert "being made: 0% done" in fragment and "hx-get" in fragment

    from meetings.tasks import render_document

    render_document.apply(args=[document.pk])
    fragment = client.get(url("pack-status", world), HTTP_X_BACKGROUND="1").content.decode()

    assert "<html" not in fragment
    assert "Your copy is ready" in fragment
    assert f'href="{url("pack-download", world)}"' in fragment
    assert "hx-get" not in fragment


def test_the_download_is_the_readers_stamped_copy_and_is_audited(
    client, eager, django_capture_on_commit_callbacks
):
    world = pack_world()
    client.force_login(world.lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("pack", world))

    response = client.get(url("pack-download", world))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{world.meeting.reference}-pack.pdf"'
    )
    text = pdf_text(response.content)
    assert world.theirs.case.reference in text
    assert world.other.case.reference not in text
    assert squash("Prepared for Lena Lead-Test") in text
    event = AuditEvent.objects.get(verb="exported")
    assert event.object_type == "meetings.meetingdocument"
    assert event.changes == {"kind": "pack", "case_count": 1}


def test_a_download_before_it_is_ready_goes_back_to_the_page(client):
    world = pack_world()
    client.force_login(world.lead)

    response = client.get(url("pack-download", world), follow=True)

    assert response.redirect_chain[-1][0] == url("pack", world)
    assert "is not ready yet" in response.content.decode()
    assert not AuditEvent.objects.filter(verb="exported").exists()


def test_the_minutes_pdf_is_made_and_downloaded_once_approved(
    client, eager, django_capture_on_commit_callbacks
):
    world = pack_world()
    client.force_login(world.lead)
    refused = client.post(url("minutes-pdf", world), follow=True).content.decode()
    assert "once they are approved" in refused
    early = client.get(url("minutes-pdf-download", world))
    assert early.status_code == 302 and early["Location"] == url("pack", world)

    approve_minutes(world)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("minutes-pdf", world))
    response = client.get(url("minutes-pdf-download", world))

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'"{world.meeting.reference}-minutes.pdf"')
    assert squash("1 other case") in pdf_text(response.content)


@pytest.mark.parametrize(
    "name", ["pack", "pack-status", "pack-download", "minutes-pdf-status", "minutes-pdf-download"]
)
def test_someone_who_may_not_see_the_meeting_gets_404(client, name):
    world = pack_world()
    client.force_login(agency_lead())

    assert client.get(url(name, world)).status_code == 404
    for name in ("pack", "minutes-pdf"):
        assert client.post(url(name, world)).status_code == 404
    assert not MeetingDocument.objects.exists()
    assert AuditEvent.objects.filter(verb="denied", object_type="meetings.meeting").exists()


def _page_queries(client, world, django_assert_num_queries, expected: int) -> None:
    client.force_login(world.coordinator)
    with django_assert_num_queries(expected):
        assert client.get(url("pack", world)).status_code == 200


# session, user, roles, meeting (+ area); for the pack: its readable cases, the latest
# copy for them (with the disruption section's records: intelligence/pack.py); for the
# minutes: approved? (not yet here); the unread notifications badge.
PAGE_QUERIES = 9


@pytest.mark.parametrize("extra_cases", [0, 5])
def test_the_page_takes_the_same_queries_however_many_cases(
    client, django_assert_num_queries, extra_cases
):
    world = pack_world()
    for _ in range(extra_cases):
        AgendaItemFactory(meeting=world.meeting, case=make_case(coordinator_user=world.coordinator))
    assert AgendaItem.objects.count() == 2 + extra_cases

    _page_queries(client, world, django_assert_num_queries, PAGE_QUERIES)


@pytest.mark.parametrize("extra_cases", [0, 5])
def test_the_status_fragment_takes_the_same_queries_however_many_cases(
    client, django_assert_num_queries, extra_cases
):
    world = pack_world()
    for _ in range(extra_cases):
        AgendaItemFactory(meeting=world.meeting, case=make_case(coordinator_user=world.coordinator))
    client.force_login(world.coordinator)

    # The page's, less the minutes' question: one kind only.
    with django_assert_num_queries(PAGE_QUERIES - 1):
        client.get(url("pack-status", world), HTTP_X_BACKGROUND="1")


def test_the_download_takes_the_same_queries_however_many_cases(
    client, eager, django_capture_on_commit_callbacks, django_assert_num_queries
):
    world = pack_world()
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("pack", world))

    # session, user, roles, meeting, readable cases, the disruption section's records, the
    # copy; the exported event (the actor's agency came with the user).
    with django_assert_num_queries(7 + audit_event_queries(agency=False)):
        assert client.get(url("pack-download", world)).status_code == 200
