"""Two-factor sign-in in the browser (issue 9 point 3): a coordinator who has never set it
up is taken from the password to the set-up, reads the key off the page into "their app"
(the code computed from it here), keeps their recovery codes, signs out, signs in with a
code (a wrong one first), and once more with a recovery code. Every page is checked."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.browser.pages import check_page, code_for_key
from tests.browser.world import make_world
from tests.factories import PASSWORD, coordinator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def click(page: Page, name: str, role: str = "button") -> None:
    with page.expect_navigation(wait_until="load"):
        page.get_by_role(role, name=name, exact=True).click()
    check_page(page)


def password_step(page: Page, username: str) -> None:
    page.goto("/sign-in/")
    check_page(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    click(page, "Sign in")


def sign_out(page: Page) -> None:
    click(page, "Sign out")
    assert urlsplit(page.url).path == "/sign-in/"


def test_a_coordinator_sets_up_two_factor_and_signs_in_with_a_code_and_a_recovery_code(
    page: Page,
):
    world = make_world()
    user = coordinator(world.area, first_name="Tess", last_name="Twofactor-Test")
    user.password = make_password(PASSWORD, hasher=Argon2PasswordHasher())
    user.save(update_fields=["password"])
    page.set_default_timeout(10_000)

    # The password alone leads to the set-up, with nothing else reachable.
    password_step(page, user.username)
    assert urlsplit(page.url).path == "/account/two-factor/set-up/"
    expect(page.get_by_role("img", name="QR code holding your secret key")).to_be_visible()
    page.goto("/cases/")
    assert urlsplit(page.url).path == "/sign-in/"
    page.goto("/account/two-factor/set-up/")
    check_page(page)
    key = base64.b32decode(page.locator("#mfa-secret-key").inner_text().replace(" ", ""))

    # A wrong code first: the GOV.UK error summary, checked too.
    page.get_by_label("Code", exact=True).fill(
        "000000" if code_for_key(key) != "000000" else "111111"
    )
    click(page, "Turn on two-factor authentication")
    expect(page.locator(".govuk-error-summary")).to_contain_text("The code is not right")
    # django-otp's throttle holds the next try back for a second after a wrong code.
    page.wait_for_timeout(2_100)

    page.get_by_label("Code", exact=True).fill(code_for_key(key))
    click(page, "Turn on two-factor authentication")
    assert urlsplit(page.url).path == "/account/two-factor/recovery-codes/"
    codes = page.locator("#mfa-recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    click(page, "I have kept my codes, continue", role="link")
    assert urlsplit(page.url).path == "/"

    page.goto("/account/two-factor/")
    check_page(page)
    expect(page.locator("#mfa-status")).to_contain_text("On")
    expect(page.locator("#mfa-codes-left")).to_have_text("10")
    sign_out(page)

    # Next time: the password, then the code.
    password_step(page, user.username)
    assert urlsplit(page.url).path == "/sign-in/code/"
    page.get_by_label("Code", exact=True).fill(
        "000000" if code_for_key(key) != "000000" else "111111"
    )
    click(page, "Continue")
    expect(page.locator(".govuk-error-summary")).to_contain_text("The code is not right")
    # django-otp's throttle holds the next try back for a second after a wrong code.
    page.wait_for_timeout(2_100)
    device = TOTPDevice.objects.get(user=user)
    page.get_by_label("Code", exact=True).fill(
        code_for_key(key, after_step=device.last_t, drift=device.drift)
    )
    click(page, "Continue")
    assert urlsplit(page.url).path == "/"
    sign_out(page)

    # Without the phone: a recovery code, once.
    password_step(page, user.username)
    page.get_by_label("Code", exact=True).fill(codes[0])
    click(page, "Continue")
    assert urlsplit(page.url).path == "/"
    page.goto("/account/two-factor/")
    check_page(page)
    expect(page.locator("#mfa-codes-left")).to_have_text("9")
