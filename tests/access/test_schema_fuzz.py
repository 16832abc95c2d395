"""The API answers as its OpenAPI schema says, whatever it is sent (issue 9, point 11).

Schemathesis reads ``/api/schema/`` from the WSGI app itself (no server, no network) and
generates requests for every operation, valid and invalid, as each role of the demo data
(coordinator, agency lead, referrer, auditor), signed in by a session cookie as a browser
is. Path ids are drawn from the records that exist (in and out of the role's scope) as
well as generated, so detail pages and actions are reached, not only their 404s. It fails
on any 5xx, any status code the operation does not document, and any body or content type
that does not match the schema.

Bounded: ``CASES_PER_ROLE`` requests per role, derandomized (the same requests every run,
so CI cannot flake on a lucky draw), no example database. About a minute a role here.
Select it alone with ``pytest -m schemathesis``; it runs in the default suite too.
"""

from __future__ import annotations

import io

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework import throttling
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from audit.models import AuditEvent
from cases.models import Action, Case, Child, Referral, Review, RiskAssessment, RiskTool
from panel.models import Area, User

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]

CASES_PER_ROLE = 300
# One demo account per role (panel/management/commands/seed_demo.py).
ROLES = {
    "coordinator": "demo.coordinator",
    "agency_lead": "demo.police",
    "referrer": "demo.referrer",
    "auditor": "demo.auditor",
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# The records behind each API collection, for ids that exist.
MODELS = {
    "actions": Action,
    "areas": Area,
    "assessments": RiskAssessment,
    "audit-events": AuditEvent,
    "cases": Case,
    "children": Child,
    "referrals": Referral,
    "reviews": Review,
    "risk-tools": RiskTool,
}


@pytest.fixture
def demo(settings, monkeypatch):
    """The demo data, and throttling out of the way: this is a test of answers, not of
    rates (the throttles have their own tests)."""
    rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES") or {}
    if rates:
        unlimited = dict.fromkeys(rates, "1000000/second")
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": unlimited}
        # DRF reads the rates once, into the class, when the module is imported.
        monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", unlimited)
    call_command("seed_demo", "--force", stdout=io.StringIO())
    # Requests go straight to the WSGI handler, which closes the database connection at the
    # end of each (on PostgreSQL that ends the test's transaction): keep it open, as
    # Django's test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def signed_in(app, user: User):
    """The WSGI app as a browser signed in as ``user`` sees it: every request carries the
    session cookie, and the CSRF token that DRF's session authentication asks of every
    write (cookie and header)."""
    client = Client()
    client.force_login(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    token = _get_new_csrf_string()
    cookie = (
        f"{django_settings.SESSION_COOKIE_NAME}={session}; "
        f"{django_settings.CSRF_COOKIE_NAME}={token}"
    )

    def browser(environ, start_response):
        environ["HTTP_COOKIE"] = cookie
        environ["HTTP_X_CSRFTOKEN"] = token
        return app(environ, start_response)

    return browser


def _collection(path: str) -> str:
    return path.removeprefix("/api/v1/").split("/", 1)[0]


def _requests(schema) -> st.SearchStrategy:
    """Every operation's requests, valid and not, each with an id that exists (or none,
    keeping the generated one) for operations on one record."""
    ids = {
        name: list(model.objects.order_by("pk").values_list("pk", flat=True))
        for name, model in MODELS.items()
    }
    strategies = []
    for result in schema.get_all_operations():
        operation = result.ok()
        existing = ids.get(_collection(operation.path), [])
        pick = st.none()
        if "{id}" in operation.path and existing:
            pick = st.one_of(st.none(), st.sampled_from(existing))
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies.append(st.tuples(operation.as_strategy(generation_mode=mode), pick))
    return st.one_of(strategies)


def fuzz(app, requests) -> None:
    """Send ``CASES_PER_ROLE`` of the requests to the app; raise on the first answer the
    schema does not describe (shrunk to the smallest such request)."""

    @hypothesis_settings(
        max_examples=CASES_PER_ROLE,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(requests)
    def answers_as_documented(drawn):
        case, pk = drawn
        if pk is not None:
            case.path_parameters = {**case.path_parameters, "id": pk}
        response = case.call(app=app)
        case.validate_response(response, checks=CHECKS)

    answers_as_documented()


def test_the_api_answers_as_its_schema_says_to_every_role(demo):
    """One run over the demo data for every role (seeding it once), each role's failure
    reported under its name."""
    from panel.wsgi import application

    failures = {}
    for role, username in ROLES.items():
        app = signed_in(application, User.objects.get(username=username))
        schema = schemathesis.openapi.from_wsgi("/api/schema/", app)
        try:
            fuzz(app, _requests(schema))
        except Exception as failure:
            failures[role] = failure
    assert not failures, "\n\n".join(f"As {role}:\n{error}" for role, error in failures.items())
