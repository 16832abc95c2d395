"""The header's Intelligence item: for who sees some intelligence, landing on the persons
list; an agency lead's grant is read in the unread-count query (no query more a page)."""

import pytest
from django.urls import reverse

from tests.factories import (
    AgencyFactory,
    agency_lead,
    auditor,
    coordinator,
    grant_intelligence,
    referrer,
)

pytestmark = pytest.mark.django_db


def labels(client, user):
    client.force_login(user)
    return {item["label"]: item["url"] for item in client.get("/").context["nav_items"]}


@pytest.mark.parametrize("who", [coordinator, auditor])
def test_coordinators_and_auditors_get_it(client, who):
    assert labels(client, who())["Intelligence"] == reverse("intelligence:person-list")


def test_only_a_granted_agencys_leads_get_it(client):
    police = AgencyFactory()
    grant_intelligence(police)
    assert "Intelligence" in labels(client, agency_lead(police))
    assert "Intelligence" not in labels(client, agency_lead(AgencyFactory()))
    assert "Intelligence" not in labels(client, referrer())


def test_it_is_current_on_the_locations_list(client):
    client.force_login(coordinator())
    items = client.get(reverse("intelligence:location-list")).context["nav_items"]
    assert [i["label"] for i in items if i["active"]] == ["Intelligence"]
