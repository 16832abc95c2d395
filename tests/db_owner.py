"""The test suite's side of the database roles (README "Database roles").

With ``DATABASE_OWNER_URL`` set (CI's PostgreSQL run), the test database is created and
migrated by the owner (``owner_creates_the_test_database``), the tests' own connections
use the application role, and what the app role may not do goes through one extra
connection of the owner's to the test database:

- emptying the audit trail after a test that commits (triggers briefly removed);
- Django's flush after such a test (TRUNCATE of every table, which the app role may not);
- tampering with audit rows on purpose (``behind_the_triggers``).

Without it (SQLite, or one PostgreSQL user) the owner's connection is simply the default
one, and everything works as before.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.utils import load_backend

from audit import triggers
from panel.db_roles import OWNER_DB_ALIAS, owner_configured

_owner: list[Any] = []  # the owner's connection, made once per session
_app_credentials: dict[str, Any] = {}
_real_environment: dict[str, str | None] = {}


def separate_owner() -> bool:
    return owner_configured() and connection.vendor == "postgresql"


def owner_creates_the_test_database() -> None:
    """Before pytest-django sets up the test database: the default alias connects as the
    owner, so the owner creates and migrates it (and grants the app role its privileges
    after migrating, panel.db_roles.grant_after_migrate)."""
    default = connections[DEFAULT_DB_ALIAS]
    owner = settings.DATABASES[OWNER_DB_ALIAS]
    _app_credentials.update(USER=default.settings_dict["USER"])
    _app_credentials.update(PASSWORD=default.settings_dict["PASSWORD"])
    default.close()
    default.settings_dict.update(USER=owner["USER"], PASSWORD=owner["PASSWORD"])


def app_role_uses_the_test_database() -> None:
    """After set-up: the default alias is the application role again, and the owner alias
    names the test database (never the real one)."""
    default = connections[DEFAULT_DB_ALIAS]
    default.close()
    default.settings_dict.update(_app_credentials)
    owner = settings.DATABASES[OWNER_DB_ALIAS]
    owner["NAME"] = default.settings_dict["NAME"]
    # Processes the tests start (workers, the browser tests' server) inherit a matching
    # pair naming the test database, whatever DATABASE_URL they are then given.
    for name, db in (("DATABASE_URL", default.settings_dict), ("DATABASE_OWNER_URL", owner)):
        _real_environment[name] = os.environ.get(name)
        os.environ[name] = database_url(db)


def owner_drops_the_test_database() -> None:
    """Before pytest-django drops the test database: only its owner may."""
    close_owner_connection()
    connections.close_all()
    for name, value in _real_environment.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    owner = settings.DATABASES[OWNER_DB_ALIAS]
    connections[DEFAULT_DB_ALIAS].settings_dict.update(
        USER=owner["USER"], PASSWORD=owner["PASSWORD"]
    )


def database_url(db: dict) -> str:
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def owner_connection() -> Any:
    """A connection as the owner to the test database: one for the session, outside
    Django's per-test connection checks. The default connection without a separate
    owner."""
    if not separate_owner():
        return connection
    if not _owner:
        # An alias of its own, outside settings.DATABASES: Django's test cases refuse
        # connections to configured aliases a test did not ask for.
        db = connections.settings[OWNER_DB_ALIAS]
        _owner.append(load_backend(db["ENGINE"]).DatabaseWrapper(db, "owner-for-tests"))
    return _owner[0]


def close_owner_connection() -> None:
    while _owner:
        _owner.pop().close()


def flush_as_owner(sql_list: list[str]) -> None:
    """Django's flush (one TRUNCATE of every table on PostgreSQL), run by the owner."""
    with owner_connection().cursor() as cursor:
        for sql in sql_list:
            cursor.execute(sql)


def empty_audit_trail() -> None:
    """Delete every audit row, with the triggers briefly removed. With a separate owner,
    in one transaction of the owner's (TRUNCATE of the append-only tables; CASCADE for
    anything that refers to them, which the flush that follows empties anyway)."""
    owner = owner_connection()
    if owner is connection:
        triggers.remove(owner)
        try:
            with owner.cursor() as cursor:
                # Children before parents (the records listed events name, then events).
                for table in triggers.APPEND_ONLY_TABLES:
                    cursor.execute(f"DELETE FROM {owner.ops.quote_name(table)}")  # noqa: S608 - our table names
        finally:
            triggers.install(owner)
        return
    tables = ", ".join(owner.ops.quote_name(t) for t in triggers.APPEND_ONLY_TABLES)
    owner.set_autocommit(False)
    try:
        triggers.remove(owner)
        with owner.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} CASCADE")
        triggers.install(owner)
        owner.commit()
    except BaseException:
        owner.rollback()
        raise
    finally:
        owner.set_autocommit(True)


@contextmanager
def behind_the_triggers() -> Iterator[Any]:
    """A cursor that may change audit rows: the owner's, with the append-only triggers
    removed until the block ends. With a separate owner the test must commit its data
    first (``@pytest.mark.django_db(transaction=True)``): another connection neither sees
    the test's open transaction nor may alter a table that transaction has written to."""
    owner = owner_connection()
    if owner is not connection and connection.in_atomic_block:
        raise RuntimeError(
            "behind_the_triggers() uses the owner's own connection: mark the test "
            "@pytest.mark.django_db(transaction=True) so its data is committed"
        )
    triggers.remove(owner)
    try:
        with owner.cursor() as cursor:
            yield cursor
    finally:
        triggers.install(owner)
