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
