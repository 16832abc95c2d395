"""Sign-in lockout walked in Chromium: five wrong passwords lock the username out at this
address, and the sign-in page says to wait, even for the right password. Checked by
tests.browser.pages.check_page (axe, 375 px)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import check_page
from tests.factories import PASSWORD, coordinator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def attempt(page: Page, username: str, password: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def test_five_wrong_passwords_lock_the_sign_in_with_a_message_to_wait(page: Page, server):
    user = coordinator()
    page.set_default_timeout(10_000)
    page.goto("/sign-in/")

    for _ in range(4):
        attempt(page, user.username, "not-the-password")
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Enter a correct username and password"
        )
    attempt(page, user.username, "not-the-password")
    attempt(page, user.username, PASSWORD)

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There have been too many attempts to sign in")
    expect(summary).to_contain_text("Wait 30 minutes")
    expect(page.get_by_label("Username")).to_have_value(user.username)
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    check_page(page)
    assert "/sign-in/" in page.url
