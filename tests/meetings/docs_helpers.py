"""Helpers for the meeting pack and minutes PDF tests: an eager Celery, storage in the
test's own folder, a meeting with a case an agency lead may see and one they may not, and
reading a PDF's text back."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from django.utils import timezone

from meetings.models import (
    AgendaItem,
    Meeting,
    MeetingMember,
    Minutes,
    MinutesSection,
    MinutesStatus,
)
from panel.models import Agency, User
from tests.factories import (
    AgencyFactory,
    AgendaItemFactory,
    MeetingFactory,
    agency_lead,
    coordinator,
    make_case,
    staffordshire,
)


@pytest.fixture(name="eager")
def eager_fixture():
    """Tasks queued on commit run at once, in this process, raising what they raise."""
    from panel.celery import app

    # The app reads Django's settings with the CELERY_ namespace: those keys win.
    keys = ("CELERY_TASK_ALWAYS_EAGER", "CELERY_TASK_EAGER_PROPAGATES")
    before = {key: app.conf.get(key) for key in keys}
    app.conf.update(dict.fromkeys(keys, True))
    assert app.conf.task_always_eager
    yield
    app.conf.update(before)


@pytest.fixture(name="storage")
def storage_fixture(settings, tmp_path):
    """Generated files go to the test's own folder (Django's default storage follows
    MEDIA_ROOT)."""
    settings.MEDIA_ROOT = str(tmp_path / "files")
    return tmp_path / "files"


def pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def squash(text: str) -> str:
    """Text without whitespace: extracted PDF text has spaces where glyphs are kerned
    ("Lead-T est") and line breaks where words wrap, so compare without any."""
    return "".join(text.split())


def pdf_text(data: bytes) -> str:
    """The PDF's text, squashed: check phrases with ``squash(phrase) in text``."""
    return squash("".join(pdf_pages(data)))


@dataclass
class PackWorld:
    meeting: Meeting
    coordinator: User
    agency: Agency
    lead: User
    theirs: AgendaItem
    other: AgendaItem


def pack_world(*, cases_of_theirs: int = 1) -> PackWorld:
    """A meeting with an agency lead on it: their agency is involved in one case on the
    agenda (or more) and not in the other."""
    area = staffordshire()
    boss = coordinator(area, first_name="Cora", last_name="Coordinator-Test")
    agency = AgencyFactory(name="Test Police Agency")
    lead = agency_lead(agency, first_name="Lena", last_name="Lead-Test")
    meeting = MeetingFactory(area=area, created_by=boss)
    MeetingMember.objects.create(meeting=meeting, agency=agency, representative=lead)
    items = [
        AgendaItemFactory(
            meeting=meeting, case=make_case(area=area, agencies=[agency], coordinator_user=boss)
        )
        for _ in range(cases_of_theirs)
    ]
    other = AgendaItemFactory(
        meeting=meeting, case=make_case(area=area, coordinator_user=boss), reason="review_due"
    )
    return PackWorld(meeting, boss, agency, lead, items[0], other)


def approve_minutes(world: PackWorld) -> Minutes:
    """Minutes with a section per case and one on attendance, approved (as the minutes part
    would leave them)."""
    minutes = Minutes.objects.create(
        meeting=world.meeting,
        status=MinutesStatus.APPROVED,
        approved_at=timezone.now(),
        approved_by=world.coordinator,
    )
    MinutesSection.objects.create(
        minutes=minutes, order=1, heading="Attendance", text="Members present as listed."
    )
    for order, item in enumerate([world.theirs, world.other], start=2):
        MinutesSection.objects.create(
            minutes=minutes,
            item=item,
            order=order,
            heading=f"{item.case.reference}: decision",
            text=f"Fictional minute for {item.case.reference}.",
        )
    return minutes
