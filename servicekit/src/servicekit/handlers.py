"""The two kinds of consumer handler a service writes.

- :class:`Projection` keeps read models in a :class:`ViewStore`;
- :class:`Inbox` turns messages into commands on the service's aggregates.

Both apply a whole partition batch in one transaction with its tracking record;
a projection also applies several partitions' batches together (one commit a poll).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import MutableOrImmutableAggregate
from eventsourcing.persistence import Tracking
from sqlalchemy import Connection, Index, Table

from servicekit.consumer import Delivery, tracking_name
from servicekit.eventstore import CausedEvents, ServiceApplication
from servicekit.keysets import rows_among
from servicekit.upserts import upsert_many
from servicekit.views import ViewStore

T = TypeVar("T")


class Projection:
    """Base of read-model handlers: implement :meth:`project`."""

    name = "views"
    topics: tuple[str, ...] = ()
    #: indexes that only queries need: a replay builds them at its end (see ViewStore.defer)
    deferred_indexes: tuple[Index, ...] = ()

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

    def reset_for_replay(self) -> None:
        """Reset, leaving :attr:`deferred_indexes` to be built once the replay is done."""
        self.reset()
        self.store.defer(self.deferred_indexes)


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
