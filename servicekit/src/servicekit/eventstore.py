"""The event store of a service: eventsourcing on SQLite (default) or PostgreSQL.

Every service's Application derives from :class:`ServiceApplication`, which
- records through a *process recorder*, so that an effect caused by a Kafka
  message is stored with its tracking record in one transaction;
- stores the causality (actor, correlation and causation ids) beside each
  event's state, so the relay can publish it without the domain knowing;
- tells listeners when new events were recorded, so the relay wakes at once.
"""

from __future__ import annotations

import pickle
import random
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import date
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    LRUCache,
    ProcessingEvent,
    Repository,
    project_aggregate,
)
from eventsourcing.domain import BaseAggregate, DomainEventProtocol, MutableOrImmutableAggregate
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Mapper,
    ProcessRecorder,
    StoredEvent,
    Tracking,
    Transcoding,
)
from eventsourcing.utils import get_topic

from servicekit import context
from servicekit.idempotency import ensure_same_request
from servicekit.settings import ServiceSettings
from servicekit.snapshots import PlainSnapshot

CAUSALITY_KEY = "__causality__"
CONFLICT_ATTEMPTS = 30  # twenty concurrent writers of one aggregate all get through
CURRENT_RECHECK_SECONDS = 1.0
TAggregate = TypeVar("TAggregate", bound=BaseAggregate[UUID])
T = TypeVar("T")


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def store_environment(settings: ServiceSettings) -> dict[str, str]:
    """eventsourcing's environment variables for the configured store."""
    cache = {"AGGREGATE_CACHE_MAXSIZE": str(settings.aggregate_cache_size)}
    if settings.event_store == "postgres":
        if not settings.postgres_dsn:
            raise ValueError("event_store=postgres needs a postgres_dsn")
        return {**postgres_environment(settings.postgres_dsn), **cache}
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(settings.data_dir / "events.sqlite"),
        "SQLITE_LOCK_TIMEOUT": "10",
        **cache,
    }


def postgres_environment(dsn: str) -> dict[str, str]:
    url = urlsplit(dsn)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": url.path.lstrip("/"),
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_POOL_SIZE": "5",
        "POSTGRES_MAX_OVERFLOW": "5",
        "POSTGRES_LOCK_TIMEOUT": "5",
    }


class CausalityMapper(Mapper[UUID]):
    """Stores the current causality beside each event's own state."""

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        event_state = dict(vars(domain_event))
        originator_id = event_state.pop("originator_id")
        originator_version = event_state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            event_state["class_version"] = class_version
        pinned = _pinned_causality.get() or {}
        causality = pinned.get(id(domain_event)) or context.current()
        event_state[CAUSALITY_KEY] = causality.as_dict()
        stored_state = self.transcoder.encode(event_state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(type(domain_event)),
            state=stored_state,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        return self.to_domain_event_with_causality(stored_event)[0]

    def to_domain_event_with_causality(
        self, stored_event: StoredEvent
    ) -> tuple[DomainEventProtocol[UUID], dict[str, str]]:
        domain_event = super().to_domain_event(stored_event)
        causality: dict[str, str] = domain_event.__dict__.pop(CAUSALITY_KEY, {})
        return domain_event, causality


_pinned_causality: ContextVar[dict[int, context.Causality] | None] = ContextVar(
    "pinned_causality", default=None
)


class CausedEvents:
    """New events of a batch of messages, each remembering the message that caused it."""

    def __init__(self) -> None:
        self.events: list[DomainEventProtocol[UUID]] = []
        self.causality: dict[int, context.Causality] = {}
        self.aggregates: dict[UUID, MutableOrImmutableAggregate[UUID]] = {}

    def collect(
        self, aggregate: MutableOrImmutableAggregate[UUID], causality: context.Causality
    ) -> None:
        for new_event in aggregate.collect_events():  # type: ignore[union-attr]
            self.events.append(new_event)
            self.causality[id(new_event)] = causality
        self.aggregates[aggregate.id] = aggregate


class StoreRepository(Repository[UUID]):
    """The repository of a service's aggregates, with two economies.

    - Whether an aggregate exists is asked of the store with one indexed read, not by
      rebuilding it: ``if id in repository: repository.get(id)`` loads it once.
    - Recently used aggregates stay in memory, pickled, and are brought up to date with
      one read of the events after the kept version: a budget every order charges, an
      account whose order is paid moments after it was placed. Each read unpickles its
      own copy (several times cheaper than a deep copy), so a command that fails, or
      one running in another thread, never changes what others read.
    """

    def __init__(self, recorder: ProcessRecorder, cache_size: int, **options: Any) -> None:
        super().__init__(**options)
        self.recorder = recorder
        self.kept: LRUCache[UUID, bytes] | None = LRUCache(cache_size) if cache_size else None

    def __contains__(self, item: UUID) -> bool:
        return bool(self.recorder.select_events(item, limit=1))

    def get(  # type: ignore[override]
        self,
        aggregate_id: UUID,
        *,
        version: int | None = None,
        projector_func: Any = project_aggregate,
        **options: Any,
    ) -> Any:
        if self.kept is None or version is not None:
            return super().get(aggregate_id, version=version, projector_func=projector_func)
        try:
            kept = self.kept.get(aggregate_id)
        except KeyError:
            aggregate = self._reconstruct_aggregate(aggregate_id, None, projector_func)
        else:
            aggregate = pickle.loads(kept)  # noqa: S301 - bytes this process pickled itself
            version = aggregate.version
            newer = self.event_store.get(originator_id=aggregate_id, gt=version)
            aggregate = projector_func(aggregate, newer)
            if aggregate.version == version:
                return aggregate
        self.kept.put(aggregate_id, pickle.dumps(aggregate, pickle.HIGHEST_PROTOCOL))
        return aggregate


class ServiceApplication(Application[UUID]):
    """Base of every service's Application.

    A service lists its long-lived aggregates in ``snapshotting_intervals`` (kind:
    every how many events); they are snapshotted as they cross each interval, from
    the state just saved, whether a command or a consumed message saved them.
    """

    recorder: ProcessRecorder
    mapper: CausalityMapper
    snapshot_class = PlainSnapshot

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self._listeners: list[Callable[[], None]] = []
        self._current: dict[UUID, tuple[float, Any]] = {}
        super().__init__(env)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def construct_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()

    def construct_repository(self) -> Repository[UUID]:
        """Recently used aggregates stay in memory and are brought up to date from the
        store on each read (one query for the events after the cached version): a budget
        every order charges, an account whose order is paid moments after it was placed.
        Each read gets its own copy, so a command that fails leaves the cache as stored."""
        cache_size = int(self.env.get(self.AGGREGATE_CACHE_MAXSIZE) or 0)
        return StoreRepository(
            self.recorder, cache_size, event_store=self.events, snapshot_store=self.snapshots
        )

    def construct_mapper(self) -> CausalityMapper:
        mapper = self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=CausalityMapper
        )
        assert isinstance(mapper, CausalityMapper)
        return mapper

    def fetch(self, kind: type[TAggregate], aggregate_id: UUID) -> TAggregate:
        """The ``kind`` of aggregate at ``aggregate_id``. Ids of every kind share one
        store: the id of another kind names no ``kind`` (404), rather than, say, a
        customer read as if it were a lead."""
        found: object = self.repository.get(aggregate_id)
        if not isinstance(found, kind):
            raise AggregateNotFoundError(aggregate_id)
        return found

    def current(self, aggregate_id: UUID) -> Any | None:
        """An aggregate that many commands read and few change (a programme's rules, the
        board of promotions), or None before it exists. Served from memory: this
        process's own saves refresh it at once, another replica's within
        ``CURRENT_RECHECK_SECONDS`` (one indexed read tells whether it moved). Callers
        only read it: a command that changes it loads its own copy."""
        known = self._current.get(aggregate_id)
        now = time.monotonic()
        if known is not None and now - known[0] < CURRENT_RECHECK_SECONDS:
            return known[1]
        latest = self.recorder.select_events(aggregate_id, desc=True, limit=1)
        if not latest:
            return None
        version = latest[0].originator_version
        if known is None or known[1].version != version:
            known = (now, self.repository.get(aggregate_id, version=version))
        self._current[aggregate_id] = (now, known[1])
        return known[1]

    def on_recorded(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (from the writing thread) after events are recorded."""
        self._listeners.append(listener)

    def _notify(self, recordings: list[Any]) -> None:
        if recordings:
            for listener in self._listeners:
                listener()

    def save_tracked(self, tracking: Tracking, caused: CausedEvents | None = None) -> None:
        """Store the events caused by messages and the tracking record atomically.

        With nothing to store, the tracking record alone is stored, so that a
        message which had no effect is still not processed again.
        """
        if caused is None or not caused.events:
            self.recorder.insert_tracking(tracking)
            return
        processing_event: ProcessingEvent[UUID] = ProcessingEvent(tracking)
        processing_event.collect_events(*caused.events)
        token = _pinned_causality.set(caused.causality)
        try:
            recordings = self._record(processing_event)
        finally:
            _pinned_causality.reset(token)
        self._snapshot(caused.aggregates, caused.events)
        self._notify(recordings)

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Any]:
        recordings = super()._record(processing_event)
        for saved in processing_event.events:
            self._current.pop(saved.originator_id, None)  # read afresh next time
        return recordings

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        self._snapshot(processing_event.aggregates, processing_event.events)

    def _snapshot(
        self,
        aggregates: Mapping[UUID, MutableOrImmutableAggregate[UUID]],
        events: list[DomainEventProtocol[UUID]],
    ) -> None:
        """Snapshot each aggregate whose saved events crossed a multiple of its interval,
        as it stands now: nothing is read back from the store to take it."""
        if self.snapshots is None or not self.snapshotting_intervals:
            return
        due: dict[UUID, MutableOrImmutableAggregate[UUID]] = {}
        for saved in events:
            aggregate = aggregates.get(saved.originator_id)
            interval = self.snapshotting_intervals.get(type(aggregate))  # type: ignore[arg-type]
            if aggregate is not None and interval and saved.originator_version % interval == 0:
                due[aggregate.id] = aggregate
        if due:
            self.snapshots.put([PlainSnapshot.take(aggregate) for aggregate in due.values()])

    def create_once(
        self, kind: Callable[..., TAggregate], aggregate_id: UUID, request: Mapping[str, Any]
    ) -> TAggregate:
        """Create ``kind(id=aggregate_id, **request)`` unless a retry already did.

        With an id derived from an Idempotency-Key, a retried command finds the
        aggregate the first attempt created; it must carry the same request.
        """
        if aggregate_id in self.repository:
            existing: TAggregate = self.repository.get(aggregate_id)
            ensure_same_request(existing, request)
            return existing
        aggregate = kind(id=aggregate_id, **request)
        self.save(aggregate)
        return aggregate

    def retrying(self, attempt: Callable[[], T], attempts: int = CONFLICT_ATTEMPTS) -> T:
        """Decide again on fresh state when a concurrent writer saved the same aggregate
        first: a shared aggregate (a team's round-robin, a reward's stock) is no reason
        for a client to see a conflict. Backs off a little, at random, so that writers
        who collided do not collide again."""
        for tried in range(1, attempts):
            try:
                return attempt()
            except IntegrityError:
                time.sleep(random.uniform(0, min(0.002 * 2**tried, 0.1)))
        return attempt()

    def position(self, tracking_name: str) -> int | None:
        return self.recorder.max_tracking_id(tracking_name)
