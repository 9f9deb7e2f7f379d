"""Tracked consumers on a real broker: each message takes effect once, poison goes aside."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import Column, Connection, Index, Integer, MetaData, String, Table, inspect, select

from contracts import Envelope
from contracts.leads import LeadCaptured
from servicekit import kafka
from servicekit.consumer import BatchApplier, Delivery, TrackedConsumer
from servicekit.handlers import Projection
from servicekit.rebuild import replay
from servicekit.views import ViewStore, views_url

pytestmark = pytest.mark.kafka

TOPIC = "crm.leads.v1"


class Sightings(Projection):
    """Counts how often each lead was applied: any double effect shows as 2."""

    topics = (TOPIC,)

    def __init__(self, store: ViewStore, table: Table) -> None:
        super().__init__(store)
        self.table = table
        self.deferred_indexes = tuple(table.indexes)

    def project(self, connection: Connection, delivery: Delivery) -> None:
        event = delivery.event
        assert isinstance(event, LeadCaptured)
        if event.first_name == "Boom":
            raise RuntimeError("this lead breaks the handler")
        times = connection.scalar(
            select(self.table.c.times).where(self.table.c.lead_id == event.lead_id)
        )
        if times is None:
            connection.execute(self.table.insert().values(lead_id=event.lead_id, times=1))
        else:
            connection.execute(
                self.table.update()
                .where(self.table.c.lead_id == event.lead_id)
                .values(times=times + 1)
            )

    def counts(self, prefix: str) -> dict[str, int]:
        with self.store.reading() as connection:
            rows = connection.execute(
                select(self.table).where(self.table.c.lead_id.startswith(prefix))
            ).all()
        return {row.lead_id: row.times for row in rows}


def sightings(settings) -> Sightings:
    metadata = MetaData()
    table = Table(
        "sightings",
        metadata,
        Column("lead_id", String(80), primary_key=True),
        Column("times", Integer, nullable=False),
        Index("sightings_by_times", "times"),  # for queries only: a replay builds it last
    )
    return Sightings(ViewStore(views_url(settings), metadata), table)


def lead_message(lead_id: str, first_name: str = "Ada") -> tuple[bytes, bytes]:
    event = LeadCaptured(
        lead_id=lead_id,
        source="web_form",
        first_name=first_name,
        last_name="L",
        captured_at=datetime.now(UTC),
    )
    return lead_id.encode(), Envelope.wrap(event, source="/test", subject=lead_id).to_bytes()


async def run_until(consumer: TrackedConsumer, condition, kafka_io) -> None:
    task = asyncio.create_task(consumer.run())
    try:
        await kafka_io.eventually(condition, timeout=60)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture
async def dead_letters(kafka_io):
    producer = kafka.producer(kafka_io.bootstrap_servers, "test-dlq")
    await producer.start()
    yield producer
    await producer.stop()


async def test_a_restarted_consumer_resumes_and_applies_each_message_once(
    store_settings, kafka_io, dead_letters
) -> None:
    prefix = f"lead-{uuid4().hex[:8]}-"
    projection = sightings(store_settings("consumer"))
    group = f"test-{uuid4().hex[:8]}"
    await kafka_io.produce(TOPIC, [lead_message(f"{prefix}{i}") for i in range(20)])

    first = TrackedConsumer(projection, kafka_io.bootstrap_servers, group, dead_letters)
    await run_until(first, lambda: len(projection.counts(prefix)) == 20, kafka_io)
    await kafka_io.produce(TOPIC, [lead_message(f"{prefix}{i}") for i in range(20, 30)])
    restarted = TrackedConsumer(projection, kafka_io.bootstrap_servers, group, dead_letters)
    await run_until(restarted, lambda: len(projection.counts(prefix)) == 30, kafka_io)

    assert projection.counts(prefix) == {f"{prefix}{i}": 1 for i in range(30)}


async def test_redelivered_messages_have_no_second_effect(
    store_settings, kafka_io, dead_letters
) -> None:
    prefix = f"lead-{uuid4().hex[:8]}-"
    projection = sightings(store_settings("consumer"))
    probe = await kafka_io.mark(TOPIC)
    await kafka_io.produce(TOPIC, [lead_message(f"{prefix}{i}") for i in range(12)])
    consumer = TrackedConsumer(
        projection, kafka_io.bootstrap_servers, f"test-{uuid4().hex[:8]}", dead_letters
    )
    await run_until(consumer, lambda: len(projection.counts(prefix)) == 12, kafka_io)

    # Kafka delivers the same records again: once more as a whole batch,
    # and to a new consumer group that has committed nothing.
    records = await probe.read(12)
    applier = BatchApplier(projection, dead_letters)
    await applier.apply_batches(
        (TopicPartition(*tp), [r for r in records if (r.topic, r.partition) == tp])
        for tp in {(r.topic, r.partition) for r in records}
    )
    stranger = TrackedConsumer(
        projection, kafka_io.bootstrap_servers, f"test-{uuid4().hex[:8]}", dead_letters
    )
    await run_until(stranger, lambda: stranger.running and stranger.caught_up, kafka_io)

    assert projection.counts(prefix) == {f"{prefix}{i}": 1 for i in range(12)}


async def test_poison_messages_go_to_the_dead_letter_topic_and_the_next_one_is_applied(
    store_settings, kafka_io, dead_letters
) -> None:
    prefix = f"lead-{uuid4().hex[:8]}-"
    projection = sightings(store_settings("consumer"))
    dlq = await kafka_io.mark(f"{TOPIC}.dlq")
    wrong_data = Envelope(source="/test", type="LeadCaptured", subject="x", data={"lead_id": "x"})
    unknown_type = Envelope(source="/test", type="LeadEaten", subject="x", data={})
    key = f"{prefix}poison".encode()
    await kafka_io.produce(
        TOPIC,
        [
            (key, b"this is not json"),
            (key, wrong_data.to_bytes()),
            (key, unknown_type.to_bytes()),
            lead_message(f"{prefix}boom", first_name="Boom"),
            lead_message(f"{prefix}good"),
        ],
    )
    consumer = TrackedConsumer(
        projection, kafka_io.bootstrap_servers, f"test-{uuid4().hex[:8]}", dead_letters
    )
    await run_until(
        consumer,
        lambda: consumer.caught_up and f"{prefix}good" in projection.counts(prefix),
        kafka_io,
    )

    assert projection.counts(prefix) == {f"{prefix}good": 1}
    dead = await dlq.read(4)
    mine = [r for r in dead if r.key and r.key.decode().startswith(prefix)]
    reasons = [dict(r.headers)["dlq.reason"].decode() for r in mine]
    assert len(mine) == 4
    assert any(r.startswith("contract violation: invalid envelope") for r in reasons)
    assert any(r.startswith("contract violation: invalid LeadCaptured data") for r in reasons)
    assert any("no event 'LeadEaten'" in r for r in reasons)
    assert any(r.startswith("handler error") and "breaks the handler" in r for r in reasons)
    assert {dict(r.headers)["dlq.topic"] for r in mine} == {TOPIC.encode()}


async def test_a_read_model_rebuilt_from_offset_zero_equals_the_live_one_indexes_included(
    store_settings, kafka_io, dead_letters
) -> None:
    prefix = f"lead-{uuid4().hex[:8]}-"
    projection = sightings(store_settings("consumer"))
    await kafka_io.produce(TOPIC, [lead_message(f"{prefix}{i}") for i in range(15)])
    consumer = TrackedConsumer(
        projection, kafka_io.bootstrap_servers, f"test-{uuid4().hex[:8]}", dead_letters
    )
    await run_until(consumer, lambda: len(projection.counts(prefix)) == 15, kafka_io)
    live = projection.counts(prefix)

    replayed = await replay(projection, kafka_io.bootstrap_servers, progress=False)

    assert replayed >= 15
    assert projection.counts(prefix) == live
    with projection.store.reading() as connection:
        indexes = inspect(connection).get_indexes("sightings")
    assert [index["name"] for index in indexes] == ["sightings_by_times"]


async def test_a_group_committed_past_the_tracking_record_still_applies_every_message(
    store_settings, kafka_io, dead_letters
) -> None:
    """As after a read model rebuilt beside the old one under the same group: the
    tracking record, not the group's committed offset, says where to resume."""
    prefix = f"lead-{uuid4().hex[:8]}-"
    group = f"test-{uuid4().hex[:8]}"
    await kafka_io.produce(TOPIC, [lead_message(f"{prefix}{i}") for i in range(200)])
    await commit_the_end(kafka_io.bootstrap_servers, group)
    projection = sightings(store_settings("beside"))

    consumer = TrackedConsumer(projection, kafka_io.bootstrap_servers, group, dead_letters)
    await run_until(consumer, lambda: len(projection.counts(prefix)) == 200, kafka_io)

    assert projection.counts(prefix) == {f"{prefix}{i}": 1 for i in range(200)}


async def commit_the_end(bootstrap_servers: str, group: str) -> None:
    committer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, group_id=group, enable_auto_commit=False
    )
    partitions = await kafka.partitions_of(bootstrap_servers, [TOPIC])
    await committer.start()
    try:
        ends = await committer.end_offsets(partitions)
        committer.assign(partitions)
        await committer.commit(ends)
    finally:
        await committer.stop()
