import datetime as dt
import re
import shutil
import tempfile

import pytest

from tests import db_owner

_BROWSER_DB_DIR: list[str] = []


def _browser_tests_get_a_file_database(items) -> None:
    """Browser tests (tests/browser) run the server and a worker in their own processes,
    which cannot see SQLite's usual in-memory test database: when any is collected, the
    SQLite test database is a file instead (PostgreSQL's is shared already)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3" or _BROWSER_DB_DIR:
        return
    if not any(item.get_closest_marker("browser") for item in items):
        return
    folder = tempfile.mkdtemp(prefix="safeguard-panel-test-db-")
    _BROWSER_DB_DIR.append(folder)
    db.setdefault("TEST", {})["NAME"] = f"{folder}/test.sqlite3"


def _commits(item) -> bool | None:
    """True for a test that really commits (Django flushes every table after it, the rows
    the data migrations made included), False for one in a rolled-back transaction, None
    for one without the database: pytest-django's own ordering rule."""
    names = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    if (marker is not None and marker.kwargs.get("transaction")) or "transactional_db" in names:
        return True
    if marker is not None or "db" in names:
        return False
    return None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """After every plugin has reordered the tests, every test that commits must still run
    after every test that only rolls back: the flush after a committing test empties the
    rows the data migrations made (areas, risk tools, quorum rules), and a rolled-back test
    run after it fails for want of them. pytest-django sorts them so, but pytest then
    groups tests sharing a session-scoped parameter, and a test parametrized with an
    argument called ``page`` is given pytest-playwright's ``[chromium]`` and pulled, with
    every browser test, into the middle of the rolled-back ones (issue 13: CI failed that
    way on both databases). Fail the collection, naming the test, rather than run so."""
    _browser_tests_get_a_file_database(items)
    first_commit = None
    for item in items:
        commits = _commits(item)
        if commits:
            first_commit = first_commit or item
        elif commits is False and first_commit is not None:
            raise pytest.UsageError(
                f"{item.nodeid} rolls back but would run after {first_commit.nodeid}, which "
                "commits (and is followed by a flush of every table). A parameter named like "
                "a fixture (say `page`, pytest-playwright's) reorders the tests: rename it."
            )


def pytest_unconfigure(config):
    for folder in _BROWSER_DB_DIR:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """With a separate database owner (DATABASE_OWNER_URL), the owner creates and migrates
    the test database (tests/db_owner.py)."""
    if db_owner.separate_owner():
        db_owner.owner_creates_the_test_database()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """...and the tests then connect as the application role; Django's flush after a test
    that commits (a TRUNCATE the app role may not run) goes through the owner's connection;
    at the end the owner drops the test database."""
    if not db_owner.separate_owner():
        yield
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    db_owner.app_role_uses_the_test_database()
    execute_sql_flush = DatabaseOperations.execute_sql_flush

    def flush(ops, sql_list):
        if ops.connection.alias != "default":
            return execute_sql_flush(ops, sql_list)
        return db_owner.flush_as_owner(sql_list)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "execute_sql_flush", flush)
        yield
    with django_db_blocker.unblock():
        db_owner.owner_drops_the_test_database()


@pytest.fixture(autouse=True)
def _empty_audit_trail_after_committed_tests(request):
    """Tests that really commit end with Django flushing every table, which the audit
    trail's triggers refuse. Empty it (every append-only audit table, the records listed
    events name before the events) first, with the triggers briefly removed (by the owner,
    when the app has its own role: tests/db_owner.py), and put them back before the next
    test."""
    marker = request.node.get_closest_marker("django_db")
    committed = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if not committed:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    db_owner.empty_audit_trail()


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(request, monkeypatch):
    """``Client.force_login`` (Django's, pytest-django's ``client`` and ``admin_client``,
    DRF's APIClient) signs in a session that has passed two-factor sign-in too, as the real
    sign-in does after the code: tests about something else need no authenticator. Tests of
    two-factor sign-in itself opt out with @pytest.mark.mfa_unverified (or sign in through
    the pages). DRF's force_authenticate uses no session and needs nothing."""
    if request.node.get_closest_marker("mfa_unverified"):
        yield
        return
    from django.contrib.auth.signals import user_logged_in
    from django.test import Client

    from panel.mfa import mark_verified

    real_login = Client._login
    uid = "tests-force-login-passes-two-factor"

    def mark(sender, request, user, **kwargs):
        mark_verified(request)

    def _login(self, user, backend=None):
        user_logged_in.connect(mark, weak=False, dispatch_uid=uid)
        try:
            real_login(self, user, backend)
        finally:
            user_logged_in.disconnect(dispatch_uid=uid)

    monkeypatch.setattr(Client, "_login", _login)
    yield


@pytest.fixture
def matrix():
    from tests.factories import matrix_tool

    return matrix_tool()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """API throttles count in the cache: each test starts with no requests counted, however
    many the tests before it made as the same user id or address. On Redis only this
    project's keys go (clear() would flush the whole database, Celery's queues included)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    default = caches["default"]
    if isinstance(default, RedisCache):
        client = default._cache.get_client(write=True)
        keys = list(client.scan_iter(match=default.make_key("*")))
        if keys:
            client.delete(*keys)
    else:
        default.clear()
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests that do not test hashing use a fast hasher.
    (tests/panel/test_settings.py checks the real list.)"""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _audit_anchor_file_per_test(settings, tmp_path):
    """Each test's seals write their anchor in the test's own folder, never var/: a
    checkpoint rolled back with one test must not look like a cut-off tail to the next."""
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "audit-anchor.json")


@pytest.fixture(autouse=True)
def _audit_chain_still_verifies(
    request, _audit_anchor_file_per_test, _empty_audit_trail_after_committed_tests
):
    """After every test that touched the database, the audit trail still verifies once
    sealed: no code path writes an event the sealer cannot cover or rewrites one. Tests
    that tamper on purpose say so with @pytest.mark.breaks_audit_chain. (Set up after the
    fixture that empties the trail of committed tests, so it checks before that runs.)"""
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
    from audit.sealing import seal
    from audit.verification import verify_trail

    seal()
    problem = verify_trail().problem
    assert problem is None, f"audit trail broken: {problem.message}"


@pytest.fixture(autouse=True)
def _emails_never_name_a_child(request):
    """Every email a test sends is checked for the name, known-as name and date of birth
    of every child in that test's data: emails carry a case reference, the kind of
    notification and a link, never a child's details (DESIGN rule 6). Children are
    remembered as they are saved (names can change during a test) and, if any email was
    sent, read from the database too (bulk-created ones send no signal)."""
    from django.core import mail
    from django.db.models.signals import post_save

    children = []

    def remember(sender, instance, **kwargs):
        children.append(child_details(instance))

    uid = "tests-emails-never-name-a-child"
    post_save.connect(remember, sender="cases.Child", weak=False, dispatch_uid=uid)
    try:
        yield
    finally:
        post_save.disconnect(sender="cases.Child", dispatch_uid=uid)
    outbox = getattr(mail, "outbox", None) or []
    if not outbox:
        return
    if {"db", "transactional_db", "django_db_setup"} & set(request.fixturenames):
        from cases.models import Child

        children += [child_details(child) for child in Child.objects.all()]
    found = child_details_in(outbox, children)
    assert not found, f"emails carry a child's details: {found}"


def child_details_in(messages, children: list[list[str]]) -> list[tuple[list[str], str]]:
    """(recipients, detail) for each child's detail found, as a whole word and in any
    case, in an email's subject or body."""
    details = {detail for child in children for detail in child if detail}
    found = []
    for message in messages:
        parts = [message.subject, message.body]
        parts += [content for content, _ in getattr(message, "alternatives", [])]
        text = "\n".join(str(part) for part in parts)
        for detail in sorted(details):
            pattern = rf"(?<![\w-]){re.escape(detail)}(?![\w-])"
            if re.search(pattern, text, flags=re.IGNORECASE):
                found.append((message.to, detail))
    return found


def child_details(child) -> list[str]:
    born = child.date_of_birth
    dates = [str(born)] if isinstance(born, str) else []
    if isinstance(born, dt.date):
        dates = [
            born.isoformat(),
            born.strftime("%d/%m/%Y"),
            f"{born.day}/{born.month}/{born.year}",
            f"{born.day} {born:%B %Y}",
            f"{born.day} {born:%b %Y}",
            f"{born:%d %B %Y}",
            f"{born:%d %b %Y}",
        ]
    return [child.first_name, child.last_name, child.known_as, *dates]
