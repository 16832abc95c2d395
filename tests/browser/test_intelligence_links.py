"""Links in Chromium: at triage the coordinator links an adult named in the concerns (a new
person of concern) to the referral, accepts it, and sees the link on the case page; adds a
location link from the case page; opens the link and records a sighting. Every page is
checked at both widths (axe at zero violations, 375 px)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from cases import services
from cases.models import Case
from intelligence.models import Link, Sighting
from tests.browser.intelligence_helpers import go, grade
from tests.browser.pages import check_page_both_widths, sign_in
from tests.browser.world import make_world, referral_for
from tests.factories import ChildFactory, LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_links_at_triage_accepts_and_works_the_links(page: Page, server, tmp_path):
    world = make_world()
    child = ChildFactory(area=world.area, first_name="Lima", last_name="Testchild-12")
    referral = referral_for(world, child)
    services.confirm_new_child(world.coordinator, referral=referral)
    place = LocationFactory(name="Testplace 0012 Takeaway", kind="takeaway", area=world.area)

    sign_in(page, world.coordinator)
    page.goto(f"/triage/{referral.pk}/")
    check_page_both_widths(page)
    expect(page.locator("#child-links-heading")).to_have_text("Adults named in the concerns")

    # A new person of concern named in the concerns, linked before a case exists.
    go(page, page.get_by_role("link", name="Add a link"))
    go(page, page.get_by_role("button", name="Record the link"))  # empty: the errors
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    page.get_by_label("Or a new person of concern: name").fill("Testperson-0012 Generated")
    page.get_by_label("Relationship").select_option(label="Seen with")
    grade(page)
    go(page, page.get_by_role("button", name="Record the link"))
    expect(page).to_have_url(re.compile(rf"/triage/{referral.pk}/$"))
    expect(page.locator(".app-child-links")).to_contain_text("Testperson-0012 Generated")

    # Accept: the link moves onto the case.
    accept = page.locator("form[action$='/accept/']")
    accept.get_by_label("Why the referral meets the threshold for the panel").fill(
        "Fictional: indicators present."
    )
    accept.get_by_label("Lead agency").select_option(label=world.police.name)
    go(page, page.get_by_role("button", name="Accept and open a case"))
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    assert Link.objects.get().case == case
    section = page.locator(".app-child-links")
    expect(section).to_contain_text("Testperson-0012 Generated (a person of concern): seen with")

    # A location link from the case page.
    go(page, section.get_by_role("link", name="Add a link"))
    page.get_by_label("Linked to").select_option(
        label="Testplace 0012 Takeaway (Takeaway or restaurant)"
    )
    page.get_by_label("Relationship").select_option(label="Found at")
    grade(page)
    go(page, page.get_by_role("button", name="Record the link"))
    section = page.locator(".app-child-links")
    expect(section).to_contain_text("Testplace 0012 Takeaway (a takeaway): found at")
    section.screenshot(path=tmp_path / "case-page-links.png")  # for a look by hand

    # The link's page, and a sighting.
    go(page, section.get_by_role("link", name="View the link to Testplace 0012 Takeaway"))
    go(page, page.get_by_role("link", name="Add a sighting"))
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Time seen").fill("21:15")
    page.get_by_label("At a location on record").select_option(
        label="Testplace 0012 Takeaway (Takeaway or restaurant)"
    )
    go(page, page.get_by_role("button", name="Record the sighting"))
    expect(page.get_by_role("region", name="Sightings")).to_contain_text("3 Nov 2026 21:15")
    assert Sighting.objects.get().location == place
