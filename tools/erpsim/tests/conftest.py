"""Customers, plans and a reader of real Kafka topics for erpsim's tests."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from erpsim import CrmCustomer, Plan, plan, synthetic_crm_customers
from servicekit import kafka


@pytest.fixture(scope="session")
def crm_customers() -> list[CrmCustomer]:
    """Eighty CRM customers; every tenth registered with the ERP number it already had."""
    customers = synthetic_crm_customers(80, seed=3)
    return [
        CrmCustomer(
            c.customer_id,
            c.first_name,
            c.last_name,
            c.email,
            c.company,
            f"ERP-{500_000 + i:06d}" if i % 10 == 0 else None,
        )
        for i, c in enumerate(customers)
    ]


@pytest.fixture(scope="session")
def a_plan(crm_customers: list[CrmCustomer]) -> Plan:
    return plan(seed=7, customers=crm_customers, orders=600)


@dataclass
class TopicMark:
    """The end offsets of a topic before a test wrote to it; reads what came after."""

    bootstrap_servers: str
    topic: str
    ends: dict[TopicPartition, int]

    async def read(self, count: int, timeout: float = 30.0) -> list[ConsumerRecord[bytes, bytes]]:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers, enable_auto_commit=False
        )
        await consumer.start()
        records: list[ConsumerRecord[bytes, bytes]] = []
        try:
            consumer.assign(list(self.ends))
            for tp, offset in self.ends.items():
                consumer.seek(tp, offset)
            deadline = time.monotonic() + timeout
            while len(records) < count and time.monotonic() < deadline:
                for batch in (await consumer.getmany(timeout_ms=200)).values():
                    records.extend(batch)
            # anything beyond the expected count would be a duplicate: look a little longer
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                records.extend(batch)
        finally:
            await consumer.stop()
        return records


async def mark_topic(bootstrap_servers: str, topic: str) -> TopicMark:
    partitions = await kafka.partitions_of(bootstrap_servers, [topic])
    assert partitions, f"topic {topic} has no partitions"
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    return TopicMark(bootstrap_servers, topic, dict(ends))


Mark = Callable[[str, str], Awaitable[TopicMark]]


@pytest.fixture
def mark() -> Mark:
    """``await mark(bootstrap, topic)``: note where a topic ends now."""
    return mark_topic
