"""Publishes a service's notification log to Kafka, at least once and in order.

The relay reads the log after its last recorded position, maps each domain
event to an integration event, produces the batch and waits until the broker
acknowledged every record; only then does it record the new position (in the
service's own store, as a tracking record). A crash between the two publishes
a few events again with the same event ids, which consumers' tracking absorbs.

It runs as an asyncio task beside the HTTP server; database reads happen in a
worker thread so the event loop never blocks on the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from hashlib import sha1
from typing import NamedTuple
from uuid import NAMESPACE_URL, UUID

from aiokafka import AIOKafkaProducer
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification, Tracking

from contracts import Envelope, IntegrationEvent, Topic, topic_of
from servicekit import metrics
from servicekit.eventstore import ServiceApplication
from servicekit.leadership import Lease, SoleReplica
from servicekit.partitions import PartitionsByKey

log = logging.getLogger(__name__)

Batch = tuple[int | None, int, list["Outgoing"]]  # last notification id, events read, messages
Translator = Callable[[DomainEventProtocol[UUID]], IntegrationEvent | None]


class Outgoing(NamedTuple):
    """A message to produce (a tuple: one is built for every event relayed)."""

    notification_id: int
    topic: str
    key: bytes
    value: bytes


class Relay:
    tracking_name = "relay"

    def __init__(
        self,
        app: ServiceApplication,
        producer: AIOKafkaProducer,
        translate: Translator,
        source: str,
        batch_size: int = 1000,
        poll_interval: float = 0.5,
        lease: Lease | None = None,
        follower_retry: float = 2.0,
    ) -> None:
        self.app = app
        self.producer = producer
        self.translate = translate
        self.source = source
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._position: int | None = None
        self._topics: dict[type[IntegrationEvent], Topic] = {}
        self._partitions = PartitionsByKey()
        self._prefetch: tuple[int, asyncio.Future[Batch]] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.healthy = False
        #: the last reason publishing failed, until it succeeds again
        self.failure: str | None = None
        #: when it last published a batch or found nothing to publish (monotonic)
        self.progressed_at = time.monotonic()
        self.lease: Lease = lease or SoleReplica()
        self.leading = False
        self.follower_retry = follower_retry
        app.on_recorded(self._wake_from_any_thread)

    def _wake_from_any_thread(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    def position(self) -> int:
        return self.app.position(self.tracking_name) or 0

    def lag(self) -> int:
        return (self.app.recorder.max_notification_id() or 0) - self.position()

    def problems(self, lag: int, stall_after: float) -> list[str]:
        """Why events wait, if they do: publishing fails, or has not moved for too long."""
        if lag == 0:
            return []
        if not self.healthy:
            state = f"failing ({self.failure})" if self.failure else "starting"
            return [f"relay {state}, unpublished events: {lag}"]
        idle = time.monotonic() - self.progressed_at
        if idle > stall_after:
            return [f"relay stalled, unpublished events: {lag}, none published for {idle:.0f} s"]
        return []

    async def run(self) -> None:
        """Publish until cancelled; a broker or store outage is waited out.

        Only the replica holding the lease publishes; the others wait to take
        it over (see :mod:`servicekit.leadership`).
        """
        self._loop = asyncio.get_running_loop()
        backoff = 0.5
        try:
            while True:
                await self._check_lease()
                if not self.leading:
                    self.healthy = True  # a follower is fine: the leader publishes
                    self.failure = None
                    self.progressed_at = time.monotonic()
                    await asyncio.sleep(self.follower_retry)
                    continue
                try:
                    published = await self.publish_pending()
                    self.healthy = True
                    self.failure = None
                    self.progressed_at = time.monotonic()
                    backoff = 0.5
                except asyncio.CancelledError:
                    raise
                except Exception as failed:
                    self.healthy = False
                    self.failure = repr(failed)
                    log.exception("relay failed; retrying from the last acknowledged position")
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
                if published < self.batch_size:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.poll_interval)
        finally:
            await asyncio.to_thread(self.lease.release)

    async def _check_lease(self) -> None:
        leading = await asyncio.to_thread(self.lease.hold)
        if leading != self.leading:
            self._position = None  # another replica may have published meanwhile
            self._drop_prefetch()
        self.leading = leading

    async def publish_pending(self) -> int:
        """Publish one batch after the last acknowledged position; return how many
        stored events it covered."""
        try:
            if self._position is None:
                self._position = await asyncio.to_thread(self.position)
            last_id, read, outgoing = await self._batch_after(self._position)
            if last_id is None:
                return 0
            partitions = {
                topic: list(await self.producer.partitions_for(topic))
                for topic in {message.topic for message in outgoing}
            }
            deliveries = await self._send(outgoing, partitions)
            if read == self.batch_size:  # more is waiting: read it while the broker acks
                self._prefetch = (last_id, asyncio.ensure_future(self._read(last_id)))
            await asyncio.gather(*deliveries)
            await asyncio.to_thread(
                self.app.recorder.insert_tracking, Tracking(self.tracking_name, last_id)
            )
        except BaseException:
            self._position = None  # the store's tracking record is the truth: read it again
            self._drop_prefetch()
            raise
        self._position = last_id
        metrics.EVENTS_PUBLISHED.labels(self.source).inc(len(outgoing))
        return read

    async def _send(
        self, outgoing: list[Outgoing], partitions: dict[str, list[int]]
    ) -> list[asyncio.Future[object]]:
        """Send the messages as record batches built here, one partition's messages in
        order: handing aiokafka one message at a time cost it a future, a lookup
        of the partition's open batch and a metadata check per message, which made up
        most of the relay's producing time."""
        by_partition: dict[tuple[str, int], list[Outgoing]] = {}
        for message in outgoing:
            partition = self._partitions.of(message.topic, message.key, partitions[message.topic])
            by_partition.setdefault((message.topic, partition), []).append(message)
        deliveries = []
        for (topic, partition), messages in by_partition.items():
            batch = self.producer.create_batch()
            for message in messages:
                if batch.append(key=message.key, value=message.value, timestamp=None) is None:
                    deliveries.append(
                        await self.producer.send_batch(batch, topic, partition=partition)
                    )
                    batch = self.producer.create_batch()  # takes a first message of any size
                    if batch.append(key=message.key, value=message.value, timestamp=None) is None:
                        raise RuntimeError(f"a message for {topic} fits no record batch")
            deliveries.append(await self.producer.send_batch(batch, topic, partition=partition))
        return deliveries

    async def _batch_after(self, position: int) -> Batch:
        if self._prefetch is not None and self._prefetch[0] == position:
            batch = await self._prefetch[1]
            self._prefetch = None
            return batch
        self._drop_prefetch()
        return await self._read(position)

    async def _read(self, position: int) -> Batch:
        return await asyncio.to_thread(self._next_batch, position)

    def _drop_prefetch(self) -> None:
        if self._prefetch is not None:
            self._prefetch[1].cancel()
            self._prefetch = None

    def _next_batch(self, after: int) -> Batch:
        """Read and map the next batch (in a worker thread: both are CPU and I/O).

        Returns the batch's last notification id, how many were read, and the
        messages to produce (events without a contract are not published).
        """
        batch = self.app.recorder.select_notifications(
            start=after, limit=self.batch_size, inclusive_of_start=False
        )
        if not batch:
            return None, 0, []
        outgoing = [message for message in map(self._to_outgoing, batch) if message]
        return batch[-1].id, len(batch), outgoing

    def _topic_of(self, event_class: type[IntegrationEvent]) -> Topic:
        self._topics[event_class] = topic_of(event_class)
        return self._topics[event_class]

    def _to_outgoing(self, notification: Notification) -> Outgoing | None:
        domain_event, causality = self.app.mapper.to_domain_event_with_causality(notification)
        integration_event = self.translate(domain_event)
        if integration_event is None:
            return None
        subject = str(domain_event.originator_id)
        event_class = type(integration_event)
        version = domain_event.originator_version
        value = Envelope.serialise(
            integration_event,
            id=event_id(f"{self.source}/{subject}/{version}"),
            source=self.source,
            subject=subject,
            time=vars(domain_event)["timestamp"],
            aggregateversion=version,
            correlationid=causality.get("correlation_id"),
            causationid=causality.get("causation_id"),
            actor=causality.get("actor"),
        )
        topic = self._topics.get(event_class) or self._topic_of(event_class)
        # the topic's declared key (e.g. customer_id), else the aggregate id: one
        # aggregate always maps to one key, so its events stay in order
        key = getattr(integration_event, topic.key, None) or subject
        return Outgoing(
            notification_id=notification.id,
            topic=topic.name,
            key=str(key).encode(),
            value=value,
        )


_URL_NAMESPACE = NAMESPACE_URL.bytes


def event_id(name: str) -> str:
    """``str(uuid5(NAMESPACE_URL, name))``: the same id for the same stored event, every
    time it is published. Formatted from the digest directly, which costs a third of
    building the UUID object and printing it (once per event relayed)."""
    digest = bytearray(sha1(_URL_NAMESPACE + name.encode(), usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    hexits = digest.hex()
    return f"{hexits[:8]}-{hexits[8:12]}-{hexits[12:16]}-{hexits[16:20]}-{hexits[20:]}"
