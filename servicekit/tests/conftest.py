"""Reading and writing real Kafka topics in servicekit's tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from contracts import TOPICS
from servicekit import kafka


@dataclass
class TopicProbe:
    """Reads what was written to a topic after a mark, as any consumer would."""

    bootstrap_servers: str
    topic: str
    mark: dict[TopicPartition, int]

    async def read(self, count: int, timeout: float = 30.0) -> list[ConsumerRecord[bytes, bytes]]:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers, enable_auto_commit=False
        )
        await consumer.start()
        records: list[ConsumerRecord[bytes, bytes]] = []
        try:
            consumer.assign(list(self.mark))
            for tp, offset in self.mark.items():
                consumer.seek(tp, offset)
            deadline = time.monotonic() + timeout
            while len(records) < count and time.monotonic() < deadline:
                batches = await consumer.getmany(timeout_ms=200)
                for batch in batches.values():
                    records.extend(batch)
            # anything beyond the expected count would be a duplicate: look a little longer
            batches = await consumer.getmany(timeout_ms=300)
            for batch in batches.values():
                records.extend(batch)
        finally:
            await consumer.stop()
        return records


async def mark_topic(bootstrap_servers: str, topic: str) -> TopicProbe:
    partitions = await kafka.partitions_of(bootstrap_servers, [topic])
    assert partitions, f"topic {topic} has no partitions"
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    return TopicProbe(bootstrap_servers, topic, dict(ends))


@pytest.fixture
async def topics(kafka_bootstrap_servers: str) -> str:
    """Every contract topic and its dead-letter topic exist."""
    names = set(TOPICS) | {f"{name}.dlq" for name in TOPICS}
    await kafka.ensure_topics(kafka_bootstrap_servers, names, partitions=3)
    return kafka_bootstrap_servers


@dataclass
class KafkaIO:
    bootstrap_servers: str

    async def mark(self, topic: str) -> TopicProbe:
        return await mark_topic(self.bootstrap_servers, topic)

    async def produce(self, topic: str, messages: list[tuple[bytes, bytes]]) -> None:
        producer = kafka.producer(self.bootstrap_servers, "test-producer")
        await producer.start()
        try:  # sent in batches, in order: the idempotent producer keeps each partition's
            sent = [await producer.send(topic, value, key=key) for key, value in messages]
            await asyncio.gather(*sent)
        finally:
            await producer.stop()

    @staticmethod
    async def eventually(condition: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.05)


@pytest.fixture
async def kafka_io(topics: str) -> KafkaIO:
    return KafkaIO(topics)
