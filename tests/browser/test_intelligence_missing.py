"""Missing episodes, in Chromium: the case page's summary, the list, a lead professional
recording an episode with a place in words (they may not see locations), and the episode's
page with its return home interview due. Every page is checked (axe at zero violations,
375 px, CSP) at both widths."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from intelligence.models import MissingEpisode
from tests.browser.pages import check_page_both_widths, sign_in
from tests.browser.test_journeys import go
from tests.intelligence.missing_helpers import episode_on, open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lead_professional_records_a_missing_episode_with_a_place_in_words(page: Page, server):
    team = open_case()
    episode_on(team.case, days_ago=40, returned_hours=5)
    sign_in(page, team.lead_prof)

    page.goto(f"/cases/{team.case.pk}/")
    summary = page.locator("main")
    expect(summary.get_by_role("heading", name="Missing episodes")).to_be_visible()
    expect(summary).to_contain_text("In the last 90 days")
    expect(summary).to_contain_text("Held within 72 hours of 0 of 1 return")
    check_page_both_widths(page)

    go(page, page.get_by_role("link", name=f"Missing episodes of {team.case.reference}"))
    expect(page.locator("h1")).to_have_text("Missing episodes")
    expect(page.locator("tbody tr")).to_have_count(1)
    check_page_both_widths(page)

    go(page, page.get_by_role("link", name="Record a missing episode"))
    expect(page.get_by_label("Where found: a location record")).to_have_count(0)
    reported = timezone.localtime(timezone.now() - dt.timedelta(days=1))
    back = reported + dt.timedelta(hours=4)
    for legend, when in (("Date reported missing", reported), ("Date found or returned", back)):
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(str(when.day))
        group.get_by_label("Month").fill(str(when.month))
        group.get_by_label("Year").fill(str(when.year))
    page.get_by_label("Time reported missing").fill(reported.strftime("%H:%M"))
    page.get_by_label("Time found or returned").fill(back.strftime("%H:%M"))
    page.get_by_label("Where found, in words").fill("Testplace 12 Takeaway")
    check_page_both_widths(page)
    go(page, page.get_by_role("button", name="Record the episode"))

    main = page.locator("main")
    expect(page.locator("h1")).to_have_text("Missing episode")
    expect(main).to_contain_text("Testplace 12 Takeaway")
    expect(main).to_contain_text("Interview due")
    check_page_both_widths(page)
    episode = MissingEpisode.objects.order_by("-pk").first()
    assert episode.recorded_by_id == team.lead_prof.pk
    assert episode.found_place == "Testplace 12 Takeaway"
