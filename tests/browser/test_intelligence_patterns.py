"""Emerging patterns and the link chart in Chromium: a coordinator sees a person linked to
two children flagged, offers them for the next panel meeting, and opens the person's and a
case's link chart, drawn by graphviz as inline SVG beside the table. Every page is checked
by tests.browser.pages.check_page_both_widths (axe at desktop width and 375 px, no
sideways scrolling) under the enforced Content-Security-Policy (the page fixture)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from playwright.sync_api import Page, expect

from panel.dates import london_today
from tests.browser.pages import check_page_both_widths, sign_in
from tests.browser.world import make_world
from tests.factories import (
    LinkFactory,
    LocationFactory,
    MeetingFactory,
    PersonOfConcernFactory,
    VehicleFactory,
    make_case,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which("dot") is None, reason="graphviz's dot is not installed (CI installs it)"
    ),
]


def test_a_coordinator_sees_the_pattern_offers_it_and_opens_the_charts(page: Page, server):
    world = make_world()
    boss = world.coordinator
    first = make_case(area=world.area, coordinator_user=boss, agencies=[world.police])
    second = make_case(area=world.area, coordinator_user=boss, agencies=[world.health])
    person = PersonOfConcernFactory(name="Testperson-0001 Generated", area=world.area)
    vehicle = VehicleFactory(registration="TE51 ABC", area=world.area)
    location = LocationFactory(name="Testplace 12 Takeaway", area=world.area)
    for case in (first, second):
        LinkFactory(case=case, person=person, recorded_by=boss)
    LinkFactory(case=first, person=None, location=location, recorded_by=boss)
    LinkFactory(case=None, person=person, vehicle=vehicle, relationship="drives", recorded_by=boss)
    meeting = MeetingFactory(
        area=world.area, created_by=boss, date=london_today() + dt.timedelta(days=21)
    )

    sign_in(page, boss)
    page.goto("/intelligence/patterns/")
    check_page_both_widths(page)
    row = page.locator("tbody tr").filter(has_text="Testperson-0001 Generated")
    expect(row).to_contain_text("2 children: 2 in Staffordshire")
    with page.expect_navigation(wait_until="load"):
        row.get_by_role("button", name="Offer for the next panel meeting").click()
    check_page_both_widths(page)
    expect(page.locator("main")).to_contain_text("Offered for the next panel meeting")
    expect(page.locator("tbody tr").filter(has_text="Testperson-0001")).to_contain_text(
        "On the agenda"
    )
    assert meeting.items.filter(person=person).count() == 1

    with page.expect_navigation(wait_until="load"):
        page.locator("tbody tr").filter(has_text="Testperson-0001").get_by_role("link").click()
    check_page_both_widths(page)
    chart = page.locator("svg[role='img']")
    expect(chart).to_have_count(1)
    assert chart.locator("g.node").count() >= 4  # the person, two children, the vehicle
    expect(page.locator("table")).to_contain_text("Drives")

    page.goto(f"/cases/{first.pk}/link-chart/")
    check_page_both_widths(page)
    expect(page.locator("svg[role='img'] g.node")).to_have_count(5)
    expect(page.locator("table")).to_contain_text("Testplace 12 Takeaway")
