"""Versions of the read models, built beside the live one and switched to without downtime.

A rebuild beside the live views writes a new version (its own SQLite file, or
its own PostgreSQL schema), then moves the pointer (table ``views_version`` in
the service's base views database). The live service checks the pointer
periodically and switches between two batches, only once the new version has
applied at least as much of every partition as the live one: the consumer
then carries on from the new version's positions, and nothing is lost or
applied twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from urllib.parse import quote

from eventsourcing.persistence import Tracking
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Index,
    MetaData,
    String,
    Table,
    create_engine,
    select,
    text,
    update,
)

from servicekit import periodic
from servicekit.consumer import TrackedConsumer
from servicekit.settings import ServiceSettings
from servicekit.upserts import upsert
from servicekit.views import ViewStore, views_url

log = logging.getLogger(__name__)

pointer_metadata = MetaData()
pointer = Table(
    "views_version",
    pointer_metadata,
    Column("name", String(40), primary_key=True),
    Column("version", String(40), nullable=False),
    Column("served", String(40)),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)
LIVE = "live"


class Pointer:
    """Which version of the views is live, and which one the service serves."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.engine: Engine = create_engine(views_url(settings))
        pointer_metadata.create_all(self.engine)

    def live(self) -> str | None:
        with self.engine.connect() as connection:
            found: str | None = connection.scalar(
                select(pointer.c.version).where(pointer.c.name == LIVE)
            )
        return found

    def served(self) -> str | None:
        with self.engine.connect() as connection:
            found: str | None = connection.scalar(
                select(pointer.c.served).where(pointer.c.name == LIVE)
            )
        return found

    def point(self, version: str) -> None:
        with self.engine.begin() as connection:
            upsert(
                connection,
                pointer,
                {"name": LIVE},
                {"version": version, "changed_at": datetime.now(UTC)},
            )

    def serving(self, version: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(pointer).where(pointer.c.name == LIVE).values(served=version))

    def url(self, version: str | None) -> str:
        """Where a version of the views lives: a file beside the others, or a schema."""
        base = views_url(self.settings)
        if version is None:
            return base
        if self.engine.dialect.name == "sqlite":
            return f"sqlite:///{self.settings.data_dir / f'views-{version}.sqlite'}"
        schema = f"views_{version}"
        with self.engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        separator = "&" if "?" in base else "?"
        return f"{base}{separator}options={quote(f'-csearch_path={schema}')}"

    def close(self) -> None:
        self.engine.dispose()


def new_version() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")


class LiveViews(ViewStore):
    """The views the service serves now: a ViewStore whose version can be switched.

    Every reader and the projection hold this one object; a switch swaps what it
    points to between two transactions of the projection.
    """

    def __init__(self, current: ViewStore, version: str | None) -> None:  # no super(): delegates
        self._current = current
        self.version = version
        self.metadata = current.metadata
        self.tracking = current.tracking
        self.versions = current.versions
        self.switching = threading.RLock()

    @property  # type: ignore[override]
    def engine(self) -> Engine:
        return self._current.engine

    @engine.setter
    def engine(self, engine: Engine) -> None:
        raise AttributeError("switch versions with switch_to, not by engine")

    def position(self, application_name: str, connection: Connection | None = None) -> int | None:
        return self._current.position(application_name, connection)

    @contextmanager
    def tracked(self, *trackings: Tracking) -> Iterator[Connection]:
        with self.switching, self._current.tracked(*trackings) as connection:
            yield connection

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self._current.reading() as connection:
            yield connection

    @contextmanager
    def changing(self) -> Iterator[Connection]:
        with self.switching, self._current.changing() as connection:
            yield connection

    def positions(self) -> dict[str, int]:
        with self._current.reading() as connection:
            rows = connection.execute(select(self.tracking)).all()
        return {row.application_name: row.notification_id for row in rows}

    def switch_to(self, candidate: ViewStore, version: str) -> bool:
        """Serve ``candidate`` if it has applied at least what the live views have."""
        with self.switching:
            ahead = all(
                (candidate.position(name) or -1) >= position
                for name, position in self.positions().items()
            )
            if not ahead:
                return False
            previous, self._current, self.version = self._current, candidate, version
        previous.close()
        return True

    def drop(self) -> None:
        with self.switching:
            self._current.drop()

    def defer(self, indexes: Iterable[Index]) -> None:
        with self.switching:
            self._current.defer(indexes)

    def build_deferred_indexes(self, connection: Connection | None = None) -> None:
        self._current.build_deferred_indexes(connection)

    def close(self) -> None:
        self._current.close()


class Switcher:
    """Follows the pointer: switches the live views to a new version once it caught up."""

    def __init__(
        self, views: LiveViews, pointer: Pointer, consumers: Callable[[], Sequence[TrackedConsumer]]
    ) -> None:
        self.views = views
        self.pointer = pointer
        self.consumers = consumers

    def check(self) -> bool:
        """Switch if the pointer names another version that has caught up; True if switched."""
        wanted = self.pointer.live()
        if wanted is None or wanted == self.views.version:
            return False
        candidate = ViewStore(self.pointer.url(wanted), self.views.metadata)
        if not self.views.switch_to(candidate, wanted):
            candidate.close()
            return False
        for consumer in self.consumers():
            for tp in consumer.assigned:
                consumer.applier.forget(tp)  # read the new version's positions
        self.pointer.serving(wanted)
        log.info("views switched", extra={"version": wanted})
        return True

    def every(self, seconds: float) -> periodic.Job:
        return periodic.every(seconds, self.check, "views version switched")
