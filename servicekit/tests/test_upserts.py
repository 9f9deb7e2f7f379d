"""Rows written in bulk read back as SQLAlchemy's own statements write them, on both stores."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
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

from servicekit.settings import ServiceSettings
from servicekit.upserts import insert_rows, upsert, upsert_rows
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


purchases = purchases_table("bulk_purchases")
one_by_one = purchases_table("one_by_one_purchases")
journal = Table(
    "bulk_journal",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("text", String(40), nullable=False),
)
flagged = Table(
    "bulk_flagged",
    metadata,
    Column("item_id", String(20), primary_key=True),
    Column("label", String(40), nullable=False),
    Column("flag", Boolean, nullable=False, default=False),  # computed by SQLAlchemy
)


@pytest.fixture
def store(store_settings: Callable[[str], ServiceSettings]) -> Iterator[ViewStore]:
    views = ViewStore(views_url(store_settings("upserts")), metadata)
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


def test_upserted_rows_read_back_as_one_statement_per_row_writes_them(store: ViewStore) -> None:
    first = [purchase(n) for n in range(1, 4)]
    then = [purchase(2, total=Decimal("5.00"), note="refunded"), purchase(4)]
    key = ("purchase_id",)

    with store.changing() as connection:
        upsert_rows(connection, purchases, key, first)
        upsert_rows(connection, purchases, key, then)
        for row in first + then:
            upsert(connection, one_by_one, {"purchase_id": row["purchase_id"]}, row)

    written = contents(store, purchases)
    assert written == contents(store, one_by_one)
    assert [(row[0], row[3], row[7]) for row in written] == [
        ("p-1", Decimal("199.95"), None),
        ("p-2", Decimal("5.00"), "refunded"),
        ("p-3", Decimal("399.95"), None),
        ("p-4", Decimal("499.95"), "note 4"),
    ]
    assert written[0][1].replace(tzinfo=UTC) == datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
    assert written[0][6] == {"favourite": ["garden"], "note": "naïve ☕"}


def test_appended_rows_get_their_keys_in_the_order_given(store: ViewStore) -> None:
    with store.changing() as connection:
        insert_rows(connection, journal, [{"text": f"entry {n}"} for n in range(50)])

    assert [text for _, text in contents(store, journal)] == [f"entry {n}" for n in range(50)]


def test_a_table_whose_defaults_sqlalchemy_computes_gets_them(store: ViewStore) -> None:
    with store.changing() as connection:
        upsert_rows(connection, flagged, ("item_id",), [{"item_id": "i-1", "label": "kettle"}])

    assert contents(store, flagged) == [("i-1", "kettle", False)]
