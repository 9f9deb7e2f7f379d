"""The database of a service's read models, with tracking in the same transaction.

Read models are plain SQLAlchemy Core tables so one definition runs on SQLite
(default: a file beside the event store) and on PostgreSQL (the service's own
database). A projection changes its tables and records the Kafka position it
reached inside one transaction (:meth:`ViewStore.tracked`), which is what makes
a redelivered message harmless.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from eventsourcing.persistence import IntegrityError, Tracking
from pydantic_core import to_json
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    event,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError as SQLIntegrityError
from sqlalchemy.pool import ConnectionPoolEntry

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
        metadata.create_all(self.engine)

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

    def close(self) -> None:
        self.engine.dispose()
