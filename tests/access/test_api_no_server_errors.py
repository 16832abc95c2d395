"""Every API route, asked as a browser asks (``Accept: text/html``, DRF's browsable API)
and with ``OPTIONS`` (DRF's metadata), as every role and anonymously, answers without a
server error.

Both render a form for each write the route allows, built from the serializer the view
offers for it: a viewset whose serializer cannot describe its input used to answer 500
(``GET /api/v1/referrals/`` in a browser). The routes come from the URL resolver, as in
the access matrix, so a route added later is swept too; detail routes get the record the
matrix's table picks from its world of data.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.access import test_matrix
from tests.access.test_matrix import (
    API_ROUTES,
    MISSING,
    ROLES,
    TABLE,
    World,
    _rows,
    registered_routes,
)

world = test_matrix.world  # the matrix's world of data, a fixture here too


def api_routes() -> list[str]:
    return sorted(name for name in registered_routes() if name.startswith(API_ROUTES))


def _client(user) -> APIClient:
    client = APIClient()
    # A 500 comes back as a response to assert on, not an exception mid-sweep.
    client.raise_request_exception = False
    if user is not None:
        client.force_authenticate(user)
    return client


def test_the_sweep_covers_the_api():
    routes = api_routes()
    assert {"v1:api-root", "v1:referral-list", "v1:referral-accept", "schema"} <= set(routes)
    assert all(name in TABLE for name in routes), "the access matrix names every route"


@pytest.mark.django_db
def test_no_api_route_answers_a_server_error_to_a_browser_or_options(world: World):
    clients = {role: _client(world.users[role]) for role in ROLES}
    failures = []
    for route in api_routes():
        # Each row of the matrix picks a record (pending and accepted referrals, ...); a
        # missing id is swept too, since a 404 page renders the same forms.
        targets = [row.kwargs(world) for row in _rows(TABLE[route])]
        targets += [t | {"pk": MISSING} for t in targets[:1] if "pk" in t]
        for kwargs in targets:
            url = reverse(route, kwargs=kwargs)
            for role, client in clients.items():
                for method, response in (
                    ("GET html", client.get(url, HTTP_ACCEPT="text/html")),
                    ("OPTIONS", client.options(url)),
                ):
                    if response.status_code >= 500:
                        failures.append(f"{method} {url} as {role}: {response.status_code}")
    assert failures == [], "\n".join(failures)
