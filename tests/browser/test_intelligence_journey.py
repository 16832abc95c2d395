"""Issue 13's browser journey, in Debian's Chromium through the real server and worker: a
coordinator records a location through its form, links it to two children from their case
pages, and sees it flagged as an emerging pattern (the real worker runs the detection
queued on commit), the notification in their notifications, the location's link chart
drawn by graphviz with the location and both children, and, once offered, the agenda item
naming the location with a link to its page. Every page is checked at both widths
(tests.browser.pages.check_page_both_widths: axe at zero violations, 375 px without
sideways scrolling) under the enforced Content-Security-Policy (the page fixture)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import time

import pytest
from playwright.sync_api import Page, expect

from intelligence.models import Link, Location
from intelligence.tasks import detect_patterns_for_link
from notifications.models import NotificationKind
from panel.dates import london_today
from tests.browser.intelligence_helpers import go, grade
from tests.browser.pages import DESKTOP, PHONE_WIDTH, check_page_both_widths, sign_in
from tests.browser.test_journeys import nav
from tests.browser.world import make_world
from tests.factories import MeetingFactory, make_case

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which("dot") is None, reason="graphviz's dot is not installed (CI installs it)"
    ),
]

PLACE = "Test Takeaway 1"
WAIT = 30  # seconds: how long a page is reloaded waiting for the worker's work


def _reload_until(page: Page, locator, text: str, seconds: float = WAIT) -> None:
    """Reload the page until ``locator`` shows ``text`` (the worker's work arrives in its
    own time), for ``seconds`` at most."""
    deadline = time.monotonic() + seconds
    while locator.filter(has_text=text).count() == 0:
        assert time.monotonic() < deadline, f"{page.url}: no {text!r} after {seconds} s"
        time.sleep(0.5)
        page.reload(wait_until="load")


def _shots(page: Page, path, name: str) -> None:
    """The page at desktop width and at a phone's, for a look by hand."""
    page.screenshot(path=path / f"{name}.png", full_page=True)
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    try:
        page.screenshot(path=path / f"{name}-375.png", full_page=True)
    finally:
        page.set_viewport_size(size)


def test_a_location_linked_to_two_children_is_flagged_charted_and_named_on_the_agenda(
    page: Page, server, worker, tmp_path
):
    world = make_world()
    boss = world.coordinator
    first = make_case(area=world.area, coordinator_user=boss, agencies=[world.police])
    second = make_case(area=world.area, coordinator_user=boss, agencies=[world.health])
    meeting = MeetingFactory(
        area=world.area, created_by=boss, date=london_today() + dt.timedelta(days=21)
    )

    sign_in(page, boss)

    # The location, through its form.
    nav(page, "Intelligence")
    page.goto("/intelligence/locations/")
    check_page_both_widths(page)
    go(page, page.get_by_role("link", name="Record a location"))
    page.get_by_label("Name", exact=True).fill(PLACE)
    page.get_by_label("Kind of location").select_option(label="Takeaway or restaurant")
    page.get_by_label("Postcode").fill("ZZ99 1TT")  # a fictional postcode
    grade(page)
    page.get_by_label("Source agency").select_option(label=world.police.name)
    go(page, page.get_by_role("button", name="Save"))
    expect(page.locator("h1")).to_contain_text(PLACE)
    location = Location.objects.get(name=PLACE)

    # Linked to each child from their case page.
    for case in (first, second):
        page.goto(f"/cases/{case.pk}/")
        check_page_both_widths(page)
        go(page, page.locator(".app-child-links").get_by_role("link", name="Add a link"))
        page.get_by_label("Linked to").select_option(label=f"{PLACE} (Takeaway or restaurant)")
        page.get_by_label("Relationship").select_option(label="Found at")
        grade(page)
        go(page, page.get_by_role("button", name="Record the link"))
        expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
        expect(page.locator(".app-child-links")).to_contain_text(f"{PLACE} (a takeaway): found at")
    _shots(page, tmp_path, "case-page")

    # The server queued detection on commit on the broker's default queue, which this run's
    # worker does not read; the real worker runs it for each link here (keyed: the second
    # run, with both children linked, is the one that notifies).
    links = Link.objects.filter(location=location).order_by("pk")
    assert links.count() == 2
    for link in links:
        worker.run(detect_patterns_for_link, link.pk)

    # The pattern, flagged with both children.
    nav(page, "Patterns")
    rows = page.locator("tbody tr")
    _reload_until(page, rows, PLACE)
    check_page_both_widths(page)
    row = rows.filter(has_text=PLACE)
    expect(row).to_contain_text("Location")
    expect(row).to_contain_text(f"2 children: 2 in {world.area.name}")
    _shots(page, tmp_path, "patterns")

    # The coordinator's notification, once the worker has made it.
    nav(page, "Notifications")
    _reload_until(page, page.locator("tbody tr"), "Linked to several children")
    check_page_both_widths(page)
    assert boss.notifications.filter(kind=NotificationKind.EMERGING_PATTERN).count() == 1
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Open linked to several children").click()
    expect(page).to_have_url(re.compile(r"/intelligence/patterns/$"))
    check_page_both_widths(page)

    # The location's link chart: the location and both children, drawn.
    go(page, page.locator("tbody tr").filter(has_text=PLACE).get_by_role("link"))
    expect(page).to_have_url(re.compile(rf"/intelligence/locations/{location.pk}/chart/$"))
    chart = page.locator("svg[role='img']")
    expect(chart).to_have_count(1)
    nodes = chart.locator("g.node")
    expect(nodes).to_have_count(3)
    for text in (PLACE, first.reference, second.reference):
        expect(nodes.filter(has_text=text)).to_have_count(1)
    expect(chart.locator("g.edge")).to_have_count(2)
    table = page.locator("table")
    for text in (PLACE, first.reference, second.reference):
        expect(table).to_contain_text(text)
    _shots(page, tmp_path, "chart")
    # On a phone the chart keeps a legible size and scrolls in its own region, not the page.
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    region = page.get_by_role("region", name="Link chart")
    assert region.evaluate("e => e.scrollWidth > e.clientWidth")
    page.set_viewport_size(DESKTOP)

    # Offered for the next panel meeting: the agenda names it, linked, to the coordinator.
    page.goto("/intelligence/patterns/")
    go(
        page,
        page.locator("tbody tr")
        .filter(has_text=PLACE)
        .get_by_role("button", name="Offer for the next panel meeting"),
    )
    expect(page.locator("main")).to_contain_text("Offered for the next panel meeting")
    page.goto(f"/meetings/{meeting.pk}/agenda/")
    check_page_both_widths(page)
    item = page.locator(".app-agenda__item").filter(has_text=PLACE)
    expect(item.get_by_role("link", name=PLACE)).to_have_attribute(
        "href", f"/intelligence/locations/{location.pk}/"
    )
    expect(item).to_contain_text("A location (takeaway or restaurant) linked to 2 children")
    _shots(page, tmp_path, "agenda")
    go(page, item.get_by_role("link", name=PLACE))
    expect(page.locator("h1")).to_contain_text(PLACE)
