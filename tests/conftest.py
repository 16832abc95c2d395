import pytest
from django.db import connection

from audit import triggers
from audit.models import AuditEvent


@pytest.fixture(autouse=True)
def _empty_audit_trail_after_committed_tests(request):
    """Tests that really commit end with Django flushing every table, which the audit
    trail's triggers refuse. Empty it first, with the triggers briefly removed, and put them
    back before the next test."""
    marker = request.node.get_closest_marker("django_db")
    committed = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if not committed:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    triggers.remove(connection)
    try:
        AuditEvent.objects.all().delete()
    finally:
        triggers.install(connection)


@pytest.fixture
def matrix():
    from tests.factories import matrix_tool

    return matrix_tool()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests that do not test hashing use a fast hasher.
    (tests/panel/test_settings.py checks the real list.)"""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _audit_chain_still_verifies(request):
    """After every test that touched the database, the audit chain still verifies: no
    code path appends an event out of order or rewrites one. Tests that tamper on purpose
    say so with @pytest.mark.breaks_audit_chain."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & {"db", "transactional_db"}:
        yield
        return
    # Set the database up before this fixture, so it is still open when the check runs.
    committed = "transactional_db" in names or (marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if committed else "db")
    yield
    if request.node.get_closest_marker("breaks_audit_chain"):
        return
    from audit.services import first_broken_event

    broken, _ = first_broken_event()
    assert broken is None, f"audit chain broken at event {broken.pk}"
