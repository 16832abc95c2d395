"""Steps the intelligence browser tests share."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.pages import check_page_both_widths


def go(page: Page, target) -> None:
    """Click ``target``, wait for the page it opens and check it at both widths."""
    with page.expect_navigation(wait_until="load"):
        target.click()
    check_page_both_widths(page)


def grade(page: Page) -> None:
    """Grade the item on the form B2P (untested source, known personally, may be shared)."""
    page.get_by_label("B: untested", exact=True).check()
    page.get_by_label("2: known personally to the source, not to the officer").check()
    page.get_by_label("P: lawful sharing permitted", exact=True).check()
