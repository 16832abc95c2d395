"""Subject access in Chromium: a coordinator opens a child's record, follows the subject
access export link, and sees the child's referral and case with the person of concern
linked to them redacted and the house they were found at given by its kind only. The page
is checked (axe at zero violations, 375 px, CSP) at both widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from intelligence.models import Link
from intelligence.services.subject_access import REDACTED
from tests.browser.pages import check_page_both_widths, sign_in
from tests.browser.test_journeys import go
from tests.browser.world import make_world, open_case_with_action
from tests.factories import LocationFactory, PersonOfConcernFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_exports_a_childs_record_with_third_parties_redacted(page: Page, server):
    world = make_world()
    case, _action = open_case_with_action(world)
    person = PersonOfConcernFactory(area=world.area, name="Testperson-0901 Generated")
    house = LocationFactory(
        area=world.area, kind="house", name="Testplace 0901 House", address="9 Test Lane"
    )
    for subject in ({"person": person}, {"location": house}):
        Link.objects.create(
            case=case, area=world.area, relationship="seen_with", recorded_by=world.coordinator,
            recorded_at=case.opened_at, source_evaluation="B", intelligence_assessment="2",
            source_agency=world.police, **subject,
        )  # fmt: skip
    sign_in(page, world.coordinator)

    page.goto(f"/children/{case.child_id}/")
    go(page, page.get_by_role("link", name="Subject access export of this record"))

    main = page.locator("main")
    expect(page.locator("h1")).to_contain_text("Record held about Bravo Testchild-02")
    expect(main).to_contain_text(case.reference)
    expect(main).to_contain_text(REDACTED)
    expect(main).to_contain_text("a location: House or flat")
    expect(main).not_to_contain_text("Testperson-0901")
    expect(main).not_to_contain_text("9 Test Lane")
    expect(main.get_by_role("link", name="Download the record as JSON")).to_be_visible()
    check_page_both_widths(page)
