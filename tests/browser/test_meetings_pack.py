"""The meeting pack, walked in Chromium: a coordinator asks for the pack, watches it being
made (the progress bar htmx refreshes), sees it ready once the real worker has rendered it,
and downloads their stamped copy. The page is checked with axe at desktop width and at
375 px, and must not scroll sideways there."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from meetings.models import DocumentStatus, MeetingDocument
from meetings.tasks import render_document
from tests.browser.pages import PHONE_WIDTH, axe_violations, scroll_width_at_phone_width, sign_in
from tests.factories import with_authenticator
from tests.meetings.docs_helpers import pack_world, pdf_text, squash

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check_pack_page(page: Page) -> None:
    """axe at desktop and phone widths, no sideways scroll, a back link. (The header's
    current item comes with the meetings list's navigation entry, another part of the
    issue: tests.browser.pages.check_page once merged.)"""
    page.wait_for_load_state("load")
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    problems = [f"axe: {line}" for line in axe_violations(page)]
    width, wide = scroll_width_at_phone_width(page)
    if width > PHONE_WIDTH:
        problems.append(f"scrolls sideways at {PHONE_WIDTH} px: {width} px wide; {wide}")
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    problems += [f"axe at {PHONE_WIDTH} px: {line}" for line in axe_violations(page)]
    page.set_viewport_size({"width": 1280, "height": 900})
    if not page.locator("a.govuk-back-link").count():
        problems.append("no back link")
    assert not problems, "\n".join(problems)


def test_a_coordinator_makes_the_pack_watches_it_being_made_and_downloads_it(
    page: Page, server, worker, tmp_path
):
    world = pack_world()
    with_authenticator(world.coordinator)
    sign_in(page, world.coordinator)

    page.goto(f"/meetings/{world.meeting.pk}/pack/")
    expect(page.locator("h1")).to_have_text("Meeting pack")
    expect(page.locator("#pack-status")).to_contain_text("You have no copy yet.")
    check_pack_page(page)

    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Make the meeting pack").click()
    expect(page.locator(".govuk-notification-banner, .govuk-body").first).to_be_visible()
    expect(page.locator("#pack-status")).to_contain_text("Your copy is being made")
    expect(page.locator("#pack-status progress")).to_have_attribute("max", "100")
    check_pack_page(page)

    # The real worker renders it (the server queued it on the broker's default queue,
    # which this run's worker does not listen to; the task claims the row, so the copy
    # left there does nothing when some worker reads it).
    document = MeetingDocument.objects.get(meeting=world.meeting)
    worker.run(render_document, document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY

    # htmx asks for the status every 2 seconds: the link appears without a reload.
    link = page.get_by_role("link", name=re.compile("Download the meeting pack"))
    expect(link).to_be_visible(timeout=10_000)
    check_pack_page(page)

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"{world.meeting.reference}-pack.pdf"
    saved = tmp_path / "pack.pdf"
    download.save_as(saved)
    text = pdf_text(saved.read_bytes())
    assert world.theirs.case.reference in text and world.other.case.reference in text
    assert squash("Prepared for Cora Coordinator-Test") in text
