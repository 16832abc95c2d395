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
