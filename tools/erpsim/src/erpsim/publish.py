"""Planned messages onto the ERP topics, at a steady rate or as fast as the broker takes them."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from aiokafka import AIOKafkaProducer
from tqdm import tqdm

from servicekit import kafka

ERP_TOPICS = ("erp.orders.v1", "erp.payments.v1", "erp.shipments.v1", "erp.products.v1")
PARTITIONS = 3
_WINDOW = 5_000  # acknowledgements awaited at least this often: bounded memory, early errors


class Sendable(Protocol):
    """A :class:`~erpsim.plan.Message` or a :class:`~erpsim.stream.Record`."""

    @property
    def topic(self) -> str: ...
    @property
    def key_bytes(self) -> bytes: ...
    @property
    def value(self) -> bytes: ...


@dataclass(frozen=True)
class PublishReport:
    messages: int
    seconds: float
    by_topic: dict[str, int]

    @property
    def rate(self) -> float:
        """Messages acknowledged per second."""
        return self.messages / self.seconds if self.seconds > 0 else float("inf")

    def as_json(self) -> dict[str, object]:
        return {
            "messages": self.messages,
            "seconds": round(self.seconds, 3),
            "rate": round(self.rate, 1),
            "by_topic": self.by_topic,
        }


async def publish(
    messages: Iterable[Sendable],
    bootstrap_servers: str,
    *,
    rate: float | None = None,
    progress: bool = False,
    client_id: str = "erpsim",
    partitions: int = PARTITIONS,
    create_topics: bool = True,
) -> PublishReport:
    """Produce ``messages`` in their order (key = entity id, idempotent, acks=all).

    ``messages`` may be a plan's list or a stream (:func:`erpsim.stream`), read
    once as it goes. ``rate`` is messages per second from the first one on
    (None: as fast as possible). Returns once the broker acknowledged every
    message; raises the first delivery error.
    """
    if rate is not None and rate <= 0:
        raise ValueError("rate must be positive (or None for as fast as possible)")
    if create_topics:
        names = set(ERP_TOPICS)
        if isinstance(messages, Sequence):
            names |= {m.topic for m in messages}
        await kafka.ensure_topics(bootstrap_servers, names, partitions=partitions)
    producer = kafka.producer(bootstrap_servers, client_id)
    await producer.start()
    by_topic: Counter[str] = Counter()
    try:
        started = time.monotonic()
        await _produce(producer, messages, rate, progress, by_topic)
        seconds = time.monotonic() - started
    finally:
        await producer.stop()
    return PublishReport(
        messages=by_topic.total(),
        seconds=seconds,
        by_topic=dict(sorted(by_topic.items())),
    )


async def _produce(
    producer: AIOKafkaProducer,
    messages: Iterable[Sendable],
    rate: float | None,
    progress: bool,
    by_topic: Counter[str],
) -> None:
    total = len(messages) if isinstance(messages, Sequence) else None
    with tqdm(total=total, unit="msg", disable=not progress, smoothing=0.1) as bar:
        started = time.monotonic()
        pending: list[asyncio.Future[object]] = []
        for sent, message in enumerate(messages):
            if rate is not None:
                delay = started + sent / rate - time.monotonic()
                if delay > 0.001:
                    await asyncio.sleep(delay)
            future = await producer.send(message.topic, message.value, key=message.key_bytes)
            future.add_done_callback(lambda _: bar.update())
            by_topic[message.topic] += 1
            pending.append(future)
            if len(pending) >= _WINDOW:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
