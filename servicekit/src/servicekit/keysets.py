"""Rows whose key is among many values, asked with one bound parameter.

``column.in_(values)`` renders a placeholder per value: SQLAlchemy compiles the
statement again for every new count, and PostgreSQL plans a statement of hundreds
of parameters each time (5 ms for 500 references in a 200k-event rebuild). A batch
of a projection asks such questions several times, so here the values travel as
one parameter: an array on PostgreSQL (``= ANY``), a JSON array on SQLite
(``IN (SELECT value FROM json_each(...))``); the statement is the same whatever
their number, built once per table and dialect.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from pydantic_core import to_json
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Row,
    Select,
    String,
    Table,
    any_,
    bindparam,
    column,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY

KEYS = "keys"


def among(dialect: str, key: Column[Any]) -> ColumnElement[bool]:
    """``key`` is one of the values given as the ``keys`` parameter (see :func:`keys`)."""
    if dialect == "postgresql":
        return key == any_(bindparam(KEYS, type_=ARRAY(key.type)))
    listed = func.json_each(bindparam(KEYS, type_=String()))
    return key.in_(select(column("value")).select_from(listed).scalar_subquery())


def keys(dialect: str, values: Iterable[Any]) -> dict[str, Any]:
    """The parameters of a statement built with :func:`among`."""
    listed = list(values)
    return {KEYS: listed if dialect == "postgresql" else to_json(listed).decode()}


def rows_among(
    connection: Connection, table: Table, key: str, values: Iterable[Any]
) -> list[Row[Any]]:
    """Every row of ``table`` whose ``key`` column is one of ``values``, in one query."""
    listed = list(values)
    if not listed:
        return []
    dialect = connection.dialect.name
    return list(connection.execute(_rows_among(dialect, table, key), keys(dialect, listed)))


@lru_cache(maxsize=256)
def _rows_among(dialect: str, table: Table, key: str) -> Select[Any]:
    return select(table).where(among(dialect, table.c[key]))
