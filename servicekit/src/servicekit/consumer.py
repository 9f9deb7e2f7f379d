"""Consumer-group runner whose effects are exactly-once through tracking records.

A *handler* applies a batch of messages of one partition and records the
batch's last (topic, partition, offset) in the same transaction as the effect; a
handler that can (a projection) applies all the partitions of a poll in one
transaction, with a tracking record per partition.
The tracking record, not Kafka's committed offset, is the truth: on every
partition assignment the runner seeks to the tracked position + 1, and a
redelivered message (already tracked) is skipped or refused by the store.

A message that cannot be decoded, breaks its contract, or makes the handler
fail for a reason other than an unavailable store goes to ``<topic>.dlq`` with
the reason in its headers; the partition moves on. An unavailable store is
waited out (the message is never dead-lettered for our own outage). How many
messages a group dead-lettered is counted in the DLQ topics themselves
(:mod:`servicekit.deadletters`), so the count survives restarts.

Lag is what the handler has not applied yet, fetched or not, and a consumer whose
applied position stops moving while messages wait reports itself stalled
(:mod:`servicekit.progress`): /readyz shows both, and how old the oldest message
not applied is. ``consumer_applied_total`` counts a message once the handler
committed it.

Handlers are synchronous (eventsourcing and SQLAlchemy are): the runner calls
them in a worker thread from its asyncio task, one poll at a time, and decodes the
next poll meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import IllegalStateError, KafkaError
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from sqlalchemy.exc import DBAPIError

from contracts import ContractViolation, IntegrationEvent, Message, decode
from servicekit import context, kafka, metrics
from servicekit.deadletters import DeadLetterTally
from servicekit.progress import Progress, describe

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_HANDLER_ATTEMPTS = 3
COMMIT_INTERVAL_SECONDS = 5.0
#: records per poll: a commit per poll, so larger polls spread its cost over more messages
MAX_POLL_RECORDS = 5000
#: an idle consumer's fetches are answered every half second (the broker's long poll):
#: silence for longer than this (or the stall time, if longer) means it lost the broker
SILENT_FETCH_SECONDS = 10.0


@dataclass(frozen=True)
class Delivery:
    topic: str
    partition: int
    offset: int
    key: str | None
    envelope: Message[IntegrationEvent]
    event: IntegrationEvent

    def caused(self) -> AbstractContextManager[context.Causality]:
        """Whatever this message causes is correlated with it and caused by it."""
        return context.caused_by(
            self.envelope.actor, self.envelope.correlationid, causation_id=self.envelope.id
        )


class Handler(Protocol):
    """Applies messages with their tracking record in one transaction."""

    @property
    def name(self) -> str: ...

    @property
    def topics(self) -> Sequence[str]: ...

    def position(self, topic: str, partition: int) -> int | None:
        """The last offset applied for this partition, or None."""

    def apply(self, deliveries: Sequence[Delivery], tracking: Tracking) -> None:
        """Apply all deliveries and record ``tracking``, atomically.

        Raise eventsourcing's IntegrityError when the tracking record is not
        newer than the recorded one (the batch was applied already).
        """


@runtime_checkable
class ManyPartitionsHandler(Handler, Protocol):
    """A handler that can apply several partitions' batches in one transaction."""

    def apply_many(self, batches: Sequence[tuple[Sequence[Delivery], Tracking]]) -> None:
        """Apply every batch and record every tracking, atomically; raise
        IntegrityError when any tracking record is not newer than the recorded one."""


def tracking_name(topic: str, partition: int) -> str:
    return f"{topic}:{partition}"


def is_store_unavailable(error: BaseException) -> bool:
    if isinstance(error, StoreOperationalError | StoreInterfaceError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


class BatchApplier:
    """Applies one partition's records through a handler: the heart of the runner."""

    def __init__(
        self, handler: Handler, dead_letters: AIOKafkaProducer | None, label: str | None = None
    ) -> None:
        self.handler = handler
        self.dead_letters = dead_letters
        self.label = label or handler.name
        self.dead_lettered = 0
        self._applied: dict[TopicPartition, int | None] = {}

    async def applied(self, tp: TopicPartition) -> int | None:
        """The last offset applied on a partition: remembered, or read from the store."""
        if tp not in self._applied:
            self._applied[tp] = await asyncio.to_thread(
                self.handler.position, tp.topic, tp.partition
            )
        return self._applied[tp]

    def last_applied(self, tp: TopicPartition) -> int | None:
        """The last offset applied on a partition, as far as this applier knows (no I/O)."""
        return self._applied.get(tp)

    def forget(self, tp: TopicPartition) -> None:
        """Another consumer may have moved the partition on: read the store next time."""
        self._applied.pop(tp, None)

    async def apply_batches(
        self, batches: Iterable[tuple[TopicPartition, Sequence[ConsumerRecord[bytes, bytes]]]]
    ) -> None:
        """Decode a poll's batches, then write them (see :meth:`write`)."""
        await self.write(await self.decode(batches))

    async def decode(
        self, batches: Iterable[tuple[TopicPartition, Sequence[ConsumerRecord[bytes, bytes]]]]
    ) -> list[_Batch]:
        """Decode a poll's batches; what breaks its contract is dead-lettered by :meth:`write`.

        Runs while the previous poll is being written (:class:`TrackedConsumer`), so
        it skips only what was applied before that; :meth:`write` checks again.
        """
        decoded = []
        for tp, records in batches:
            batch = await self._decode(tp, records)
            if batch is not None:
                decoded.append(batch)
        return decoded

    async def write(self, decoded: Sequence[_Batch]) -> None:
        """Write decoded batches: in one transaction when the handler can take several
        partitions at once (a projection), else one partition after the other.

        A commit costs a database more than most batches' rows: one per poll instead
        of one per partition was the larger part of a consumer's speed-up.
        """
        fresh = [batch for batch in [await self._unwritten(b) for b in decoded] if batch]
        for batch in fresh:
            for record, reason in batch.violations:
                await self._dead_letter(record, reason)
        handler = self.handler
        if (
            len(fresh) > 1
            and isinstance(handler, ManyPartitionsHandler)
            and await self._apply_together(handler, fresh)
        ):
            for batch in fresh:
                self._written(batch, applied=len(batch.deliveries))
            return
        for batch in fresh:
            await self._write(batch)

    async def _unwritten(self, batch: _Batch) -> _Batch | None:
        """The batch without what was applied since it was decoded."""
        tracked = await self.applied(batch.tp)
        if tracked is None or batch.records[0].offset > tracked:
            return batch
        if batch.last_offset <= tracked:
            return None
        return _Batch(
            batch.tp,
            [r for r in batch.records if r.offset > tracked],
            [d for d in batch.deliveries if d.offset > tracked],
            batch.last_offset,
            [(r, reason) for r, reason in batch.violations if r.offset > tracked],
        )

    async def _apply_together(self, handler: ManyPartitionsHandler, batches: list[_Batch]) -> bool:
        """Apply the batches in one transaction; False when they must go one by one
        (a partition applied already, or a message the handler refuses)."""
        together = [
            (
                batch.deliveries,
                Tracking(tracking_name(batch.tp.topic, batch.tp.partition), batch.last_offset),
            )
            for batch in batches
        ]
        backoff = 0.2
        while True:
            try:
                await asyncio.to_thread(handler.apply_many, together)
                return True
            except IntegrityError:
                return False
            except Exception as caught:
                if not is_store_unavailable(caught):
                    return False
                log.warning("store unavailable, waiting", exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _decode(
        self, tp: TopicPartition, records: Sequence[ConsumerRecord[bytes, bytes]]
    ) -> _Batch | None:
        if not records:
            return None
        tracked = await self.applied(tp)
        fresh = [r for r in records if tracked is None or r.offset > tracked]
        if not fresh:
            return None
        deliveries: list[Delivery] = []
        violations: list[tuple[ConsumerRecord[bytes, bytes], str]] = []
        for record in fresh:
            try:
                envelope, event = decode(record.topic, record.value)
            except ContractViolation as violation:
                violations.append((record, f"contract violation: {violation}"))
                continue
            key = record.key.decode(errors="replace") if record.key else None
            deliveries.append(
                Delivery(record.topic, record.partition, record.offset, key, envelope, event)
            )
        return _Batch(tp, fresh, deliveries, records[-1].offset, violations)

    async def _write(self, batch: _Batch) -> None:
        tp, deliveries = batch.tp, batch.deliveries
        try:
            committed = await self._apply(deliveries, tp, batch.last_offset)
            applied = len(deliveries) if committed else 0
        except _HandlerFailed:
            applied = await self._apply_one_by_one(deliveries, tp, batch.records)
            await self._apply([], tp, batch.last_offset)
        self._written(batch, applied)

    def _written(self, batch: _Batch, applied: int) -> None:
        """The batch is behind the partition's tracking record; ``applied`` of its
        messages were committed by this applier (not dead-lettered, not by another)."""
        self._applied[batch.tp] = batch.last_offset
        for counter in (metrics.APPLIED, metrics.MESSAGES_CONSUMED):
            counter.labels(self.handler.name, batch.tp.topic).inc(applied)

    async def _apply_one_by_one(
        self,
        deliveries: Sequence[Delivery],
        tp: TopicPartition,
        records: Sequence[ConsumerRecord[bytes, bytes]],
    ) -> int:
        """Apply each message alone, dead-lettering those that fail; return how many
        were applied."""
        by_offset = {record.offset: record for record in records}
        applied = 0
        for delivery in deliveries:
            try:
                if await self._apply([delivery], tp, delivery.offset):
                    applied += 1
            except _HandlerFailed as failure:
                await self._dead_letter(by_offset[delivery.offset], f"handler error: {failure}")
                await self._apply([], tp, delivery.offset)
        return applied

    async def _apply(self, deliveries: Sequence[Delivery], tp: TopicPartition, offset: int) -> bool:
        """Apply with the tracking record up to ``offset``: True once committed, False when
        it had been applied already (by another replica, or before a restart)."""
        tracking = Tracking(tracking_name(tp.topic, tp.partition), offset)
        attempts = 0
        backoff = 0.2
        while True:
            try:
                await asyncio.to_thread(self.handler.apply, deliveries, tracking)
                return True
            except IntegrityError:
                position = await asyncio.to_thread(self.handler.position, tp.topic, tp.partition)
                if position is not None and position >= offset:
                    log.info("already applied", extra={"tracking": tracking.application_name})
                    return False
                attempts += 1  # a concurrent writer changed an aggregate: try again
                error: Exception | None = None
            except Exception as caught:
                if is_store_unavailable(caught):
                    log.warning("store unavailable, waiting", exc_info=True)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                attempts += 1
                error = caught
            metrics.HANDLER_ERRORS.labels(self.handler.name, tp.topic).inc()
            if attempts >= MAX_HANDLER_ATTEMPTS:
                raise _HandlerFailed(repr(error) if error else "conflict persisted")
            await asyncio.sleep(0.05 * attempts)

    async def _dead_letter(self, record: ConsumerRecord[bytes, bytes], reason: str) -> None:
        log.warning(
            "dead-lettering message",
            extra={
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "reason": reason,
            },
        )
        self.dead_lettered += 1  # by this applier; the group's count is read from the DLQ
        if self.dead_letters is None:
            return
        headers = [
            ("dlq.reason", reason.encode()),
            ("dlq.topic", record.topic.encode()),
            ("dlq.partition", str(record.partition).encode()),
            ("dlq.offset", str(record.offset).encode()),
            ("dlq.consumer", self.label.encode()),
        ]
        await self.dead_letters.send_and_wait(
            f"{record.topic}.dlq", record.value, key=record.key, headers=headers
        )


class WriteBehind(Generic[T]):
    """One write in flight while the next poll is fetched and decoded.

    The write spends its time in the database (its driver releases the GIL, and a
    server is another process), decoding in Python: the tracked consumer and the
    rebuild both overlap the two, writes still one after the other.
    """

    def __init__(self) -> None:
        self.pending: asyncio.Future[T] | None = None

    async def begin(self, write: Coroutine[Any, Any, T]) -> None:
        """Start ``write`` once the one in flight has finished (call :meth:`finished` first)."""
        assert self.pending is None, "one write at a time"
        self.pending = asyncio.ensure_future(write)
        await asyncio.sleep(0)  # let it begin: a poll already buffered never waits

    async def finished(self) -> T | None:
        """The result of the write in flight, once written; None when there was none.

        The write stays :attr:`pending` while it is awaited: the consumer's health reads
        it to tell a hung write from a broker that stopped answering.
        """
        pending = self.pending
        if pending is None:
            return None
        try:
            return await pending
        finally:
            self.pending = None


class _HandlerFailed(Exception):
    pass


@dataclass(frozen=True)
class _Batch:
    """A partition's fresh records, decoded, waiting to be written."""

    tp: TopicPartition
    records: Sequence[ConsumerRecord[bytes, bytes]]
    deliveries: Sequence[Delivery]
    last_offset: int
    #: records that break their contract: dead-lettered when the batch is written, so a
    #: poll decoded twice (fetched again after a rebalance) dead-letters them once
    violations: Sequence[tuple[ConsumerRecord[bytes, bytes], str]] = ()


class _SeekToTracked(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        applier: BatchApplier,
        applying: asyncio.Lock,
        progress: Progress,
        label: str,
    ) -> None:
        self.consumer = consumer
        self.applier = applier
        self.applying = applying
        self.progress = progress
        self.label = label

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        """Give partitions up only between batches: a batch being applied finishes (and
        records its position) before another member may read that position."""
        async with self.applying:
            for tp in revoked:
                self.applier.forget(tp)
            self.progress.revoke(revoked)
            for tp in revoked:
                for gauge in (metrics.CONSUMER_LAG, metrics.OLDEST_UNAPPLIED_AGE):
                    with contextlib.suppress(KeyError):  # another member reports it now
                        gauge.remove(self.label, tp.topic, str(tp.partition))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        """Seek each partition to its tracked position. The partitions are paused until
        all are sought, before anything is awaited: otherwise records fetched from the
        group's committed offset (ahead of the tracking record after a read model was
        rebuilt beside the old one) could reach the handler and skip what lies between."""
        self.consumer.pause(*assigned)
        try:
            await self._seek_to_tracked(assigned)
        finally:
            self.consumer.resume(*(tp for tp in assigned if tp in self.consumer.assignment()))

    async def _seek_to_tracked(self, assigned: set[TopicPartition]) -> None:
        next_offsets: dict[TopicPartition, int] = {}
        untracked = []
        for tp in assigned:
            self.applier.forget(tp)
            position = await self.applier.applied(tp)
            if position is None:
                await self.consumer.seek_to_beginning(tp)
                untracked.append(tp)
            else:
                self.consumer.seek(tp, position + 1)
                next_offsets[tp] = position + 1
        if untracked:
            next_offsets.update(await self._starts(untracked))
        # all at once: a consumer given some of its partitions only is not caught up
        for tp, next_offset in next_offsets.items():
            self.progress.assign(tp, next_offset)

    async def _starts(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        """Where partitions never applied begin: everything from there is lag."""
        try:
            starts: dict[TopicPartition, int] = await self.consumer.beginning_offsets(partitions)
        except KafkaError:
            log.warning("partition starts unknown; counting lag from offset 0", exc_info=True)
            return dict.fromkeys(partitions, 0)
        return starts


@dataclass(frozen=True)
class ConsumerHealth:
    """What /readyz says about a consumer, and what is wrong with it, if anything."""

    running: bool
    caught_up: bool
    lag: int
    oldest_unapplied_age_seconds: float
    dead_lettered: int | None
    last_fetch_seconds_ago: float | None
    problems: Sequence[str]

    def detail(self) -> dict[str, object]:
        return {
            "running": self.running,
            "caught_up": self.caught_up,
            "lag": self.lag,
            "oldest_unapplied_age_seconds": round(self.oldest_unapplied_age_seconds, 1),
            "dead_lettered": self.dead_lettered,
            "last_fetch_seconds_ago": (
                None
                if self.last_fetch_seconds_ago is None
                else round(self.last_fetch_seconds_ago, 1)
            ),
            "problems": list(self.problems),
        }


class TrackedConsumer:
    """Runs one handler in a Kafka consumer group until cancelled."""

    def __init__(
        self,
        handler: Handler,
        bootstrap_servers: str,
        group_id: str,
        dead_letters: AIOKafkaProducer,
        stall_after: float = 60.0,
    ) -> None:
        self.handler = handler
        self.bootstrap_servers = bootstrap_servers
        self.group_id = group_id
        self.applier = BatchApplier(handler, dead_letters, label=group_id)
        self.running = False
        self._applying = asyncio.Lock()
        self.progress = Progress()
        #: seconds messages may wait without the applied position moving before the
        #: consumer reports itself stalled
        self.stall_after = stall_after
        self.tally = DeadLetterTally(bootstrap_servers, group_id, handler.topics, handler.name)
        self.failure: str | None = None  # why it last stopped or restarted
        for topic in handler.topics:  # a series from the start: rate() sees the first ones
            for counter in (metrics.APPLIED, metrics.MESSAGES_CONSUMED):
                counter.labels(handler.name, topic)
        self._consumer: AIOKafkaConsumer | None = None
        self._writes: WriteBehind[dict[TopicPartition, int]] = WriteBehind()

    @property
    def assigned(self) -> set[TopicPartition]:
        return self.progress.assigned

    @property
    def caught_up(self) -> bool:
        """Every assigned partition was fetched and nothing is left to apply."""
        consumer = self._consumer
        return (
            consumer is not None
            and self.running
            and self._writes.pending is None
            and self.progress.assigned == consumer.assignment()
            and self.progress.caught_up()
        )

    @property
    def dead_lettered(self) -> int | None:
        """Messages the group sent to the DLQ topics ever (None until counted)."""
        return self.tally.total

    def lag(self) -> int:
        """Messages of the assigned partitions not applied yet, fetched or not."""
        consumer = self._consumer
        if consumer is not None:
            self._observe_now(consumer)
        return self.progress.lag()

    async def fetch_positions(self) -> dict[TopicPartition, int]:
        """Where the consumer fetches next, per assigned partition: Kafka's view, ahead of
        what was applied while fetched records wait to be written, so never the lag."""
        consumer = self._consumer
        if consumer is None:
            return {}
        positions = {}
        for tp in consumer.assignment():
            with contextlib.suppress(IllegalStateError):  # revoked meanwhile
                positions[tp] = await consumer.position(tp)
        return positions

    def health(self) -> ConsumerHealth:
        """Running, lag, dead letters, and the problems that make the service not ready."""
        lag = self.lag()
        problems = []
        if not self.running:
            problems.append(f"not running ({self.failure})" if self.failure else "not running")
        stalls = self.progress.stalls(self.stall_after)
        if stalls:
            problems.append(f"stalled, {describe(stalls)}")
        last_fetch = self._last_fetch_seconds_ago()
        if (
            self.running
            and self._writes.pending is None
            and last_fetch is not None
            and last_fetch > max(self.stall_after, SILENT_FETCH_SECONDS)
        ):
            problems.append(f"has had no fetch answered by the broker for {last_fetch:.0f} s")
        return ConsumerHealth(
            self.running,
            self.caught_up,
            lag,
            self.progress.oldest_unapplied_age(),
            self.dead_lettered,
            last_fetch,
            problems,
        )

    async def run(self) -> None:
        beside = [
            asyncio.create_task(self.tally.run(), name=f"{self.group_id} dead letters"),
            asyncio.create_task(self._watch(), name=f"{self.group_id} lag"),
        ]
        try:
            while True:
                await self._run_once()
        except BaseException as stopped:
            self.failure = f"stopped: {stopped!r}"
            raise
        finally:
            for task in beside:
                task.cancel()
            for task in beside:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _watch(self, every: float = 1.0) -> None:
        """Keep the lag metric current while a write holds the poll loop up (a hung
        database): the loop measures only between polls."""
        while True:
            await asyncio.sleep(every)
            consumer = self._consumer
            if consumer is not None:
                self._observe_now(consumer)

    async def _run_once(self) -> None:
        consumer = kafka.consumer(self.bootstrap_servers, self.group_id, self.handler.name)
        consumer.subscribe(
            list(self.handler.topics),
            listener=_SeekToTracked(
                consumer, self.applier, self._applying, self.progress, self.handler.name
            ),
        )
        try:
            await consumer.start()
            self._consumer = consumer
            self.running = True
            self.failure = None
            await self._poll(consumer)
        except asyncio.CancelledError:
            raise
        except Exception as failed:
            self.failure = f"restarting after {failed!r}"
            log.exception("consumer failed; restarting", extra={"consumer": self.handler.name})
            await asyncio.sleep(1.0)
        finally:
            self.running = False
            self._consumer = None
            await consumer.stop()

    async def _poll(self, consumer: AIOKafkaConsumer) -> None:
        """Fetch and decode the next poll while the previous one is being written."""
        uncommitted: dict[TopicPartition, int] = {}
        committed_at = time.monotonic()
        try:
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=MAX_POLL_RECORDS)
                decoded = await self.applier.decode(batches.items())
                self._handed_over(decoded)
                uncommitted.update(await self._writes.finished() or {})
                if decoded:
                    await self._writes.begin(self._write(consumer, decoded))
                if uncommitted and time.monotonic() - committed_at >= COMMIT_INTERVAL_SECONDS:
                    await self._commit(consumer, uncommitted)
                    uncommitted = {}
                    committed_at = time.monotonic()
                if self._writes.pending is None:
                    await self._settle(consumer)
                else:
                    self._observe_now(consumer)
        finally:
            try:
                await self._writes.finished()  # a write begun finishes before the consumer stops
            except asyncio.CancelledError:
                pass
            except Exception:
                log.exception("write failed while the consumer stopped")

    async def _write(
        self, consumer: AIOKafkaConsumer, decoded: list[_Batch]
    ) -> dict[TopicPartition, int]:
        """Write the batches of partitions still owned; return the offsets to commit."""
        async with self._applying:
            owned = consumer.assignment()
            mine = [batch for batch in decoded if batch.tp in owned]
            await self.applier.write(mine)
        return {batch.tp: batch.last_offset + 1 for batch in mine}

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        """Kafka's committed offsets only show the group's progress to operators' tools:
        the tracking records are the truth a consumer resumes from, so commits go every
        few seconds (each one costs the broker a write) and a refused one is no loss."""
        owned = consumer.assignment()
        try:
            await consumer.commit({tp: offset for tp, offset in offsets.items() if tp in owned})
        except KafkaError as refused:
            log.info("offset commit skipped: %s", refused)

    def _handed_over(self, decoded: Sequence[_Batch]) -> None:
        """Note when the records about to be written were written to Kafka: the oldest
        of them not applied tells how late the handler is."""
        for batch in decoded:
            stamps = [record.timestamp for record in batch.records if record.timestamp >= 0]
            if stamps:
                oldest, newest = min(stamps) / 1000, max(stamps) / 1000
                self.progress.fetched(batch.tp, batch.last_offset, oldest, newest)

    def _observe_now(self, consumer: AIOKafkaConsumer) -> None:
        """Record each partition's end (as of its last fetch) and what the handler applied."""
        for tp in consumer.assignment():
            applied = self.applier.last_applied(tp)
            self.progress.observe(
                tp, end=_end_of(consumer, tp), next_offset=None if applied is None else applied + 1
            )
        self._export_lag()

    async def _settle(self, consumer: AIOKafkaConsumer) -> None:
        """Nothing fetched waits to be written: every offset below the fetch position was
        applied or holds no message (a transaction marker), so the handler is there."""
        for tp in consumer.assignment():
            if tp not in consumer.assignment():
                continue  # revoked while the previous position was asked
            end = _end_of(consumer, tp)
            applied = self.applier.last_applied(tp)
            next_offset = None if applied is None else applied + 1
            if end is not None:  # fetched since assigned: its position is known
                try:
                    next_offset = max(next_offset or 0, await consumer.position(tp))
                except IllegalStateError:
                    continue  # revoked meanwhile
            self.progress.observe(tp, end=end, next_offset=next_offset)
        self._export_lag()

    def _export_lag(self) -> None:
        name = self.handler.name
        for tp, behind in self.progress.behind().items():
            metrics.CONSUMER_LAG.labels(name, tp.topic, str(tp.partition)).set(behind)
        for tp, age in self.progress.unapplied_ages().items():
            metrics.OLDEST_UNAPPLIED_AGE.labels(name, tp.topic, str(tp.partition)).set(age)

    def _last_fetch_seconds_ago(self) -> float | None:
        """Since the broker last answered a fetch of an assigned partition (None: never)."""
        consumer = self._consumer
        if consumer is None:
            return None
        answered = [consumer.last_poll_timestamp(tp) for tp in consumer.assignment()]
        known = [stamp for stamp in answered if stamp is not None]
        return max(time.time() - max(known) / 1000, 0.0) if known else None


def _end_of(consumer: AIOKafkaConsumer, tp: TopicPartition) -> int | None:
    """Where a read_committed consumer can read up to: the last stable offset (the
    high watermark when no transaction is open), as of the partition's last fetch."""
    stable: int | None = consumer.last_stable_offset(tp)
    if stable is not None and stable >= 0:
        return stable
    highwater: int | None = consumer.highwater(tp)
    return highwater
