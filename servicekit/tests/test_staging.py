"""Staged writes leave the tables as the same statements run one by one would."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Column, Integer, MetaData, Numeric, String, Table, select

from servicekit.staging import Staged
from servicekit.upserts import upsert
from servicekit.views import ViewStore

metadata = MetaData()
orders = Table(
    "orders",
    metadata,
    Column("order_id", String(20), primary_key=True),
    Column("customer_id", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("total", Numeric(10, 2), nullable=False),
)
lines = Table(
    "lines",
    metadata,
    Column("order_id", String(20), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(20), nullable=False),
    Column("returned", Integer, nullable=False),
)
journal = Table(
    "journal",
    metadata,
    Column("entry_id", Integer, primary_key=True),
    Column("note", String(40), nullable=False),
)


@pytest.fixture
def store() -> Iterator[ViewStore]:
    views = ViewStore("sqlite://", metadata)
    yield views
    views.close()


def placed(customer_id: str = "c-1") -> dict[str, object]:
    return {"customer_id": customer_id, "status": "placed", "total": Decimal("10.00")}


def test_a_batch_sees_its_own_changes_before_they_are_written(store: ViewStore) -> None:
    with store.engine.begin() as connection:
        staged = Staged(connection)
        staged.upsert(orders, {"order_id": "o-1"}, placed())
        staged.upsert(orders, {"order_id": "o-1"}, {"status": "paid"})

        seen = staged.row(orders, {"order_id": "o-1"})
        written = connection.execute(select(orders)).all()

    assert seen == {
        "order_id": "o-1",
        "customer_id": "c-1",
        "status": "paid",
        "total": Decimal("10.00"),
    }
    assert written == []


def test_staged_changes_end_as_the_same_upserts_run_one_by_one(store: ViewStore) -> None:
    with store.engine.begin() as connection:  # given an order stored by an earlier batch
        upsert(connection, orders, {"order_id": "o-1"}, placed())
    with store.engine.begin() as connection:
        staged = Staged(connection)
        staged.update(orders, {"order_id": "o-1"}, {"status": "paid"})  # only some columns
        staged.upsert(orders, {"order_id": "o-2"}, placed("c-2"))
        missing = staged.update(orders, {"order_id": "o-3"}, {"status": "paid"})
        staged.flush()
    with store.reading() as connection:
        stored = connection.execute(select(orders).order_by(orders.c.order_id)).all()

    assert missing is False
    assert [tuple(row) for row in stored] == [
        ("o-1", "c-1", "paid", Decimal("10.00")),
        ("o-2", "c-2", "placed", Decimal("10.00")),
    ]


def test_the_rows_under_a_key_include_stored_and_staged_ones(store: ViewStore) -> None:
    with store.engine.begin() as connection:
        upsert(connection, lines, {"order_id": "o-1", "line_no": 0}, {"sku": "a", "returned": 0})
    with store.engine.begin() as connection:
        staged = Staged(connection)
        staged.upsert(lines, {"order_id": "o-1", "line_no": 1}, {"sku": "b", "returned": 0})
        staged.upsert(lines, {"order_id": "o-1", "line_no": 0}, {"returned": 1})
        staged.upsert(lines, {"order_id": "o-2", "line_no": 0}, {"sku": "c", "returned": 0})

        found = staged.rows_under(lines, "o-1")

    assert [(row["line_no"], row["sku"], row["returned"]) for row in found] == [
        (0, "a", 1),
        (1, "b", 0),
    ]


def test_appended_rows_keep_their_order(store: ViewStore) -> None:
    with store.engine.begin() as connection:
        staged = Staged(connection)
        for note in ("first", "second", "third"):
            staged.append(journal, {"note": note})
        staged.flush()
    with store.reading() as connection:
        notes = connection.scalars(select(journal.c.note).order_by(journal.c.entry_id)).all()

    assert notes == ["first", "second", "third"]
