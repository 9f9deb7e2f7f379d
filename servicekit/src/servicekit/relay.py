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
from collections.abc import Callable
from dataclasses import dataclass
from uuid import NAMESPACE_URL, UUID, uuid5

from aiokafka import AIOKafkaProducer
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification, Tracking

from contracts import Envelope, IntegrationEvent, topic_of
from servicekit import metrics
from servicekit.eventstore import ServiceApplication

log = logging.getLogger(__name__)

Translator = Callable[[DomainEventProtocol[UUID]], IntegrationEvent | None]


@dataclass(frozen=True)
class Outgoing:
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
    ) -> None:
        self.app = app
        self.producer = producer
        self.translate = translate
        self.source = source
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._position: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.healthy = False
        app.on_recorded(self._wake_from_any_thread)

    def _wake_from_any_thread(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    def position(self) -> int:
        return self.app.position(self.tracking_name) or 0

    def lag(self) -> int:
        return (self.app.recorder.max_notification_id() or 0) - self.position()

    async def run(self) -> None:
        """Publish until cancelled; a broker or store outage is waited out."""
        self._loop = asyncio.get_running_loop()
        backoff = 0.5
        while True:
            try:
                published = await self.publish_pending()
                self.healthy = True
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception:
                self.healthy = False
                log.exception("relay failed; retrying from the last acknowledged position")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if published < self.batch_size:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval)

    async def publish_pending(self) -> int:
        """Publish one batch after the last acknowledged position; return how many
        stored events it covered."""
        try:
            if self._position is None:
                self._position = await asyncio.to_thread(self.position)
            last_id, read, outgoing = await asyncio.to_thread(self._next_batch, self._position)
            if last_id is None:
                return 0
            deliveries = [
                await self.producer.send(message.topic, message.value, key=message.key)
                for message in outgoing
            ]
            await asyncio.gather(*deliveries)
            await asyncio.to_thread(
                self.app.recorder.insert_tracking, Tracking(self.tracking_name, last_id)
            )
        except BaseException:
            self._position = None  # the store's tracking record is the truth: read it again
            raise
        self._position = last_id
        metrics.EVENTS_PUBLISHED.labels(self.source).inc(len(outgoing))
        return read

    def _next_batch(self, after: int) -> tuple[int | None, int, list[Outgoing]]:
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

    def _to_outgoing(self, notification: Notification) -> Outgoing | None:
        domain_event, causality = self.app.mapper.to_domain_event_with_causality(notification)
        integration_event = self.translate(domain_event)
        if integration_event is None:
            return None
        subject = str(domain_event.originator_id)
        envelope = Envelope.wrap(
            integration_event,
            id=str(
                uuid5(NAMESPACE_URL, f"{self.source}/{subject}/{domain_event.originator_version}")
            ),
            source=self.source,
            subject=subject,
            time=vars(domain_event)["timestamp"],
            aggregateversion=domain_event.originator_version,
            correlationid=causality.get("correlation_id"),
            causationid=causality.get("causation_id"),
            actor=causality.get("actor"),
        )
        return Outgoing(
            notification_id=notification.id,
            topic=topic_of(type(integration_event)).name,
            key=subject.encode(),
            value=envelope.to_bytes(),
        )
