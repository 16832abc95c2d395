"""The header's navigation marks exactly one item as the current page (issue 8 point 15)."""

import pytest

from panel.navigation import items_for
from tests.factories import agency_lead, auditor, coordinator


def current(user, path: str) -> list[str]:
    return [item["label"] for item in items_for(user, path) if item["active"]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", ["Home"]),
        ("/referrals/new/", ["Refer a child"]),
        ("/referrals/", ["My referrals"]),
        ("/referrals/7/", ["My referrals"]),
        ("/triage/7/", ["Triage"]),
        ("/cases/7/close/", ["Cases"]),
        ("/actions/7/", ["Cases"]),
        ("/children/7/", ["Cases"]),
        ("/reviews/due/", ["Reviews due"]),
        ("/reviews/7/hold/", ["Reviews due"]),
        ("/my-work/", ["My work"]),
        ("/notifications/", ["Notifications"]),
        ("/account/", ["Your account"]),
        ("/account/tokens/7/revoke/", ["Your account"]),
        ("/sign-in/", []),
    ],
)
def test_a_coordinator_has_one_current_item(path, expected):
    assert current(coordinator(), path) == expected


@pytest.mark.django_db
def test_other_roles_have_one_current_item_on_their_pages():
    assert current(agency_lead(), "/actions/3/update/") == ["Cases"]
    assert current(auditor(), "/audit/cases/3/") == ["Audit trail"]
    assert current(auditor(), "/cases/3/") == ["Cases"]


@pytest.mark.django_db
def test_the_page_marks_one_item_with_aria_current(client):
    user = coordinator()
    client.force_login(user)
    html = client.get("/referrals/new/").content.decode()
    assert html.count('aria-current="page"') == 1


@pytest.mark.django_db
def test_every_sub_page_has_a_back_link_to_where_it_came_from(client):
    """Issue 8 point 15, cheaply (the browser journeys check the pages they visit too)."""
    from cases.models import Case
    from tests.browser.world import make_world, open_case_with_action, referral_for
    from tests.factories import ChildFactory
    from tests.notifications.data import close

    world = make_world()
    case, action = open_case_with_action(world)
    review = case.reviews.get()
    waiting = referral_for(world, ChildFactory(area=world.area))
    closed, _ = open_case_with_action(world)
    for each in closed.actions.all():
        each.status = "cancelled"
        each.cancel_reason = "Fictional."
        each.save()
    close(closed)
    awaiting, _ = open_case_with_action(world)
    Case.objects.filter(pk=awaiting.pk).update(status=Case.Status.AWAITING_PANEL)

    on_case = f"/cases/{case.pk}/"
    pages = {
        f"/triage/{waiting.pk}/": "/triage/",
        on_case: "/cases/",
        f"/cases/{awaiting.pk}/open/": f"/cases/{awaiting.pk}/",
        f"/cases/{case.pk}/close/": on_case,
        f"/cases/{closed.pk}/reopen/": f"/cases/{closed.pk}/",
        f"/cases/{case.pk}/assess/": on_case,
        f"/cases/{case.pk}/team/": on_case,
        f"/cases/{case.pk}/actions/new/": on_case,
        f"/children/{case.child_id}/": "/cases/",
        f"/actions/{action.pk}/": on_case,
        f"/actions/{action.pk}/reassign/": f"/actions/{action.pk}/",
        f"/reviews/{review.pk}/hold/": on_case,
    }
    client.force_login(world.coordinator)
    for path, parent in pages.items():
        html = client.get(path).content.decode()
        assert f'<a href="{parent}" class="govuk-back-link">Back</a>' in html, path

    client.force_login(world.auditor)
    assert 'class="govuk-back-link"' in client.get(f"/audit/cases/{case.pk}/").content.decode()
    viewers = client.get(f"/audit/children/{case.child_id}/viewers/").content.decode()
    assert 'class="govuk-back-link"' in viewers

    client.force_login(world.referrer)
    mine = client.get(f"/referrals/{waiting.pk}/").content.decode()
    assert '<a href="/referrals/" class="govuk-back-link">Back</a>' in mine


@pytest.mark.django_db
def test_an_action_owner_without_a_panel_role_has_my_work_as_the_current_item(client):
    """Walk-through: a referrer who owns an action reached My work, the case and the action
    from Home and their notifications, but the navigation had no item for those pages."""
    import datetime as dt

    from cases import services
    from panel.dates import london_today
    from tests.browser.world import make_world, open_case_with_action
    from tests.factories import referrer

    world = make_world()
    case, _ = open_case_with_action(world)
    owner = referrer(agency=world.police)
    action = services.add_action(
        world.coordinator,
        case=case,
        description="Fictional: the owner's action.",
        owning_agency=world.police,
        owner=owner,
        due_date=london_today() + dt.timedelta(days=7),
    )
    client.force_login(owner)
    for path in ("/my-work/", f"/cases/{case.pk}/", f"/actions/{action.pk}/"):
        html = client.get(path).content.decode()
        assert html.count('aria-current="page"') == 1, path
        assert 'href="/my-work/" aria-current="page"' in html, path
    assert 'href="/my-work/"' in client.get("/referrals/").content.decode()


@pytest.mark.django_db
def test_a_referrer_without_work_is_not_offered_my_work(client):
    from tests.factories import referrer

    client.force_login(referrer())
    assert 'href="/my-work/"' not in client.get("/referrals/").content.decode()
