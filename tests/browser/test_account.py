"""Your account, walked in Chromium (issue 9 points 1, 5, 6): the overview, a password
change refused by the rules and then made, and an API token made, its key seen once and
used, then revoked. Every page is checked by tests.browser.pages.check_page (axe, 375 px,
navigation, back link)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from playwright.sync_api import Page, expect

from panel.models import ApiToken
from tests.browser.pages import check_page, sign_in
from tests.browser.test_journeys import follow, go, nav
from tests.factories import PASSWORD, coordinator, with_authenticator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "velvet-otter-harbour-7"


def api_status(server: str, key: str) -> int:
    """GET /api/v1/me/ with only the token: no browser cookies."""
    request = urllib.request.Request(  # noqa: S310 - the test's own local server
        f"{server}/api/v1/me/", headers={"Authorization": f"Token {key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert json.load(response)["username"]
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_person_changes_their_password_and_makes_uses_and_revokes_an_api_token(
    page: Page, server
):
    user = coordinator(first_name="Kilo", last_name="Coordinator-Test")
    with_authenticator(user)  # coordinators must sign in with two factors
    sign_in(page, user)
    nav(page, "Your account")
    expect(page.locator("h1")).to_have_text("Your account")
    expect(page.locator("main")).to_contain_text("Kilo Coordinator-Test")
    expect(page.locator("main")).to_contain_text("Panel coordinator, Staffordshire")

    # A password of one repeated character is refused, with the rules on the page.
    follow(page, "Change your password")
    expect(page.locator("main")).to_contain_text("more than 3 times in a row")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("aaaaaaaaaaaa")
    page.get_by_label("Confirm new password").fill("aaaaaaaaaaaa")
    go(page, page.get_by_role("button", name="Change password"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("repeats the same character")

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    go(page, page.get_by_role("button", name="Change password"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Your password has been changed"
    )
    user.refresh_from_db()
    # (the server hashes with Argon2; this process only knows the tests' fast hasher)
    assert Argon2PasswordHasher().verify(NEW_PASSWORD, user.password)

    # An API token: a name is needed; then its key is shown once.
    follow(page, "Manage your API tokens")
    expect(page.locator("main")).to_contain_text("You have no API tokens")
    follow(page, "Create an API token")
    expect(page.get_by_label("Expires after (days)")).to_have_value("90")
    go(page, page.get_by_role("button", name="Create token"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name for the token")
    page.get_by_label("Name").fill("Fictional export job")
    page.get_by_label("Expires after (days)").fill("30")
    go(page, page.get_by_role("button", name="Create token"))
    expect(page.locator("h1")).to_have_text("API token created")
    key = page.locator("#api-token-key").inner_text().strip()
    assert key.startswith("sp_")
    assert api_status(server, key) == 200

    follow(page, "Back to your API tokens")
    token = ApiToken.objects.get(user=user)
    row = page.locator("tr", has_text="Fictional export job")
    expect(row).to_contain_text(token.token_key)
    assert key not in page.content()

    go(page, row.get_by_role("link", name="Revoke"))
    expect(page.locator("h1")).to_contain_text("Fictional export job")
    go(page, page.get_by_role("button", name="Revoke token"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has been revoked")
    expect(page.locator("main")).to_contain_text("You have no API tokens")
    assert api_status(server, key) == 401
    check_page(page)
