"""The two kinds of consumer handler a service writes.

- :class:`Projection` keeps read models in a :class:`ViewStore`;
- :class:`Inbox` turns messages into commands on the service's aggregates.

Both apply a whole partition batch in one transaction with its tracking record.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import MutableOrImmutableAggregate
from eventsourcing.persistence import Tracking
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

from servicekit.consumer import Delivery, tracking_name
from servicekit.eventstore import CausedEvents, ServiceApplication
from servicekit.executemany import execute_many
from servicekit.keysets import rows_among
from servicekit.views import ViewStore

T = TypeVar("T")


class Projection:
    """Base of read-model handlers: implement :meth:`project`."""

    name = "views"
    topics: tuple[str, ...] = ()

    def __init__(self, store: ViewStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._waiting: defaultdict[str, set[threading.Event]] = defaultdict(set)

    def position(self, topic: str, partition: int) -> int | None:
        return self.store.position(tracking_name(topic, partition))

    def apply(self, deliveries: Sequence[Delivery], tracking: Tracking) -> None:
        self.apply_many([(deliveries, tracking)])

    def apply_many(self, batches: Sequence[tuple[Sequence[Delivery], Tracking]]) -> None:
        """Apply several partitions' batches in one transaction with all their tracking
        records: a poll's worth of messages pays for one commit, not one per partition.

        The batches are projected one after the other, as separate transactions
        would have applied them.
        """
        touched: set[str] = set()
        deliveries = [delivery for batch, _ in batches for delivery in batch]
        with self.store.tracked(*(tracking for _, tracking in batches)) as connection:
            deliveries = unapplied(connection, self.store.versions, deliveries)
            self.project_batch(connection, deliveries)
        for delivery in deliveries:
            touched.update(self.keys_of(delivery))
        with self._lock:
            for key in touched & self._waiting.keys():
                for signal in self._waiting[key]:
                    signal.set()

    def project_batch(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        """Apply a partition's batch; override to write it in bulk (see :func:`upsert_many`)."""
        for delivery in deliveries:
            with delivery.caused():
                self.project(connection, delivery)

    def keys_of(self, delivery: Delivery) -> Iterable[str]:
        """The keys of the read model a message may change, for :meth:`wait_for`."""
        return ()

    def wait_for(self, key: str, query: Callable[[], T | None], timeout: float) -> T | None:
        """Answer ``query`` once it has an answer, waiting up to ``timeout`` seconds for a
        message about ``key`` (read models are eventually consistent).

        Only messages about ``key`` wake the waiter, so many waiting clients do
        not re-run their queries for every batch the projection applies. Without a
        timeout the query runs once, with nothing registered.
        """
        if timeout <= 0:
            return query()
        deadline = time.monotonic() + timeout
        while True:
            signal = threading.Event()
            with self._lock:
                self._waiting[key].add(signal)
            try:
                answer = query()  # asked after registering: no change can slip between
                remaining = deadline - time.monotonic()
                if answer is not None or remaining <= 0:
                    return answer
                signal.wait(remaining)
            finally:
                with self._lock:
                    self._waiting[key].discard(signal)
                    if not self._waiting[key]:
                        del self._waiting[key]

    def project(self, connection: Connection, delivery: Delivery) -> None:
        raise NotImplementedError

    def reset(self) -> None:
        self.store.drop()


class Inbox:
    """Base of handlers that act on aggregates: implement :meth:`decide`."""

    name = "inbox"
    topics: tuple[str, ...] = ()

    def __init__(self, app: ServiceApplication) -> None:
        self.app = app

    def position(self, topic: str, partition: int) -> int | None:
        return self.app.position(tracking_name(topic, partition))

    def apply(self, deliveries: Sequence[Delivery], tracking: Tracking) -> None:
        changed: dict[UUID, MutableOrImmutableAggregate[UUID]] = {}
        caused = CausedEvents()
        for delivery in deliveries:
            with delivery.caused() as causality:
                for aggregate in self.decide(delivery, changed):
                    changed[aggregate.id] = aggregate
                    caused.collect(aggregate, causality)
        self.app.save_tracked(tracking, caused)

    def decide(
        self, delivery: Delivery, changed: dict[UUID, MutableOrImmutableAggregate[UUID]]
    ) -> Iterable[MutableOrImmutableAggregate[UUID]]:
        """Return the aggregates this message changed; ``changed`` holds the
        batch's earlier changes, to be used instead of the stored state."""
        raise NotImplementedError


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
    columns = tuple(name for name in rows[0] if name not in key)
    if connection.dialect.name == "postgresql":
        _insert_by_arrays(connection, table, key, columns, rows)
    else:
        execute_many(connection, upsert_statement("sqlite", table, key, columns), rows)


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows of the same columns whose key the database generates, in order."""
    if connection.dialect.name == "postgresql":
        _insert_by_arrays(connection, table, (), tuple(rows[0]), rows)
    else:
        execute_many(connection, _plain_insert(table), rows)


def _insert_by_arrays(
    connection: Connection,
    table: Table,
    key: tuple[str, ...],
    columns: tuple[str, ...],
    rows: Sequence[dict[str, Any]],
) -> None:
    """PostgreSQL: one statement whose rows come as one JSON array, read back into the
    table's row type by ``json_populate_recordset``.

    psycopg's executemany sends a statement per row (pipelined), ~15 µs of Python a
    row on this machine, and arrays of parameters cost it a regular expression per
    value; a JSON document is serialised in one call of pydantic-core.
    """
    sql = _populating_insert(connection.dialect, table, key, columns)
    if sql is None:
        statement = upsert_statement("postgresql", table, key, columns) if key else table.insert()
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
def _plain_insert(table: Table) -> Executable:
    return table.insert()


def unapplied(
    connection: Connection, versions: Table, deliveries: Sequence[Delivery]
) -> list[Delivery]:
    """The deliveries not applied yet; the versions of those recorded in ``versions``
    (in the caller's transaction, with their effect).

    Offsets catch a redelivered message; this catches the same event at another offset:
    a relay that crashed after the broker's acknowledgement and before recording its
    position publishes that batch again. An aggregate's events reach a topic in version
    order, so an event at or below the version applied for its aggregate on that topic
    was applied already. Messages without an aggregate version (the ERP's) are left to
    the read models' own keys.
    """
    streams = [_stream(d) if d.envelope.aggregateversion is not None else None for d in deliveries]
    names = sorted({stream for stream in streams if stream is not None})
    if not names:
        return list(deliveries)
    found = rows_among(connection, versions, "stream", names)
    applied: dict[str, int] = {row.stream: row.version for row in found}
    fresh: list[Delivery] = []
    reached: dict[str, int] = {}
    for delivery, stream in zip(deliveries, streams, strict=True):
        if stream is not None:
            version = delivery.envelope.aggregateversion
            assert version is not None
            latest = reached.get(stream, applied.get(stream))
            if latest is not None and version <= latest:
                continue  # published again: applied already
            reached[stream] = version
        fresh.append(delivery)
    upsert_many(
        connection,
        versions,
        ["stream"],
        [{"stream": stream, "version": version} for stream, version in reached.items()],
    )
    return fresh


def _stream(delivery: Delivery) -> str:
    """An aggregate's events on one topic: where its versions only grow."""
    return f"{delivery.topic}|{delivery.envelope.source}|{delivery.envelope.subject}"
