"""Least-privilege database roles on PostgreSQL (README "Database roles").

Two roles, one database:

- the **owner** owns the schema and every table, sequence and function in it, and runs
  ``migrate`` (``DATABASE_OWNER_URL``, the ``owner`` database alias);
- the **application** role (``DATABASE_URL``) may SELECT, INSERT, UPDATE and DELETE the
  app's tables, but only SELECT and INSERT the append-only audit tables
  (``audit.triggers.APPEND_ONLY_TABLES``). It is not a superuser and owns nothing, so it can
  neither disable, drop nor alter the audit triggers nor TRUNCATE anything.

``grant_statements`` is the one statement of those privileges. The owner re-applies it after
every ``migrate`` (the ``post_migrate`` receiver below), so a table created by a later
migration is covered, and an append-only table added to ``APPEND_ONLY_TABLES`` loses UPDATE,
DELETE and TRUNCATE again; ``manage.py create_db_roles`` applies it too, as a superuser,
with the roles themselves (``role_statements``).

Nothing here runs on SQLite, or on PostgreSQL without a separate application role
(``DATABASE_OWNER_URL`` unset, or the same user as ``DATABASE_URL``).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

from audit.triggers import APPEND_ONLY_TABLES

OWNER_DB_ALIAS = "owner"
# Plain lower-case names only: they are written into SQL (quoted) and into DO blocks.
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# The app reads the migration history (runserver's check) but never writes it.
_READ_ONLY_TABLES = ("django_migrations",)


def check_role_name(name: str) -> str:
    if not _ROLE_NAME.match(name or ""):
        raise ValueError(
            f"{name!r} is not a usable role name: use lower-case letters, digits and _ "
            "(at most 63, not starting with a digit)"
        )
    return name


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """A SQL string literal (standard_conforming_strings, PostgreSQL's default since 9.1)."""
    return "'" + value.replace("'", "''") + "'"


def app_role() -> str:
    """The application's role when it is separate from the owner's, else ""."""
    return getattr(settings, "DATABASE_APP_ROLE", "") or ""


def owner_configured() -> bool:
    return bool(app_role()) and OWNER_DB_ALIAS in settings.DATABASES


def _sql_array(names: tuple[str, ...] | list[str]) -> str:
    return "ARRAY[" + ", ".join(quote_literal(n) for n in names) + "]::text[]"


def grant_statements(
    *,
    owner: str,
    app: str,
    schema: str = "public",
    append_only: tuple[str, ...] = APPEND_ONLY_TABLES,
) -> list[str]:
    """The application role's privileges in ``schema``, for tables that exist now and, by
    default privileges, for those the owner creates later; then the append-only tables'
    UPDATE, DELETE and TRUNCATE taken back. Idempotent. Run by the owner or a superuser."""
    owner_q = quote_ident(check_role_name(owner))
    app_q = quote_ident(check_role_name(app))
    schema_q = quote_ident(schema)
    dml = "SELECT, INSERT, UPDATE, DELETE"
    return [
        f"GRANT USAGE ON SCHEMA {schema_q} TO {app_q}",
        f"GRANT {dml} ON ALL TABLES IN SCHEMA {schema_q} TO {app_q}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema_q} TO {app_q}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} IN SCHEMA {schema_q} "
        f"GRANT {dml} ON TABLES TO {app_q}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} IN SCHEMA {schema_q} "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {app_q}",
        # Never TRUNCATE, REFERENCES or TRIGGER, on any table (nothing grants them; this
        # takes back what an earlier, broader grant may have given).
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {schema_q} FROM {app_q}",
        # Tables that may not exist yet (a new append-only table before its migration).
        _revoke_if_exists(schema, app, append_only, "UPDATE, DELETE, TRUNCATE"),
        _revoke_if_exists(schema, app, _READ_ONLY_TABLES, "INSERT, UPDATE, DELETE, TRUNCATE"),
    ]


def _revoke_if_exists(schema: str, app: str, tables: tuple[str, ...], privileges: str) -> str:
    return f"""DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY {_sql_array(tables)} LOOP
        IF to_regclass(format('%I.%I', {quote_literal(schema)}, t)) IS NOT NULL THEN
            EXECUTE format('REVOKE {privileges} ON %I.%I FROM %I',
                           {quote_literal(schema)}, t, {quote_literal(app)});
        END IF;
    END LOOP;
END $$"""


def ownership_statements(*, owner: str, database: str, schema: str = "public") -> list[str]:
    """Give the owner the database, the schema and everything in it (tables first: their
    identity and serial sequences follow them), so a database first migrated by a superuser
    moves to the owner. Superuser only. Idempotent."""
    owner_q = quote_ident(check_role_name(owner))
    schema_lit, owner_lit = quote_literal(schema), quote_literal(owner)
    return [
        f"ALTER DATABASE {quote_ident(database)} OWNER TO {owner_q}",
        f"ALTER SCHEMA {quote_ident(schema)} OWNER TO {owner_q}",
        f"""DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.relname, c.relkind FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = {schema_lit} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
               AND pg_get_userbyid(c.relowner) <> {owner_lit}
    LOOP
        EXECUTE format('ALTER %s %I.%I OWNER TO %I',
            CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                           WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
            {schema_lit}, r.relname, {owner_lit});
    END LOOP;
    FOR r IN SELECT c.relname FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = {schema_lit} AND c.relkind = 'S'
               AND pg_get_userbyid(c.relowner) <> {owner_lit}
    LOOP
        EXECUTE format('ALTER SEQUENCE %I.%I OWNER TO %I', {schema_lit}, r.relname, {owner_lit});
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = {schema_lit} AND pg_get_userbyid(p.proowner) <> {owner_lit}
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO %I', r.signature, {owner_lit});
    END LOOP;
END $$""",
    ]


def database_statements(
    *, owner: str, app: str, database: str, schema: str = "public"
) -> list[str]:
    """Who may connect and create: the app connects and creates nothing; no one else by
    default (PUBLIC). Superuser or database owner."""
    db_q, app_q, schema_q = quote_ident(database), quote_ident(app), quote_ident(schema)
    check_role_name(owner)
    check_role_name(app)
    return [
        f"REVOKE ALL ON DATABASE {db_q} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {db_q} TO {app_q}",
        f"REVOKE CREATE ON SCHEMA {schema_q} FROM PUBLIC",
        # The app is never the owner, nor acts as it.
        f"REVOKE {quote_ident(owner)} FROM {app_q}",
    ]


def apply_grants(connection: Any, *, app: str, owner: str | None = None) -> None:
    """Run ``grant_statements`` on a Django connection, as the role it is connected as
    (the owner) unless ``owner`` says otherwise."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_schema()")
        current_user, schema = cursor.fetchone()
        for statement in grant_statements(owner=owner or current_user, app=app, schema=schema):
            cursor.execute(statement)


def grant_after_migrate(sender: Any, using: str, **kwargs: Any) -> None:
    """post_migrate: the owner re-applies the application role's privileges, so tables
    made by this migrate (and new append-only tables) are covered."""
    from django.db import connections

    app = app_role()
    connection = connections[using]
    if not app or connection.vendor != "postgresql":
        return
    if connection.settings_dict.get("USER") == app:
        return  # the app role runs no grants (e.g. the post_migrate after a test's flush)
    apply_grants(connection, app=app)
