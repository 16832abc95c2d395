"""Migration 0015 on children already recorded: the ethnicity each referrer typed is kept
exactly as it was, and every one of them is coded "not known" (nothing is guessed from
the text) until a coordinator sets the ONS 2021 group. Run on SQLite and PostgreSQL.

The cases app is migrated back to 0014, children are written with the model as it was
then, and everything is migrated forward again; the schema is put back whatever happens.
"""

import datetime as dt
from contextlib import contextmanager

import pytest
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.connection import ConnectionDoesNotExist

from cases.models import Child
from panel.models import Area
from tests import db_owner

BEFORE = ("cases", "0014_api_indexes")
ADDED = ("cases", "0015_child_ethnicity_code")

# What referrers typed before there was a coded list: empty, plain, punctuation, accents,
# spaces kept at the ends, and a value as long as the column allows.
TYPED = [
    "",
    "White British",
    "Mixed \u2013 White and Black Caribbean (fictional)",
    "Roma; described by the family (fictional)",
    "  Kurdish  ",
    "Gàidheal",
    "x" * 100,
]


@contextmanager
def _reachable(connection):
    """The migration recorder reads ``django_migrations`` through the ORM by the
    connection's alias; the owner's connection under CI's roles has an alias of its own,
    outside settings (tests/db_owner.py), so it is made reachable by that alias while the
    executor works, and only then."""
    try:
        connections[connection.alias]
    except ConnectionDoesNotExist:
        connections[connection.alias] = connection
        try:
            yield
        finally:
            del connections[connection.alias]
    else:
        yield


def _migrate(connection, targets) -> None:
    with _reachable(connection):
        MigrationExecutor(connection).migrate(targets)


def _everything(connection) -> list[tuple[str, str]]:
    with _reachable(connection):
        return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _insert(cursor, table: str, values: dict) -> int:
    columns = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    cursor.execute(
        f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id",  # noqa: S608 - ours
        list(values.values()),
    )
    return cursor.fetchone()[0]


def _area(cursor) -> int:
    """A fictional area, every column given (Django's defaults are not the database's)."""
    given = {
        "name": "Testarea-Migration (fictional)",
        "slug": "testarea-migration",
        "front_door_name": "Testdoor",
        "front_door_phone": "0800 000 0000",
    }
    values = {
        f.column: given.get(f.attname, f.get_default())
        for f in Area._meta.concrete_fields
        if not f.primary_key
    }
    return _insert(cursor, "panel_area", values)


def _ethnicities(cursor, ids: list[int]) -> dict[int, tuple]:
    marks = ", ".join(["%s"] * len(ids))
    cursor.execute(f"SELECT * FROM cases_child WHERE id IN ({marks})", ids)  # noqa: S608
    names = [column[0] for column in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {row["id"]: (row["ethnicity"], row.get("ethnicity_code")) for row in rows}


@pytest.mark.django_db(transaction=True)
def test_0015_keeps_the_typed_ethnicity_and_codes_every_child_not_known():
    # The owner's connection where the app has its own role (which may not alter tables).
    connection = db_owner.owner_connection()
    now = timezone.now()
    try:
        _migrate(connection, [BEFORE])
        with connection.cursor() as cursor:
            area = _area(cursor)
            ids = [
                _insert(
                    cursor,
                    "cases_child",
                    {
                        "first_name": f"Testchild-{n:04d}",
                        "last_name": "Migration-Example",
                        "known_as": "",
                        "date_of_birth": dt.date(2012, 1, 1),
                        "gender": "female",
                        "ethnicity": typed,
                        "area_id": area,
                        "school_or_setting": "",
                        "address": "",
                        "name_key": "",
                        "first_name_key": "",
                        "last_name_key": "",
                        "known_as_key": "",
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                    },
                )
                for n, typed in enumerate(TYPED)
            ]
            # Before 0015 there is no code at all.
            assert {code for _, code in _ethnicities(cursor, ids).values()} == {None}

        _migrate(connection, _everything(connection))

        expected = dict(zip(ids, TYPED, strict=True))
        with connection.cursor() as cursor:
            assert _ethnicities(cursor, ids) == {
                pk: (typed, "not_known") for pk, typed in expected.items()
            }
        # The model reads them the same way (the default connection: the app's role).
        children = Child.objects.filter(pk__in=ids)
        assert {c.pk: (c.ethnicity, c.ethnicity_code) for c in children} == {
            pk: (typed, "not_known") for pk, typed in expected.items()
        }
        assert {c.details_not_known()[-1] for c in children} == {"ethnic group"}

        # Reversed, 0015 drops only the code: the typed text stays as it was.
        _migrate(connection, [BEFORE])
        with connection.cursor() as cursor:
            assert _ethnicities(cursor, ids) == {
                pk: (typed, None) for pk, typed in expected.items()
            }
    finally:
        _migrate(connection, _everything(connection))
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM cases_child WHERE last_name = 'Migration-Example'")
            cursor.execute("DELETE FROM panel_area WHERE slug = 'testarea-migration'")
