"""Rows collected per model and written with COPY (psycopg 3), in the caller's transaction.

Column lists come from each model's ``_meta.concrete_fields``, so a column added later with
a default or NULL does not break the generator. A column with a database default the caller
does not give (``AuditEvent.xid``) is left out of the COPY, so the database fills it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import connections, models
from psycopg.types.json import Jsonb

_MISSING = object()


class Columns:
    """How one model's rows are laid out for COPY: the attnames in column order, with the
    default for each one a row does not name (required fields have none)."""

    def __init__(self, model: type[models.Model], given: frozenset[str] = frozenset()) -> None:
        fields = [
            f
            for f in model._meta.concrete_fields
            if not (f.has_db_default() and f.attname not in given)
        ]
        self.model = model
        self.table = model._meta.db_table
        self.attnames = [f.attname for f in fields]
        self.columns = [f.column for f in fields]
        self.json = {i for i, f in enumerate(fields) if isinstance(f, models.JSONField)}
        self.defaults: dict[str, Any] = {}
        for f in fields:
            if f.primary_key:
                continue
            if f.has_default():
                self.defaults[f.attname] = f.get_default()
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                continue  # the caller gives the time the record was made
            elif f.null:
                self.defaults[f.attname] = None
            elif f.blank and isinstance(f, (models.CharField, models.TextField)):
                self.defaults[f.attname] = ""

    def row(self, values: dict[str, Any]) -> tuple:
        out = []
        for name in self.attnames:
            value = values.get(name, _MISSING)
            if value is _MISSING:
                value = self.defaults.get(name, _MISSING)
                if value is _MISSING:
                    raise KeyError(f"{self.table}.{name} has no value and no default")
            out.append(value)
        for i in self.json:
            out[i] = Jsonb(out[i])
        return tuple(out)


_LAYOUTS: dict[type[models.Model], Columns] = {}


def layout(model: type[models.Model]) -> Columns:
    if model not in _LAYOUTS:
        _LAYOUTS[model] = Columns(model)
    return _LAYOUTS[model]


class Rows:
    """Rows to write, per model, with ids handed out from each table's current maximum
    (the batch runs alone, in one transaction), so a batch is the same rows every time."""

    def __init__(self, using: str) -> None:
        self.using = using
        self.rows: dict[type[models.Model], list[tuple]] = defaultdict(list)
        self.order: list[type[models.Model]] = []
        self._next: dict[type[models.Model], int] = {}

    def next_id(self, model: type[models.Model]) -> int:
        if model not in self._next:
            table = model._meta.db_table
            with connections[self.using].cursor() as cursor:
                cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')  # noqa: S608
                self._next[model] = cursor.fetchone()[0] + 1
        value = self._next[model]
        self._next[model] = value + 1
        return value

    def add(self, model: type[models.Model], **values: Any) -> int | None:
        """Queue one row; gives it the next id unless it names one (tables with an ``id``)."""
        if model not in self.rows:
            self.order.append(model)
        if "id" in layout(model).attnames and "id" not in values:
            values["id"] = self.next_id(model)
        self.rows[model].append(layout(model).row(values))
        return values.get("id")

    def count(self) -> dict[str, int]:
        return {m._meta.db_table: len(r) for m, r in self.rows.items()}

    def write(self) -> int:
        """COPY everything queued, parents first (the order models were first added)."""
        raw = connections[self.using].connection
        total = 0
        with raw.cursor() as cursor:
            for model in self.order:
                cols = layout(model)
                names = ", ".join(f'"{c}"' for c in cols.columns)
                with cursor.copy(f'COPY "{cols.table}" ({names}) FROM STDIN') as copy:
                    for row in self.rows[model]:
                        copy.write_row(row)
                total += len(self.rows[model])
        self.rows.clear()
        self.order.clear()
        return total


def utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)
