"""The database triggers that make the audit tables append-only. Installed by migrations
(0003 for the events, 0005 for the records a ``listed`` event names); the test suite removes
and restores them only to prove tampering is detected and to empty the tables between tests
that commit.

Every append-only table gets the same triggers: a new one is added to
``APPEND_ONLY_TABLES`` and installed by its own migration with ``install(connection,
tables=(name,))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

TABLE = "audit_auditevent"
OBJECTS_TABLE = "audit_auditeventobject"
# Children before parents, so emptying them in this order never trips a foreign key.
APPEND_ONLY_TABLES: tuple[str, ...] = (OBJECTS_TABLE, TABLE)

# Table names are constants of this module, never input.
_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
DECLARE
    holds_rows boolean;
BEGIN
    -- Emptying an already empty table destroys nothing (test databases do it).
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I)', TG_TABLE_SCHEMA, TG_TABLE_NAME)
            INTO holds_rows;
        IF NOT holds_rows THEN
            RETURN NULL;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _trigger(table: str, operation: str) -> str:
    # The events' triggers keep the names migration 0003 gave them. SQLite's trigger names
    # are global, so other tables' carry the table's name.
    return f"audit_no_{operation}" if table == TABLE else f"{table}_no_{operation}"


def _postgres_install(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {_trigger(table, "update")} BEFORE UPDATE ON {table}
            FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();""",
        f"""CREATE TRIGGER {_trigger(table, "delete")} BEFORE DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();""",
        f"""CREATE TRIGGER {_trigger(table, "truncate")} BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();""",
    ]


def _postgres_remove(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {_trigger(table, operation)} ON {table};"
        for operation in ("update", "delete", "truncate")
    ]


def _sqlite_install(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {_trigger(table, operation.lower())} BEFORE {operation} ON {table}
            BEGIN SELECT RAISE(ABORT, 'audit events are append-only: {operation} refused');
            END;"""
        for operation in ("UPDATE", "DELETE")
    ]


def _sqlite_remove(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {_trigger(table, op)};" for op in ("update", "delete")]


def _statements(vendor: str, install: bool, tables: Sequence[str]) -> list[str]:
    if vendor == "postgresql":
        each = _postgres_install if install else _postgres_remove
        return ([_POSTGRES_FUNCTION] if install else []) + [s for t in tables for s in each(t)]
    if vendor == "sqlite":
        each = _sqlite_install if install else _sqlite_remove
        return [s for t in tables for s in each(t)]
    raise RuntimeError(f"No append-only audit triggers are written for {vendor}")


def install(connection: Any, tables: Sequence[str] = APPEND_ONLY_TABLES) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, install=True, tables=tables):
            cursor.execute(statement)


def remove(connection: Any, tables: Sequence[str] = APPEND_ONLY_TABLES) -> None:
    """Drop the tables' triggers. The shared PostgreSQL function stays (other tables' may
    use it; ``install`` replaces it): only ``drop_function`` removes it."""
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, install=False, tables=tables):
            cursor.execute(statement)


def drop_function(connection: Any) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP FUNCTION IF EXISTS audit_refuse_change();")
