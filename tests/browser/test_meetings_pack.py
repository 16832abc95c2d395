"""The meeting pack, walked in Chromium: a coordinator asks for the pack, watches it being
made (the progress bar htmx refreshes), sees it ready once the real worker has rendered it,
and downloads their stamped copy. The page is checked by
tests.browser.pages.check_page_both_widths (axe at desktop width and at 375 px, no
sideways scroll at 375 px, one current navigation item, a back link)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from meetings.models import DocumentStatus, MeetingDocument
from meetings.tasks import render_document
from tests.browser.pages import check_page_both_widths, sign_in
from tests.factories import with_authenticator
from tests.meetings.docs_helpers import pack_world, pdf_text, squash

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_makes_the_pack_watches_it_being_made_and_downloads_it(
    page: Page, server, worker, tmp_path
):
    world = pack_world()
    with_authenticator(world.coordinator)
    sign_in(page, world.coordinator)

    page.goto(f"/meetings/{world.meeting.pk}/pack/")
    expect(page.locator("h1")).to_have_text("Meeting pack")
    expect(page.locator("#pack-status")).to_contain_text("You have no copy yet.")
    check_page_both_widths(page)

    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Make the meeting pack").click()
    expect(page.locator(".govuk-notification-banner, .govuk-body").first).to_be_visible()
    expect(page.locator("#pack-status")).to_contain_text("Your copy is being made")
    expect(page.locator("#pack-status progress")).to_have_attribute("max", "100")
    check_page_both_widths(page)

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
    check_page_both_widths(page)

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"{world.meeting.reference}-pack.pdf"
    saved = tmp_path / "pack.pdf"
    download.save_as(saved)
    text = pdf_text(saved.read_bytes())
    assert world.theirs.case.reference in text and world.other.case.reference in text
    assert squash("Prepared for Cora Coordinator-Test") in text
