"""Publishing puts exactly the planned messages on a real broker; the ERP reads CRM customers."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from contracts import Envelope
from contracts.customers import CustomerProfileChanged, CustomerRegistered
from erpsim import (
    ERP_TOPICS,
    CrmCustomer,
    Params,
    erp_customers,
    plan,
    publish,
    read_crm_customers,
)
from servicekit import kafka

pytestmark = pytest.mark.kafka


async def test_publishing_puts_exactly_the_planned_messages_on_the_erp_topics(
    kafka_bootstrap_servers: str,
    crm_customers: list[CrmCustomer],
    mark: Callable[[str, str], Awaitable[Any]],
) -> None:
    bootstrap = kafka_bootstrap_servers
    await kafka.ensure_topics(bootstrap, ERP_TOPICS, partitions=3)
    planned = plan(seed=int(uuid4().int % 10**6), customers=crm_customers, orders=60)
    marks = {topic: await mark(bootstrap, topic) for topic in ERP_TOPICS}

    report = await publish(planned.messages, bootstrap)

    assert report.messages == len(planned.messages)
    assert report.by_topic == planned.count_by_topic()
    for topic, expected_count in planned.count_by_topic().items():
        records = await marks[topic].read(expected_count)
        expected: dict[bytes, list[bytes]] = defaultdict(list)
        for message in planned.messages:
            if message.topic == topic:
                expected[message.key_bytes].append(message.value)
        published: dict[bytes, list[bytes]] = defaultdict(list)
        for record in sorted(records, key=lambda r: (r.partition, r.offset)):
            published[record.key].append(record.value)
        assert len(records) == expected_count
        assert published == expected  # same messages, in the planned order per key


async def test_publishing_at_a_rate_takes_as_long_as_the_rate_says(
    kafka_bootstrap_servers: str, crm_customers: list[CrmCustomer]
) -> None:
    planned = plan(
        seed=2, customers=crm_customers, orders=10, params=Params(include_catalogue=False)
    )
    messages = planned.messages[:31]

    report = await publish(messages, kafka_bootstrap_servers, rate=100, progress=True)

    assert report.messages == 31
    assert report.seconds >= 0.3
    assert report.rate <= 110


async def test_the_erp_learns_customers_from_the_crm_topic_to_its_end(
    kafka_bootstrap_servers: str,
) -> None:
    bootstrap = kafka_bootstrap_servers
    topic = "crm.customers.v1"
    await kafka.ensure_topics(bootstrap, [topic], partitions=3)
    now = datetime.now(UTC)
    ids = [str(uuid4()) for _ in range(3)]
    events: list[CustomerRegistered | CustomerProfileChanged] = [
        CustomerRegistered(
            customer_id=i, first_name="Ana", last_name=f"Test{n}", source="web", registered_at=now
        )
        for n, i in enumerate(ids)
    ]
    events.append(
        CustomerProfileChanged(customer_id=ids[1], erp_customer_number="ERP-654321", changed_at=now)
    )
    producer = kafka.producer(bootstrap, "erpsim-test")
    await producer.start()
    try:
        for event in events:
            envelope = Envelope.wrap(event, source="/crm/acquisition", subject=event.customer_id)
            await producer.send_and_wait(topic, envelope.to_bytes(), key=event.customer_id.encode())
    finally:
        await producer.stop()

    learned = {c.customer_id: c for c in await asyncio.wait_for(read_crm_customers(bootstrap), 60)}

    assert set(ids) <= set(learned)
    assert learned[ids[1]].erp_customer_number == "ERP-654321"
    numbered = {c.customer_id: c.erp_customer_number for c in erp_customers(learned.values())}
    assert numbered[ids[1]] == "ERP-654321"
    assert numbered[ids[0]].startswith("ERP-")


async def test_a_missing_crm_topic_means_no_customers_yet(kafka_bootstrap_servers: str) -> None:
    assert (
        await read_crm_customers(kafka_bootstrap_servers, topic=f"no.such.topic.{uuid4().hex}")
        == []
    )
