"""A batch's changes to read-model tables, written together when the batch ends.

A projection that runs one statement per change spends most of its time in the
per-statement cost of the driver (~80 µs through SQLAlchemy on SQLite, a round
trip on PostgreSQL), which is what held a rebuild to a few thousand messages a
second. Staged, a whole batch's changes go out as one executemany per table and
set of columns, in the same transaction as the batch's tracking record.

Rows are identified by their primary key. Staging values for a row merges them
into what is staged for it, later values winning: what running the same
``INSERT ... ON CONFLICT DO UPDATE`` statements one after the other leaves, since
changes to different rows commute. Reads go through :meth:`Staged.row`, which
sees the staged values over the stored row, so a later message of the batch sees
an earlier one's effect. Appended rows (insert-only tables with a generated key)
keep their order. A read the staging cannot answer goes through
:meth:`Staged.select`, which writes what is staged first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Executable, Row, Table, and_, select

from servicekit.keysets import rows_among
from servicekit.upserts import insert_rows, upsert_rows

Key = tuple[Any, ...]
Values = dict[str, Any]


class Staged:
    """The changes of one batch, over one connection (its transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._staged: dict[Table, dict[Key, Values]] = {}
        self._stored: dict[Table, dict[Key, Values | None]] = {}
        self._appended: dict[Table, list[Values]] = {}
        self._stored_under: dict[tuple[Table, Any], list[Key]] = {}
        self._staged_under: dict[tuple[Table, Any], set[Key]] = {}

    # writing

    def upsert(self, table: Table, key: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        """Insert the row or set these of its columns (like :func:`servicekit.handlers.upsert`)."""
        rows = self._staged.setdefault(table, {})
        ident = _ident(table, key)
        staged = rows.get(ident)
        if staged is None:
            rows[ident] = {**key, **values}
            if len(ident) > 1:
                self._staged_under.setdefault((table, ident[0]), set()).add(ident)
        else:
            staged.update(values)

    def update(self, table: Table, key: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
        """Set these columns of an existing row; False (and nothing staged) when there is none."""
        if self.row(table, key) is None:
            return False
        self.upsert(table, key, values)
        return True

    def append(self, table: Table, row: Mapping[str, Any]) -> None:
        """Insert a row whose key the database generates; appended rows keep their order."""
        self._appended.setdefault(table, []).append(dict(row))

    # reading

    def row(self, table: Table, key: Mapping[str, Any]) -> Values | None:
        """The row as this batch leaves it so far, or None when it does not exist."""
        ident = _ident(table, key)
        stored = self._stored_row(table, ident)
        staged = self._staged.get(table, {}).get(ident)
        if staged is None:
            return stored
        return staged if stored is None else {**stored, **staged}

    def prefetch(self, table: Table, keys: Iterable[Any]) -> None:
        """Read the stored rows of a one-column key in a few queries instead of one each."""
        (column,) = table.primary_key.columns
        known = self._stored.setdefault(table, {})
        wanted = [ident[0] for ident in {(value,) for value in keys} - known.keys()]
        for found in rows_among(self.connection, table, column.name, wanted):
            known[(found._mapping[column.name],)] = dict(found._mapping)
        for value in wanted:
            known.setdefault((value,), None)

    def rows_under(self, table: Table, leading: Any) -> list[Values]:
        """Every row whose key starts with ``leading`` (an order's lines), in key order,
        as this batch leaves them so far."""
        self.prefetch_under(table, [leading])
        stored = set(self._stored_under[(table, leading)])
        idents = stored | self._staged_under.get((table, leading), set())
        known = self._stored.setdefault(table, {})
        for ident in idents - stored:  # every stored row under ``leading`` was read
            known.setdefault(ident, None)
        found = [self.row(table, dict(zip(_key_names(table), i, strict=True))) for i in idents]
        return sorted((dict(r) for r in found if r is not None), key=lambda r: _ident(table, r))

    def prefetch_under(self, table: Table, leading: Iterable[Any]) -> None:
        """Read the stored rows whose keys start with these values, in a few queries."""
        known = self._stored.setdefault(table, {})
        column = table.primary_key.columns[0]
        wanted = [v for v in set(leading) if (table, v) not in self._stored_under]
        for value in wanted:
            self._stored_under[(table, value)] = []
        for found in rows_among(self.connection, table, column.name, wanted):
            row = dict(found._mapping)
            ident = _ident(table, row)
            known.setdefault(ident, row)
            self._stored_under[(table, ident[0])].append(ident)

    def select(
        self, query: Executable, parameters: Mapping[str, Any] | None = None
    ) -> Sequence[Row[Any]]:
        """Run a query the staging cannot answer, after writing what is staged."""
        self.flush()
        return self.connection.execute(query, parameters).all()

    def execute(self, statement: Executable) -> None:
        """Run a change the staging cannot express (a delete, a re-keying), after writing
        what is staged; what was read before is read again afterwards."""
        self.flush()
        self.connection.execute(statement)
        self._stored.clear()
        self._stored_under.clear()

    # writing out

    def flush(self) -> None:
        """Write what is staged: one executemany per table and set of columns."""
        for table, rows in self._staged.items():
            known = self._stored.setdefault(table, {})
            for ident, staged in rows.items():
                stored = known.get(ident)
                if stored is not None:  # whole rows: an insert must satisfy NOT NULL first
                    rows[ident] = {**stored, **staged}
            key = tuple(column.name for column in table.primary_key.columns)
            for group in _by_columns(rows.values()).values():
                upsert_rows(self.connection, table, key, group)
            known.update(rows)
        for table, appended in self._appended.items():
            for group in _by_columns(appended).values():
                insert_rows(self.connection, table, group)
        for under, idents in self._staged_under.items():
            if under in self._stored_under:
                self._stored_under[under] = sorted(set(self._stored_under[under]) | idents)
        self._staged.clear()
        self._staged_under.clear()
        self._appended.clear()

    def _stored_row(self, table: Table, ident: Key) -> Values | None:
        known = self._stored.setdefault(table, {})
        if ident not in known:
            columns = table.primary_key.columns
            condition = and_(*(c == v for c, v in zip(columns, ident, strict=True)))
            found = self.connection.execute(select(table).where(condition)).first()
            known[ident] = None if found is None else dict(found._mapping)
        return known[ident]


def _ident(table: Table, key: Mapping[str, Any]) -> Key:
    names = _key_names(table)
    if len(names) == 1:
        return (key[names[0]],)
    return tuple(key[name] for name in names)


@lru_cache(maxsize=256)
def _key_names(table: Table) -> tuple[str, ...]:
    """Looked up for every staged change: SQLAlchemy's column collections are slow to walk."""
    return tuple(column.name for column in table.primary_key.columns)


def _by_columns(rows: Iterable[Values]) -> dict[tuple[str, ...], list[Values]]:
    """Rows grouped by the columns they set: one executemany needs one statement."""
    groups: dict[tuple[str, ...], list[Values]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return groups
