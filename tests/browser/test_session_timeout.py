"""The session timeout warning (issue 9, point 5) and the Content-Security-Policy (point 14)
in Chromium.

The timeout tests run against a server of their own, started with a 30-second idle limit
and a 20-second warning (SESSION_IDLE_TIMEOUT and SESSION_TIMEOUT_WARNING in its
environment), so the warning opens about ten seconds after a page loads. Every other
browser test keeps the default half hour.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import start_server, watch_csp
from tests.browser.pages import DESKTOP, axe_violations, check_page, sign_in
from tests.browser.world import make_world
from tests.factories import UserFactory, referrer, with_authenticator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IDLE = 30
WARNING = 20


@pytest.fixture(scope="module")
def short_server(app_env, tmp_path_factory) -> str:
    env = {
        **app_env,
        "SESSION_IDLE_TIMEOUT": str(IDLE),
        "SESSION_TIMEOUT_WARNING": str(WARNING),
    }
    proc, base = start_server(env, tmp_path_factory.mktemp("browser-short-sessions"))
    yield base
    proc.stop()


@pytest.fixture
def short_page(browser: Browser, short_server):
    context = browser.new_context(base_url=short_server, viewport=DESKTOP, reduced_motion="reduce")
    page = context.new_page()
    refused = watch_csp(page)
    yield page
    context.close()
    assert not refused, "Content-Security-Policy violations:\n  " + "\n  ".join(refused)


def focus_is_in_the_dialog(page: Page) -> bool:
    return page.evaluate(
        "() => document.getElementById('session-timeout').contains(document.activeElement)"
    )


def test_stay_signed_in_keeps_what_was_typed_and_extends_the_session(short_page: Page):
    page = short_page
    world = make_world()  # the referral form needs the risk tool
    sign_in(page, world.referrer)
    page.goto("/referrals/new/")
    loaded = time.monotonic()
    concerns = page.get_by_label("What are your concerns?")
    concerns.fill("Typed before the warning: seen with older males near the station.")

    dialog = page.get_by_role("dialog", name="You will be signed out soon")
    expect(dialog).to_be_visible(timeout=(IDLE - WARNING + 5) * 1000)
    expect(dialog).to_contain_text("We will sign you out in")
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_visible()
    expect(dialog.get_by_role("button", name="Sign out")).to_be_visible()
    # "Continue" is for the 8-hour maximum, which no button can extend.
    expect(dialog.get_by_role("button", name="Continue")).to_be_hidden()
    assert dialog.get_attribute("aria-modal") == "true"
    assert focus_is_in_the_dialog(page)
    # The page behind is inert: Tab goes round the dialog's own controls.
    for _ in range(4):
        page.keyboard.press("Tab")
        assert focus_is_in_the_dialog(page)
    assert axe_violations(page) == []

    with page.expect_response("**/session/keep-alive/") as answer:
        dialog.get_by_role("button", name="Stay signed in").click()
    assert answer.value.status == 200
    expect(dialog).to_be_hidden()
    assert concerns.input_value().startswith("Typed before the warning")
    assert page.url.endswith("/referrals/new/")

    # Past the first deadline the session is still there: the keep-alive moved it.
    time.sleep(max(0, loaded + IDLE + 2 - time.monotonic()))
    expect(dialog).to_be_visible(timeout=15_000)  # the next warning, on the new clock
    # Escape is "Stay signed in" too.
    with page.expect_response("**/session/keep-alive/") as answer:
        page.keyboard.press("Escape")
    assert answer.value.status == 200
    expect(dialog).to_be_hidden()
    assert concerns.input_value().startswith("Typed before the warning")
    home = page.request.get("/", max_redirects=0)
    assert home.status == 200


def test_when_the_time_runs_out_the_browser_goes_to_sign_in(short_page: Page):
    page = short_page
    sign_in(page, referrer())

    dialog = page.get_by_role("dialog", name="You will be signed out soon")
    expect(dialog).to_be_visible(timeout=(IDLE - WARNING + 5) * 1000)
    page.wait_for_url("**/sign-in/**", timeout=(WARNING + 10) * 1000)

    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "You were signed out after 30 seconds of inactivity"
    )
    check_page(page)
    assert page.request.get("/", max_redirects=0).status == 302


def test_the_admin_and_the_api_docs_work_under_the_policy(page: Page):
    """Not GOV.UK pages (no axe walk): what matters is that they run with nothing
    refused. The ``page`` fixture fails the test on any CSP violation."""
    staff = UserFactory(is_staff=True, is_superuser=True)
    with_authenticator(staff)  # staff must sign in with two factors
    sign_in(page, staff)

    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Reference data and people")).to_be_visible()
    page.goto("/admin/panel/user/")
    expect(page.locator("#result_list")).to_be_visible()

    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Safeguard Panel API")
    expect(page.locator(".opblock").first).to_be_visible()


def test_the_csp_witness_reports_a_violation(browser: Browser, server):
    """What the page fixtures check is real: an inline style attribute written into a page
    is refused by the browser and lands in watch_csp's list."""
    context = browser.new_context(base_url=server, viewport=DESKTOP)
    page = context.new_page()
    refused = watch_csp(page)
    page.goto("/sign-in/")
    assert refused == []

    page.evaluate(
        """() => document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>')"""
    )

    page.wait_for_function("() => true")  # let the report arrive
    deadline = time.monotonic() + 5
    while not refused and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    context.close()
    assert refused and any("style-src" in line for line in refused), refused
