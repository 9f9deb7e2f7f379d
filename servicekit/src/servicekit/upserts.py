"""Rows written in bulk: one statement per table for a whole batch of a read model.

Read models write with ``INSERT ... ON CONFLICT``, which SQLite and PostgreSQL both
support, each through its own SQLAlchemy dialect. A batch's rows go out together:
on SQLite through the driver's executemany (:mod:`servicekit.executemany`), on
PostgreSQL as one JSON document that ``json_populate_recordset`` reads back into
the table's row type.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

from pydantic_core import to_json
from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    Executable,
    String,
    Table,
    bindparam,
    cast,
    column,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect

from servicekit.executemany import execute_many


def upsert(
    connection: Connection, table: Table, key: dict[str, Any], values: dict[str, Any]
) -> None:
    """Insert or update one row in one statement (``INSERT ... ON CONFLICT``).

    ``key`` must be the table's primary key; both SQLite and PostgreSQL
    support the statement, each through its own SQLAlchemy dialect. The
    statement is built once per shape and given the row as parameters: building
    it with the values inside cost most of a projection's time.
    """
    statement = upsert_statement(connection.dialect.name, table, tuple(key), tuple(values))
    connection.execute(statement, {**key, **values})


@lru_cache(maxsize=1024)
def upsert_statement(
    dialect: str, table: Table, key: tuple[str, ...], columns: tuple[str, ...]
) -> Executable:
    if dialect == "postgresql":
        on_postgres = postgresql_insert(table)
        if not columns:
            return on_postgres.on_conflict_do_nothing(index_elements=list(key))
        updates = {name: on_postgres.excluded[name] for name in columns}
        return on_postgres.on_conflict_do_update(index_elements=list(key), set_=updates)
    on_sqlite = sqlite_insert(table)
    if not columns:
        return on_sqlite.on_conflict_do_nothing(index_elements=list(key))
    updates = {name: on_sqlite.excluded[name] for name in columns}
    return on_sqlite.on_conflict_do_update(index_elements=list(key), set_=updates)


def upsert_many(
    connection: Connection, table: Table, key: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    """Insert or update many rows in one executemany: a batch's rows in one round trip.

    Every row has the same columns; a later row for the same key wins.
    """
    if not rows:
        return
    ident = itemgetter(*key)
    latest = list({ident(row): row for row in rows}.values())
    upsert_rows(connection, table, tuple(key), latest)


def upsert_rows(
    connection: Connection, table: Table, key: tuple[str, ...], rows: Sequence[dict[str, Any]]
) -> None:
    """Insert or update rows of distinct keys and the same columns, in one go."""
    _write_rows(connection, table, key, rows)


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows of the same columns whose key the database generates, in order."""
    _write_rows(connection, table, (), rows)


def _write_rows(
    connection: Connection, table: Table, key: tuple[str, ...], rows: Sequence[dict[str, Any]]
) -> None:
    """On PostgreSQL, one statement whose rows come as one JSON array, read back into
    the table's row type by ``json_populate_recordset``: psycopg's executemany sends a
    statement per row (pipelined), ~15 µs of Python a row on this machine, and arrays
    of parameters cost it a regular expression per value. Elsewhere, and for tables
    whose defaults SQLAlchemy computes, the driver's executemany."""
    columns = tuple(name for name in rows[0] if name not in key)
    dialect = connection.dialect
    sql = _populating_insert(dialect, table, key, columns) if dialect.name == "postgresql" else None
    if sql is None:
        statement = upsert_statement(dialect.name, table, key, columns) if key else _insert(table)
        execute_many(connection, statement, rows)
        return
    # plain strings: column names are SQLAlchemy's quoted_name, a str subclass that
    # pydantic-core serialises by asking its attributes (~3 µs a key)
    names = tuple(str(name) for name in (*key, *columns))
    document = to_json([{name: row[name] for name in names} for row in rows])
    connection.exec_driver_sql(sql, {"rows": document.decode()})


@lru_cache(maxsize=1024)
def _populating_insert(
    dialect: Dialect, table: Table, key: tuple[str, ...], columns: tuple[str, ...]
) -> str | None:
    """The statement, or None when the table has column defaults SQLAlchemy computes
    (which only its own per-row path fills in)."""
    names = (*key, *columns)
    row_type: ColumnElement[Any] = literal_column(
        f"NULL::{dialect.identifier_preparer.format_table(table)}"
    )
    document = cast(bindparam("rows", type_=String()), JSON)
    populated = func.json_populate_recordset(row_type, document).alias("populated")
    rows = select(*(column(name) for name in names)).select_from(populated)  # type: ignore[var-annotated]
    insert = postgresql_insert(table).from_select(list(names), rows)
    if key and not columns:
        insert = insert.on_conflict_do_nothing(index_elements=list(key))  # type: ignore[assignment]
    elif key:
        updates = {name: insert.excluded[name] for name in columns}
        insert = insert.on_conflict_do_update(index_elements=list(key), set_=updates)  # type: ignore[assignment]
    compiled = insert.compile(dialect=dialect)
    if set(compiled.binds) != {"rows"}:  # type: ignore[attr-defined]
        return None
    return str(compiled)


@lru_cache(maxsize=256)
def _insert(table: Table) -> Executable:
    return table.insert()
