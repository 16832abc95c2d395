"""The database triggers that make the audit tables append-only: UPDATE and DELETE (and on
PostgreSQL TRUNCATE of a non-empty table) are refused whoever runs them. Installed by
migrations (0003 for events, 0005 for the records a ``listed`` event names; 0006 for every
audit table below, again after SQLite's table rebuilds, which drop triggers; meetings 0007
for addenda to approved minutes, which are kept the same way); the test suite
removes and restores them only to prove tampering is detected and to empty the tables
between tests that commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

TABLE = "audit_auditevent"
OBJECTS_TABLE = "audit_auditeventobject"
CHECKPOINT_TABLE = "audit_auditcheckpoint"
# The record of verification runs (audit.VerificationRun), installed by 0008.
VERIFICATION_TABLE = "audit_verificationrun"
# Addenda to approved minutes (meetings.MinutesAddendum): corrections are appended, never
# edited or removed. Installed by meetings/migrations/0007.
MINUTES_ADDENDA_TABLE = "meetings_minutesaddendum"
# Merges of intelligence records (intelligence.Merge): undoing one is a new row that
# reverses it. Installed by intelligence/migrations/0003.
INTELLIGENCE_MERGE_TABLE = "intelligence_merge"
# Every append-only table, children before parents so emptying them in this order never
# trips a foreign key (nothing refers to an addendum; it refers to minutes and people).
# Names are constants of this module, never input.
APPEND_ONLY_TABLES: tuple[str, ...] = (
    MINUTES_ADDENDA_TABLE,
    INTELLIGENCE_MERGE_TABLE,
    OBJECTS_TABLE,
    TABLE,
    CHECKPOINT_TABLE,
    VERIFICATION_TABLE,
)

# Migration 0003's trigger names, from when only the events table had triggers.
_LEGACY_NAMES = ("audit_no_update", "audit_no_delete", "audit_no_truncate")

_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
DECLARE
    has_rows boolean;
BEGIN
    -- Emptying an already empty table destroys nothing (test databases do it).
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', TG_TABLE_NAME) INTO has_rows;
        IF NOT has_rows THEN
            RETURN NULL;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit records are append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _postgres_install(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {table}_no_update ON {table};
DROP TRIGGER IF EXISTS {table}_no_delete ON {table};
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
"""


def _postgres_remove(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {table}_no_update ON {table};
DROP TRIGGER IF EXISTS {table}_no_delete ON {table};
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
"""


def _sqlite_install(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, 'audit records are append-only: UPDATE refused'); END;""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, 'audit records are append-only: DELETE refused'); END;""",
    ]


def _sqlite_remove(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update;",
        f"DROP TRIGGER IF EXISTS {table}_no_delete;",
    ]


def _statements(vendor: str, install: bool, tables: Iterable[str]) -> list[str]:
    tables = list(tables)
    if vendor == "postgresql":
        if install:
            return [_POSTGRES_FUNCTION, *(_postgres_install(t) for t in tables)]
        return [_postgres_remove(t) for t in tables]
    if vendor == "sqlite":
        make = _sqlite_install if install else _sqlite_remove
        return [statement for table in tables for statement in make(table)]
    raise RuntimeError(f"No append-only audit triggers are written for {vendor}")


def install(connection: Any, tables: Iterable[str] = APPEND_ONLY_TABLES) -> None:
    """Create (or re-create) the triggers on the given tables; safe to run again."""
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, install=True, tables=tables):
            cursor.execute(statement)


def remove(connection: Any, tables: Iterable[str] = APPEND_ONLY_TABLES) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, install=False, tables=tables):
            cursor.execute(statement)


def remove_legacy(connection: Any) -> None:
    """Drop migration 0003's triggers, named before there was more than one table."""
    with connection.cursor() as cursor:
        for name in _LEGACY_NAMES:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON audit_auditevent;")
            elif name != "audit_no_truncate":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name};")


def drop_function(connection: Any) -> None:
    """Drop the shared PostgreSQL trigger function (only when no table uses it any more)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP FUNCTION IF EXISTS audit_refuse_change();")
