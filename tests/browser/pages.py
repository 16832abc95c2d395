"""What every page a browser journey visits is checked for (issue 8, points 13-15):

- axe-core (vendored in tests/browser/vendor, never fetched) finds no violation;
- at a phone's width (375 px) the page does not scroll sideways;
- the navigation marks exactly one item as the current page (signed-in pages);
- a sub-page (anything but a top-level navigation page, home or sign-in) has a back link.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PHONE_WIDTH = 375
DESKTOP = {"width": 1280, "height": 900}

# Top-level pages: reached from the navigation, so they need no back link.
TOP_LEVEL = {
    "/",
    "/sign-in/",
    "/referrals/new/",
    "/referrals/",
    "/my-work/",
    "/triage/",
    "/cases/",
    "/intelligence/patterns/",
    "/reviews/due/",
    "/audit/",
    "/meetings/",
    "/notifications/",
    "/account/",
    "/meetings/research/",
    "/reports/",
    "/intelligence/disruption/",
    "/intelligence/persons/",
    "/intelligence/locations/",
    "/intelligence/vehicles/",
}


def axe_violations(page: Page) -> list[str]:
    """One readable line per failing element: rule id, impact, CSS target, help."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through DevTools, which the page's Content-Security-Policy does not
        # govern: an added <script> tag would be refused (script-src 'self'), and bypassing
        # the policy for the whole context would hide the violations the tests look for.
        page.evaluate(AXE.read_text() + "\n;undefined")
    results = page.evaluate(
        """async () => {
            const results = await window.axe.run(document, {resultTypes: ["violations"]});
            return results.violations;
        }"""
    )
    return [
        f"{violation['id']} ({violation['impact']}): {' '.join(node['target'])}"
        f" - {violation['help']}: {' '.join(node['failureSummary'].split())}"
        for violation in results
        for node in violation["nodes"]
    ]


def scroll_width_at_phone_width(page: Page) -> tuple[int, list[str]]:
    """The page's width at 375 px, and the elements that stick out past the right edge."""
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    try:
        return page.evaluate(
            """(limit) => {
                const wide = [];
                for (const element of document.body.querySelectorAll("*")) {
                    const box = element.getBoundingClientRect();
                    if (box.right > limit + 0.5 && element.offsetParent !== null) {
                        const name = element.tagName.toLowerCase()
                            + (element.id ? "#" + element.id : "")
                            + (element.className && typeof element.className === "string"
                               ? "." + element.className.trim().split(/\\s+/).join(".") : "");
                        wide.push(`${name} (right edge ${Math.round(box.right)} px)`);
                    }
                }
                return [document.documentElement.scrollWidth, wide.slice(-8)];
            }""",
            PHONE_WIDTH,
        )
    finally:
        page.set_viewport_size(DESKTOP)


def check_page(page: Page) -> None:
    """Fail with what is wrong on the page the browser is showing."""
    page.wait_for_load_state("load")
    # Checked as it settles, not mid-request (the live risk level fades while htmx asks).
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    path = urlsplit(page.url).path
    problems = [f"axe: {line}" for line in axe_violations(page)]

    width, wide = scroll_width_at_phone_width(page)
    if width > PHONE_WIDTH:
        problems.append(f"scrolls sideways at {PHONE_WIDTH} px: {width} px wide; {wide}")

    nav = page.locator("nav[aria-label='Main']")
    if nav.count():
        current = nav.locator("[aria-current='page']").all_inner_texts()
        if len(current) != 1:
            problems.append(f"navigation has {len(current)} current items: {current}")
    if path not in TOP_LEVEL and not page.locator("a.govuk-back-link").count():
        problems.append("sub-page without a back link (govuk-back-link)")

    assert not problems, f"{path}:\n  " + "\n  ".join(problems)


def check_page_both_widths(page: Page) -> None:
    """check_page, and axe again at a phone's width (375 px), where GOV.UK's layout changes
    (the header's menu button, stacked tables and button groups)."""
    check_page(page)
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    try:
        found = axe_violations(page)
    finally:
        page.set_viewport_size(DESKTOP)
    path = urlsplit(page.url).path
    assert not found, f"{path} at {PHONE_WIDTH} px:\n  " + "\n  ".join(f"axe: {f}" for f in found)


def visit(page: Page, path: str) -> None:
    page.goto(path)
    check_page(page)


def sign_in(page: Page, user) -> None:
    """Sign in through the sign-in page, and the code step for a user with an
    authenticator (the code computed from their secret, as their app would). The tests hash
    passwords with MD5 for speed, which the server does not accept: the user gets a hash
    the server's first hasher reads."""
    from django.contrib.auth.hashers import Argon2PasswordHasher, make_password

    from tests.factories import PASSWORD

    user.password = make_password(PASSWORD, hasher=Argon2PasswordHasher())
    user.save(update_fields=["password"])
    page.set_default_timeout(10_000)
    page.goto("/sign-in/")
    check_page(page)
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: urlsplit(url).path != "/sign-in/")
    if urlsplit(page.url).path == "/sign-in/code/":
        check_page(page)
        page.get_by_label("Code", exact=True).fill(next_code(user))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(lambda url: not urlsplit(url).path.startswith("/sign-in/"))
    check_page(page)


def next_code(user) -> str:
    """The code the user's authenticator app shows now, or the next one when the server
    already took this step's (a code is accepted once; the device accepts one step ahead)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return code_for_key(device.bin_key, after_step=device.last_t, drift=device.drift)


def code_for_key(key: bytes, *, after_step: int = -1, drift: int = 0) -> str:
    """A TOTP code (30 s, 6 digits, the defaults) for a step later than ``after_step``."""
    from django_otp.oath import totp

    while True:
        now = int(time.time() // 30)
        target = max(now + drift, after_step + 1)
        if target - (now + drift) <= 1:  # within the device's tolerance of one step
            return f"{totp(key, drift=target - now):06d}"
        time.sleep(1)
