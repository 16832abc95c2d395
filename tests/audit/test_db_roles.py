"""Least-privilege database roles (README "Database roles"): the application's role may
read and append the audit trail and nothing more, and cannot switch its triggers off.

The database tests need PostgreSQL with a separate owner (DATABASE_OWNER_URL): CI's
PostgreSQL run sets it (.ci/run creates the roles). Elsewhere they are skipped."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from audit.services import record
from audit.triggers import APPEND_ONLY_TABLES, TABLE
from panel import db_roles
from panel.management.commands.migrate import Command as Migrate
from tests.db_owner import owner_connection, separate_owner
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]

needs_roles = pytest.mark.skipif(
    not separate_owner(),
    reason="needs PostgreSQL with DATABASE_OWNER_URL (a separate owner role), as in CI",
)
REFUSED = "must be owner|permission denied"
UPDATE_ALL = f"UPDATE {TABLE} SET verb = 'created'"  # noqa: S608 (a constant)
DELETE_ALL = f"DELETE FROM {TABLE}"  # noqa: S608 (a constant)


def _as_app(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _one(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


@needs_roles
@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL",
        f"ALTER TABLE {TABLE} DISABLE TRIGGER {TABLE}_no_update",
        f"DROP TRIGGER {TABLE}_no_update ON {TABLE}",
        "DROP FUNCTION audit_refuse_change() CASCADE",
        UPDATE_ALL,
        DELETE_ALL,
        f"TRUNCATE {TABLE}",
        f"DROP TABLE {TABLE}",
        f"ALTER TABLE {TABLE} OWNER TO CURRENT_USER",
        "SET session_replication_role = replica",  # would skip every trigger
        "CREATE TABLE dbroles_probe (id int)",
    ],
)
def test_the_app_role_cannot_switch_the_trail_off_or_rewrite_it(statement):
    event = record(actor=UserFactory(), verb="viewed", object_type="cases.case", object_id=1)

    with pytest.raises(DatabaseError, match=f"{REFUSED}|permission denied to set parameter"):
        _as_app(statement)

    event.refresh_from_db()
    assert event.verb == "viewed"


@needs_roles
@pytest.mark.django_db
def test_the_app_role_is_no_superuser_and_owns_nothing():
    app, owner = settings.DATABASES["default"]["USER"], settings.DATABASES["owner"]["USER"]
    attributes = _one(
        "SELECT current_user, rolsuper, rolcreatedb, rolcreaterole, rolreplication, "
        "rolbypassrls, pg_has_role(current_user, %s, 'MEMBER') "
        "FROM pg_roles WHERE rolname = current_user",
        [owner],
    )
    assert attributes == (app, False, False, False, False, False, False)
    owned = _one(
        "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = relnamespace "
        "        WHERE n.nspname = current_schema() AND c.relowner = r.oid), "
        "       (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = pronamespace "
        "        WHERE n.nspname = current_schema() AND p.proowner = r.oid), "
        "       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = relnamespace "
        "        WHERE n.nspname = current_schema() AND c.relkind = 'r' "
        "          AND pg_get_userbyid(c.relowner) = %s) "
        "FROM pg_roles r WHERE r.rolname = current_user",
        [owner],
    )
    assert owned[:2] == (0, 0)
    assert owned[2] > 30  # the owner owns every table (it migrated them)


@needs_roles
@pytest.mark.django_db
def test_the_app_role_appends_to_the_trail_and_reads_it_and_writes_the_rest():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, has_table_privilege(tablename, 'SELECT'), "
            "has_table_privilege(tablename, 'INSERT'), has_table_privilege(tablename, 'UPDATE'), "
            "has_table_privilege(tablename, 'DELETE'), has_table_privilege(tablename, 'TRUNCATE') "
            "FROM pg_tables WHERE schemaname = current_schema()"
        )
        privileges = {row[0]: row[1:] for row in cursor.fetchall()}

    for table in APPEND_ONLY_TABLES:
        assert privileges.pop(table) == (True, True, False, False, False), table
    assert privileges.pop("django_migrations") == (True, False, False, False, False)
    assert "cases_case" in privileges
    assert {table: p for table, p in privileges.items() if p != (True,) * 4 + (False,)} == {}


@needs_roles
@pytest.mark.django_db(transaction=True)
def test_a_table_made_by_a_later_migration_is_granted_and_a_new_append_only_one_is_not():
    """Default privileges cover tables the owner creates later; re-applying the grants (as
    every migrate does) takes UPDATE, DELETE and TRUNCATE back from a new append-only one."""
    owner = owner_connection()
    app = settings.DATABASES["default"]["USER"]

    def app_may(table: str) -> list[bool]:
        return list(
            _one(
                "SELECT has_table_privilege(%s, %s, 'INSERT'), "
                "has_table_privilege(%s, %s, 'UPDATE'), has_table_privilege(%s, %s, 'DELETE'), "
                "has_table_privilege(%s, %s, 'TRUNCATE')",
                [app, table] * 4,
            )
        )

    with owner.cursor() as cursor:
        cursor.execute("CREATE TABLE dbroles_later (id bigint GENERATED BY DEFAULT AS IDENTITY)")
        cursor.execute("CREATE TABLE dbroles_append_only (id bigint)")
    try:
        assert app_may("dbroles_later") == [True, True, True, False]
        assert app_may("dbroles_append_only") == [True, True, True, False]
        _as_app("INSERT INTO dbroles_later DEFAULT VALUES")  # its identity sequence too

        statements = db_roles.grant_statements(
            owner=settings.DATABASES["owner"]["USER"],
            app=app,
            append_only=(*APPEND_ONLY_TABLES, "dbroles_append_only"),
        )
        with owner.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

        assert app_may("dbroles_append_only") == [True, False, False, False]
        assert app_may("dbroles_later") == [True, True, True, False]
    finally:
        with owner.cursor() as cursor:
            cursor.execute("DROP TABLE dbroles_later, dbroles_append_only")


@needs_roles
@pytest.mark.django_db(transaction=True)
def test_even_the_owner_is_refused_by_the_triggers():
    """The roles come on top of the triggers: the owner may UPDATE the table, but the
    triggers still refuse (it would have to drop them, which the app role cannot)."""
    record(actor=UserFactory(), verb="viewed", object_type="cases.case", object_id=1)
    owner = owner_connection()

    with pytest.raises(DatabaseError, match="append-only"), owner.cursor() as cursor:
        cursor.execute(UPDATE_ALL)


def test_migrate_runs_as_the_owner_when_there_is_one():
    options = Migrate().create_parser("manage.py", "migrate").parse_args([])
    assert options.database == ("owner" if "owner" in settings.DATABASES else "default")


def test_create_db_roles_prints_idempotent_sql_without_passwords(capsys):
    call_command("create_db_roles", "--owner", "panel_owner", "--app", "panel_app", "--print")
    sql = capsys.readouterr().out

    assert 'ALTER ROLE "panel_app" WITH LOGIN NOSUPERUSER NOCREATEROLE' in sql
    assert "NOCREATEDB" in sql
    assert "IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'panel_owner')" in sql
    assert 'ALTER DEFAULT PRIVILEGES FOR ROLE "panel_owner"' in sql
    assert "REVOKE UPDATE, DELETE, TRUNCATE ON %I.%I FROM %I" in sql
    for table in APPEND_ONLY_TABLES:
        assert f"'{table}'" in sql
    assert "PASSWORD" not in sql.replace("\\password", "")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--owner", "panel", "--app", "panel"], "two different roles"),
        (["--owner", "Robert'); DROP", "--app", "panel_app"], "not a usable role name"),
        (["--owner", "panel_owner", "--app", "panel_app"], "superuser's URL"),
    ],
)
def test_create_db_roles_refuses(args, error, monkeypatch):
    monkeypatch.delenv("DATABASE_ADMIN_URL", raising=False)
    with pytest.raises(CommandError, match=error):
        call_command("create_db_roles", *args, admin_url="")


def _settings_in_subprocess(**env: str) -> subprocess.CompletedProcess:
    inherited = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DATABASE_OWNER_URL"}
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; from django.conf import settings; django.setup(); "
            "print(sorted(settings.DATABASES), repr(settings.DATABASE_APP_ROLE))",
        ],
        cwd=ROOT,
        env={**inherited, "DJANGO_SETTINGS_MODULE": "panel.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_an_owner_url_one_role_does_everything():
    result = _settings_in_subprocess(DATABASE_URL="postgres://panel@db.example:5432/panel")
    assert result.stdout.split() == ["['default']", "''"], result.stderr


def test_with_an_owner_url_the_app_role_is_separate():
    result = _settings_in_subprocess(
        DATABASE_URL="postgres://panel_app:a@db.example:5432/panel",
        DATABASE_OWNER_URL="postgres://panel_owner:o@db.example:5432/panel",
    )
    assert result.stdout.split() == ["['default',", "'owner']", "'panel_app'"], result.stderr


def test_the_owner_url_must_name_the_same_database():
    result = _settings_in_subprocess(
        DATABASE_URL="postgres://panel_app:a@db.example:5432/panel",
        DATABASE_OWNER_URL="postgres://panel_owner:o@db.example:5432/other",
    )
    assert result.returncode != 0
    assert "DATABASE_OWNER_URL must name the same database" in result.stderr
