"""Rows written in bulk (execute_many, and the upserts built on it) read back exactly as
SQLAlchemy's own statements write them, on both stores."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    select,
)
from sqlalchemy.dialects import sqlite

from servicekit.executemany import execute_many, sqlite_datetime
from servicekit.settings import ServiceSettings
from servicekit.upserts import insert_rows, upsert, upsert_rows, upsert_statement
from servicekit.views import ViewStore, views_url

metadata = MetaData()


def purchases_table(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("purchase_id", String(20), primary_key=True),
        Column("placed_at", DateTime(timezone=True), nullable=False),
        Column("placed_on", Date, nullable=False),
        Column("total", Numeric(12, 2), nullable=False),
        Column("quantity", Integer, nullable=False),
        Column("gift", Boolean, nullable=False),
        Column("categories", JSON, nullable=False),
        Column("note", String(40)),
    )


purchases = purchases_table("purchases")
written_by_sqlalchemy = purchases_table("written_by_sqlalchemy")
journal = Table(
    "journal",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("text", String(40), nullable=False),
)
flagged = Table(
    "flagged",
    metadata,
    Column("item_id", String(20), primary_key=True),
    Column("label", String(40), nullable=False),
    Column("flag", Boolean, nullable=False, default=False),  # computed by SQLAlchemy
)


@pytest.fixture
def store(store_settings: Callable[[str], ServiceSettings]) -> Iterator[ViewStore]:
    views = ViewStore(views_url(store_settings("executemany")), metadata)
    yield views
    views.close()


def purchase(n: int, **changes: Any) -> dict[str, Any]:
    row = {
        "purchase_id": f"p-{n}",
        "placed_at": datetime(2026, 3, n, 9, 30, 15, 123456, tzinfo=UTC),
        "placed_on": date(2026, 3, n),
        "total": Decimal(f"{n}99.95"),
        "quantity": n,
        "gift": n % 2 == 0,
        "categories": {"favourite": ["garden", "tools"][: n % 3], "note": "naïve ☕"},
        "note": None if n % 2 else f"note {n}",
    }
    return row | changes


def contents(store: ViewStore, table: Table) -> list[tuple[Any, ...]]:
    with store.reading() as connection:
        return [tuple(row) for row in connection.execute(select(table).order_by(table.c[0]))]


def test_inserted_rows_read_back_as_sqlalchemy_writes_them(store: ViewStore) -> None:
    rows = [purchase(n) for n in range(1, 6)]

    with store.changing() as connection:
        execute_many(connection, purchases.insert(), rows)
        connection.execute(written_by_sqlalchemy.insert(), rows)

    written = contents(store, purchases)
    assert written == contents(store, written_by_sqlalchemy)
    assert written[0][1].replace(tzinfo=UTC) == datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
    assert written[2][3] == Decimal("399.95")
    assert written[3][6] == {"favourite": ["garden"], "note": "naïve ☕"}


def test_an_upsert_changes_the_rows_it_names_and_inserts_the_new_ones(store: ViewStore) -> None:
    with store.changing() as connection:
        execute_many(connection, purchases.insert(), [purchase(n) for n in range(1, 4)])
        statement = upsert_statement(
            connection.dialect.name, purchases, ("purchase_id",), tuple(purchase(1))[1:]
        )
        execute_many(
            connection,
            statement,
            [purchase(2, total=Decimal("5.00"), note="refunded"), purchase(4)],
        )

    with store.reading() as connection:
        found = {
            row.purchase_id: (row.total, row.note, row.quantity)
            for row in connection.execute(select(purchases))
        }
    assert found == {
        "p-1": (Decimal("199.95"), None, 1),
        "p-2": (Decimal("5.00"), "refunded", 2),
        "p-3": (Decimal("399.95"), None, 3),
        "p-4": (Decimal("499.95"), "note 4", 4),
    }


def test_a_statement_whose_columns_differ_from_the_rows_takes_sqlalchemys_path(
    store: ViewStore,
) -> None:
    statement = purchases.insert().values(note="from the statement")
    row = purchase(1)
    del row["note"]

    with store.changing() as connection:
        execute_many(connection, statement, [row])

    assert contents(store, purchases)[0][7] == "from the statement"


def test_upserted_rows_read_back_as_one_statement_per_row_writes_them(store: ViewStore) -> None:
    first = [purchase(n) for n in range(1, 4)]
    then = [purchase(2, total=Decimal("5.00"), note="refunded"), purchase(4)]
    key = ("purchase_id",)

    with store.changing() as connection:
        upsert_rows(connection, purchases, key, first)
        upsert_rows(connection, purchases, key, then)
        for row in first + then:
            upsert(connection, written_by_sqlalchemy, {"purchase_id": row["purchase_id"]}, row)

    written = contents(store, purchases)
    assert written == contents(store, written_by_sqlalchemy)
    assert [(row[0], row[3], row[7]) for row in written] == [
        ("p-1", Decimal("199.95"), None),
        ("p-2", Decimal("5.00"), "refunded"),
        ("p-3", Decimal("399.95"), None),
        ("p-4", Decimal("499.95"), "note 4"),
    ]


def test_appended_rows_get_their_keys_in_the_order_given(store: ViewStore) -> None:
    with store.changing() as connection:
        insert_rows(connection, journal, [{"text": f"entry {n}"} for n in range(50)])

    assert [text for _, text in contents(store, journal)] == [f"entry {n}" for n in range(50)]


def test_upserts_into_a_table_whose_defaults_sqlalchemy_computes_get_them(
    store: ViewStore,
) -> None:
    with store.changing() as connection:
        upsert_rows(connection, flagged, ("item_id",), [{"item_id": "i-1", "label": "kettle"}])

    assert contents(store, flagged) == [("i-1", "kettle", False)]


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC),
        datetime(2026, 3, 1, 9, 30, 15, tzinfo=UTC),
        datetime(2026, 3, 1, 9, 30, 15, 7),
        datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
        datetime(987, 1, 2, 3, 4, 5, 6),
        TypeAdapter(datetime).validate_json('"2026-03-01T09:30:15.5Z"'),  # pydantic's zone
        date(2026, 3, 1),
        None,
    ],
    ids=repr,
)
def test_sqlite_datetimes_are_written_as_sqlalchemy_writes_them(moment: Any) -> None:
    sqlalchemy_process = sqlite.DATETIME().bind_processor(sqlite.dialect())  # type: ignore[no-untyped-call]
    assert sqlalchemy_process is not None
    assert sqlite_datetime(sqlalchemy_process)(moment) == sqlalchemy_process(moment)
