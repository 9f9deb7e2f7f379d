"""The database of a service's read models, with tracking in the same transaction.

Read models are plain SQLAlchemy Core tables so one definition runs on SQLite
(default: a file beside the event store) and on PostgreSQL (the service's own
database). A projection changes its tables and records the Kafka position it
reached inside one transaction (:meth:`ViewStore.tracked`), which is what makes
a redelivered message harmless.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import IntegrityError, Tracking
from pydantic_core import to_json
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Index,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    event,
    select,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError as SQLIntegrityError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import DateTime

from servicekit.settings import ServiceSettings

POOL_SIZE = 20
#: SQLite's page cache per connection (its default is 2 MiB): a batch's upserts land on
#: pages all over a read model's indexes, which then need not be read again
CACHE_KIB = 32 * 1024
#: WAL pages between checkpoints (default 1000): a batch of a few thousand upserts
#: dirties more than that, so every commit also ran a checkpoint and its fsync
WAL_CHECKPOINT_PAGES = 20_000


def views_url(settings: ServiceSettings) -> str:
    if settings.event_store == "postgres" and settings.postgres_dsn:
        return settings.postgres_dsn.replace("postgresql://", "postgresql+psycopg://", 1)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{settings.data_dir / 'views.sqlite'}"


def json_text(value: object) -> str:
    """JSON columns' serialiser: pydantic-core's, a third of the standard library's cost
    (every timeline entry carries its event's data)."""
    return to_json(value).decode()


def _sqlite_pragmas(dbapi_connection: object, _: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
    cursor.close()


class _UtcDateTime(sqlite.DATETIME):
    """SQLite keeps a time without its zone; a zoned column's times are written in UTC,
    so they are read back in UTC: every time a read model answers carries its offset."""

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        read = super().result_processor(dialect, coltype)
        if not self.timezone or read is None:
            return read

        def process(value: object) -> datetime | None:
            moment: datetime | None = read(value)
            if moment is not None and moment.tzinfo is None:
                return moment.replace(tzinfo=UTC)
            return moment

        return process


def read_times_in_utc(engine: Engine) -> None:
    """Have ``engine`` read zoned times back with their UTC offset (SQLite keeps none)."""
    if engine.dialect.name == "sqlite":
        engine.dialect.colspecs = {**engine.dialect.colspecs, DateTime: _UtcDateTime}


class ViewStore:
    """Tables of read models plus their tracking table, in one database."""

    def __init__(self, url: str, metadata: MetaData) -> None:
        self.metadata = metadata
        self.tracking = Table(
            "view_tracking",
            metadata,
            Column("application_name", String(255), primary_key=True),
            Column("notification_id", BigInteger, nullable=False),
            extend_existing=True,
        )
        self.versions = Table(
            "view_applied_versions",
            metadata,
            Column("stream", String(400), primary_key=True),
            Column("version", BigInteger, nullable=False),
            extend_existing=True,
        )
        # Queries that wait for a change hold a connection each: a pool smaller than
        # the request threads made SQLAlchemy open (and set up) a connection per query.
        # Last in, first out: the connection used last has the warmest page cache.
        self.engine: Engine = create_engine(
            url,
            pool_pre_ping=not url.startswith("sqlite"),
            json_serializer=json_text,
            **(
                {}
                if url == "sqlite://"
                else {"pool_size": POOL_SIZE, "max_overflow": 20, "pool_use_lifo": True}
            ),
        )
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        read_times_in_utc(self.engine)
        # Every batch reads and moves its tracking record: the statements are built
        # once, since building one cost SQLAlchemy more than the database's answer.
        name = self.tracking.c.application_name
        self._tracked_position = select(self.tracking.c.notification_id).where(
            name == bindparam("tracked_name")
        )
        self._advance = (
            update(self.tracking)
            .where(name == bindparam("tracked_name"))
            .where(self.tracking.c.notification_id < bindparam("tracked_position"))
            .values(notification_id=bindparam("tracked_position"))
        )
        self._first_position = self.tracking.insert().values(
            application_name=bindparam("tracked_name"),
            notification_id=bindparam("tracked_position"),
        )
        self._deferred: list[Index] = []
        self._deferring = threading.Lock()
        metadata.create_all(self.engine)
        self._create_missing_indexes()

    def position(self, application_name: str, connection: Connection | None = None) -> int | None:
        """The last position recorded, read in ``connection``'s transaction if given."""
        if connection is not None:
            found: int | None = connection.scalar(
                self._tracked_position, {"tracked_name": application_name}
            )
            return found
        with self.engine.connect() as connecting:
            return self.position(application_name, connecting)

    @contextmanager
    def tracked(self, *trackings: Tracking) -> Iterator[Connection]:
        """A transaction whose changes commit only with newer tracking records (one per
        partition the changes come from)."""
        with self.engine.begin() as connection:
            yield connection
            for tracking in trackings:
                self._record(connection, tracking)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    @contextmanager
    def changing(self) -> Iterator[Connection]:
        """A transaction with no tracking record: for the deferred effects of messages
        tracked already (e.g. messages parked until a reference became known)."""
        with self.engine.begin() as connection:
            yield connection

    def _record(self, connection: Connection, tracking: Tracking) -> None:
        position = {
            "tracked_name": tracking.application_name,
            "tracked_position": tracking.notification_id,
        }
        if connection.execute(self._advance, position).rowcount:
            return
        known = connection.scalar(self._tracked_position, position)
        if known is not None:
            raise IntegrityError(
                f"{tracking.application_name} is at {known}, not before {tracking.notification_id}"
            )
        try:
            connection.execute(self._first_position, position)
        except SQLIntegrityError as race:
            raise IntegrityError(f"{tracking.application_name} recorded concurrently") from race

    def drop(self) -> None:
        """Drop every read model and its tracking, for a rebuild from offset 0."""
        self.metadata.drop_all(self.engine)
        self.metadata.create_all(self.engine)

    def defer(self, indexes: Iterable[Index]) -> None:
        """Drop these indexes until :meth:`build_deferred_indexes`.

        A replay into an empty store would otherwise insert every entry of every index
        one by one, at random places once an index outgrows the page cache: building
        the timeline's at the end instead made a rebuild of a million events on SQLite
        ~28% faster. Only for indexes that queries need, not the replaying
        projection's own writes: a statement that needs one builds them first.
        """
        with self._deferring, self.engine.begin() as connection:
            for index in indexes:
                index.drop(connection, checkfirst=True)
                self._deferred.append(index)

    def build_deferred_indexes(self, connection: Connection | None = None) -> None:
        """Build the indexes :meth:`defer` dropped: in ``connection``'s transaction if
        given, where they are built again at the end if it rolls back; else for good."""
        with self._deferring:
            if connection is not None:
                for index in self._deferred:
                    index.create(connection, checkfirst=True)
                return
            with self.engine.begin() as connecting:
                for index in self._deferred:
                    index.create(connecting, checkfirst=True)
            self._deferred.clear()

    def _create_missing_indexes(self) -> None:
        """``create_all`` creates the indexes of new tables only: a replay stopped before
        it built what it deferred left existing tables without them."""
        with self.engine.begin() as connection:
            for table in self.metadata.sorted_tables:
                for index in table.indexes:
                    index.create(connection, checkfirst=True)

    def close(self) -> None:
        self.engine.dispose()
