"""The meeting pack and the approved minutes as PDF: each copy holds only the cases its
reader may see, carries their name on every page, is rendered once per set of cases,
audited when downloaded, and expires."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from audit.models import AuditEvent
from meetings import documents, tasks
from meetings.documents import render
from meetings.models import DocumentStatus, MeetingDocument, MeetingMember
from notifications.models import Notification
from panel.errors import Conflict
from tests.factories import UserFactory, auditor
from tests.meetings.docs_helpers import (
    approve_minutes,
    eager_fixture,  # noqa: F401 (the "eager" fixture)
    pack_world,
    pdf_pages,
    pdf_text,
    squash,
    storage_fixture,  # noqa: F401 (the "storage" fixture)
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage")]


@pytest.fixture
def made(eager, django_capture_on_commit_callbacks):
    """Ask for a document and let its render run (eagerly, once the request commits)."""

    def make(user, meeting, kind="pack", **kwargs) -> MeetingDocument:
        with django_capture_on_commit_callbacks(execute=True):
            document = documents.document_for(user, meeting, kind, **kwargs)
        document.refresh_from_db()
        return document

    return make


def test_an_agency_leads_pack_holds_their_case_and_no_reference_of_any_other(made):
    world = pack_world()

    document = made(world.lead, world.meeting)
    text = pdf_text(documents.stamped_pdf(document, world.lead))

    assert document.status == DocumentStatus.READY
    assert document.case_count == 1
    assert world.theirs.case.reference in text
    assert world.theirs.case.child.first_name in text
    assert squash("1 other case") in text
    assert world.other.case.reference not in text
    assert world.other.case.child.first_name not in text
    assert "OFFICIAL-SENSITIVE" in text
    assert squash("Confidentiality statement") in text


def test_the_coordinators_pack_holds_every_case(made):
    world = pack_world()

    text = pdf_text(
        documents.stamped_pdf(made(world.coordinator, world.meeting), world.coordinator)
    )

    assert world.theirs.case.reference in text
    assert world.other.case.reference in text
    assert squash("1 other case") not in text


def test_every_page_carries_the_readers_name_the_time_and_the_marking(made):
    world = pack_world(cases_of_theirs=2)
    document = made(world.lead, world.meeting)
    when = dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.UTC)  # 10:30 in London (BST)

    pages = pdf_pages(documents.stamped_pdf(document, world.lead, now=when))

    assert len(pages) >= 4  # cover, agenda, two cases, outstanding actions
    for page in pages:
        flat = squash(page)
        assert squash("Prepared for Lena Lead-Test, 1 July 2026 10:30") in flat
        assert "OFFICIAL-SENSITIVE" in flat


def test_readers_with_the_same_cases_share_one_render_and_others_get_their_own(made, monkeypatch):
    world = pack_world()
    colleague = UserFactory(agency=world.agency, roles=["agency_lead"])
    renders = []
    real = render.build_pdf
    monkeypatch.setattr(render, "build_pdf", lambda *a: renders.append(a[0].pk) or real(*a))

    first = made(world.lead, world.meeting)
    second = made(colleague, world.meeting)
    coordinators = made(world.coordinator, world.meeting)

    assert first.pk == second.pk
    assert coordinators.pk != first.pk
    assert coordinators.scope_key != first.scope_key
    assert renders == [first.pk, coordinators.pk]
    # Each reader's copy is stamped for them from the one render.
    assert squash("Prepared for Test") in pdf_text(documents.stamped_pdf(second, colleague))


def test_a_redelivered_render_task_renders_nothing_twice(made, monkeypatch):
    world = pack_world()
    document = made(world.lead, world.meeting)
    monkeypatch.setattr(render, "build_pdf", lambda *a: pytest.fail("rendered twice"))

    assert tasks.render_document.apply(args=[document.pk]).get()["result"] == "skipped"


def test_the_requester_is_told_when_the_pack_is_ready_without_any_case_detail(made):
    world = pack_world()

    document = made(world.lead, world.meeting)

    notice = Notification.objects.get(recipient=world.lead, kind="pack_ready")
    assert notice.link == f"/meetings/{world.meeting.pk}/pack/"
    assert notice.case_reference == ""
    assert notice.key == f"pack_ready:{world.lead.pk}:pack:{document.pk}"


def test_asking_is_recorded_and_each_download_is_recorded_as_exported(made):
    world = pack_world()
    document = made(world.lead, world.meeting)

    documents.download(document, world.lead)
    documents.download(document, world.lead)

    created = AuditEvent.objects.get(verb="created", object_type="meetings.meetingdocument")
    assert created.changes == {"kind": "pack", "case_count": 1}
    exported = AuditEvent.objects.filter(verb="exported", object_id=str(document.pk))
    assert exported.count() == 2
    for event in exported:
        assert event.actor == world.lead
        assert event.changes == {"kind": "pack", "case_count": 1}
        assert "Lena" not in str(event.changes)


def test_an_expired_pack_loses_its_file_and_can_be_made_again(
    made, django_capture_on_commit_callbacks
):
    world = pack_world()
    document = made(world.lead, world.meeting)
    name = document.file_name
    assert default_storage.exists(name)
    MeetingDocument.objects.filter(pk=document.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.expire_documents.apply().get() == {"expired": 1}

    document.refresh_from_db()
    assert document.status == DocumentStatus.EXPIRED
    assert document.file_name == ""
    assert not default_storage.exists(name)
    with pytest.raises(documents.DocumentNotReady):
        documents.stamped_pdf(document, world.lead)
    again = made(world.lead, world.meeting)
    assert again.pk != document.pk
    assert again.status == DocumentStatus.READY


def test_a_pack_expires_the_configured_days_after_the_meeting(made, settings):
    settings.MEETING_PACK_EXPIRY_DAYS = 30
    world = pack_world()

    document = made(world.lead, world.meeting)

    local = document.expires_at.astimezone(render.LONDON)
    assert local.date() == world.meeting.date + dt.timedelta(days=31)
    assert local.time() == dt.time.min


def test_the_url_fetcher_refuses_anything_but_local_static_files(tmp_path):
    for url in [
        "http://example.com/tracker.png",
        "https://example.com/font.woff2",
        "ftp://example.com/x.css",
        "data:text/css,body{}",
        (tmp_path / "elsewhere.css").as_uri(),
        "file:///etc/passwd",
    ]:
        with pytest.raises(render.FetchRefused):
            render.local_files_only(url)
    stylesheet = render.base_url() + "css/pdf.css"
    assert b"OFFICIAL-SENSITIVE" in render.local_files_only(stylesheet)["string"]


def test_a_render_never_fetches_from_the_network(made, monkeypatch):
    """A remote image in the HTML is refused by the fetcher, and no socket is opened."""
    import socket
    import urllib.request

    def no_network(*args, **kwargs):
        pytest.fail("the render tried the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    asked = []
    real = render.local_files_only

    def spy(url, *args, **kwargs):
        asked.append(url)
        return real(url, *args, **kwargs)

    monkeypatch.setattr(render, "local_files_only", spy)
    pdf = render.html_to_pdf(
        '<html><head><link rel="stylesheet" href="css/pdf.css"></head>'
        '<body><p>Fictional</p><img src="http://example.com/x.png" alt="">'
        '<img src="https://example.com/y.png" alt=""></body></html>'
    )

    assert pdf.startswith(b"%PDF")
    assert "http://example.com/x.png" in asked
    assert any(url.endswith("css/pdf.css") for url in asked)


def test_a_failed_render_is_marked_failed_and_leaves_nothing_behind(made, monkeypatch, storage):
    world = pack_world()

    def broken(document, progress):
        progress(40)
        raise ValueError("Fictional failure naming Testchild-0001")

    monkeypatch.setattr(render, "build_pdf", broken)
    with pytest.raises(ValueError):
        made(world.lead, world.meeting)

    document = MeetingDocument.objects.get(meeting=world.meeting)
    assert document.status == DocumentStatus.FAILED
    assert document.file_name == ""
    assert document.ready_at is None
    assert "Testchild" not in document.error and "ValueError" in document.error
    assert not Notification.objects.filter(kind="pack_ready").exists()
    assert not any(storage.rglob("*.pdf")) if storage.exists() else True
    # Asking again makes a new one (a failed copy does not block its scope).
    monkeypatch.undo()
    storage_again = made(world.lead, world.meeting)
    assert storage_again.status == DocumentStatus.READY


def test_a_transient_failure_after_saving_removes_the_file_requeues_then_fails(
    monkeypatch, storage
):
    world = pack_world()
    document = documents.document_for(world.lead, world.meeting)  # queued, not yet run

    attempts = []

    def notify_fails(**kwargs):
        # Each retry claims the row again (queued -> running): it went back to the queue.
        attempts.append(document.pk)
        assert len(list(storage.rglob("*.pdf"))) == 1  # saved, then removed below
        raise OSError("Fictional storage outage")

    monkeypatch.setattr(render, "notify", notify_fails)
    # Eagerly, Celery runs the retries there and then; on a worker they come with backoff.
    result = tasks.render_document.apply(args=[document.pk])

    document.refresh_from_db()
    assert result.state == "FAILURE"
    assert len(attempts) == tasks.MAX_RETRIES + 1
    assert document.status == DocumentStatus.FAILED
    assert document.file_name == "" and document.ready_at is None
    assert not list(storage.rglob("*.pdf"))


def test_minutes_pdf_only_once_approved_and_scoped_like_the_pack(made):
    world = pack_world()
    with pytest.raises(Conflict):
        documents.document_for(world.lead, world.meeting, "minutes")

    approve_minutes(world)
    document = made(world.lead, world.meeting, "minutes")
    text = pdf_text(documents.stamped_pdf(document, world.lead))

    assert document.kind == "minutes" and document.case_count == 1
    assert squash("Members present as listed.") in text
    assert squash(f"Fictional minute for {world.theirs.case.reference}.") in text
    assert world.other.case.reference not in text
    assert squash("1 other case") in text
    assert squash("Prepared for Lena Lead-Test") in text


def test_an_addendum_after_approval_makes_minutes_render_afresh(made):
    from meetings.models import MinutesAddendum

    world = pack_world()
    minutes = approve_minutes(world)
    first = made(world.lead, world.meeting, "minutes")
    MinutesAddendum.objects.create(
        minutes=minutes, text="Fictional correction.", by=world.coordinator, at=timezone.now()
    )

    second = made(world.lead, world.meeting, "minutes")

    assert second.pk != first.pk
    assert squash("Fictional correction.") in pdf_text(documents.stamped_pdf(second, world.lead))


def test_chairs_and_auditors_get_every_case(made):
    world = pack_world()
    chair = UserFactory(roles=["agency_lead"])
    world.meeting.police_chair = chair
    world.meeting.save()
    reader = auditor()

    assert documents.readable_case_ids(chair, world.meeting) == sorted(
        [world.theirs.case_id, world.other.case_id]
    )
    assert documents.readable_case_ids(reader, world.meeting) == sorted(
        [world.theirs.case_id, world.other.case_id]
    )


def test_a_representative_without_access_to_any_case_gets_only_other_cases(made):
    world = pack_world()
    member = MeetingMember.objects.create(
        meeting=world.meeting, agency=world.agency, representative=UserFactory(agency=world.agency)
    )

    document = made(member.representative, world.meeting)
    text = pdf_text(documents.stamped_pdf(document, member.representative))

    assert document.case_count == 0
    assert world.theirs.case.reference not in text
    assert world.other.case.reference not in text
    assert text.count(squash("1 other case")) == 2


def test_a_fresh_copy_retires_the_ready_one(made, django_capture_on_commit_callbacks):
    world = pack_world()
    first = made(world.lead, world.meeting)

    second = made(world.lead, world.meeting, fresh=True)

    first.refresh_from_db()
    assert first.status == DocumentStatus.EXPIRED
    assert second.status == DocumentStatus.READY and second.pk != first.pk
    retired = AuditEvent.objects.get(
        verb="updated", object_type="meetings.meetingdocument", object_id=str(first.pk)
    )
    assert retired.changes == {"status": ["ready", "expired"]}


def test_a_copy_stalled_by_a_dead_worker_is_replaced_when_asked_again(made):
    world = pack_world()
    stuck = documents.document_for(world.lead, world.meeting)  # never rendered
    MeetingDocument.objects.filter(pk=stuck.pk).update(
        status=DocumentStatus.RUNNING, started_at=timezone.now() - dt.timedelta(minutes=11)
    )

    again = made(world.lead, world.meeting)

    stuck.refresh_from_db()
    assert stuck.status == DocumentStatus.FAILED
    assert stuck.error == documents.STALLED_MESSAGE
    assert again.pk != stuck.pk and again.status == DocumentStatus.READY


def test_fifteen_members_from_three_agencies_mean_three_renders(made, monkeypatch):
    from meetings.models import MeetingMember
    from tests.factories import AgencyFactory, AgendaItemFactory, agency_lead, make_case

    world = pack_world()
    agencies = [AgencyFactory() for _ in range(3)]
    for agency in agencies:
        AgendaItemFactory(
            meeting=world.meeting,
            case=make_case(agencies=[agency], coordinator_user=world.coordinator),
        )
        MeetingMember.objects.create(meeting=world.meeting, agency=agency)
    readers = [agency_lead(agency) for agency in agencies for _ in range(5)]
    renders = []
    real = render.build_pdf
    monkeypatch.setattr(render, "build_pdf", lambda *a: renders.append(a[0].pk) or real(*a))

    copies = {made(reader, world.meeting).pk for reader in readers}

    assert len(readers) == 15
    assert len(copies) == 3
    assert sorted(renders) == sorted(copies)
