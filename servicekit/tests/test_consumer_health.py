"""What a tracked consumer says about itself on a real broker: lag is what its handler has
not applied, with the age of the oldest message not applied, a handler that stops moving is
a stall, and the dead-letter count is read from the dead-letter topic, so a restart does not
lose it."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from uuid import uuid4

import pytest
from eventsourcing.persistence import Tracking
from prometheus_client import REGISTRY
from sqlalchemy import Connection, MetaData

from servicekit import kafka
from servicekit.consumer import Delivery, TrackedConsumer, tracking_name
from servicekit.handlers import Projection
from servicekit.views import ViewStore, views_url

from .test_consumer import TOPIC, lead_message

pytestmark = pytest.mark.kafka


class Gated(Projection):
    """Applies nothing until its gate opens: a handler stuck on a slow or absent database."""

    topics = (TOPIC,)

    def __init__(self, store: ViewStore, name: str) -> None:
        super().__init__(store)
        self.name = name
        self.gate = threading.Event()

    def apply_many(self, batches: Sequence[tuple[Sequence[Delivery], Tracking]]) -> None:
        assert self.gate.wait(timeout=60), "the gate never opened"
        super().apply_many(batches)

    def project(self, connection: Connection, delivery: Delivery) -> None:
        if getattr(delivery.event, "first_name", None) == "Boom":
            raise RuntimeError("this lead breaks the handler")


def gated(settings, name: str | None = None, open_gate: bool = False) -> Gated:
    store = ViewStore(views_url(settings), MetaData())
    handler = Gated(store, name or f"gated-{uuid4().hex[:8]}")
    if open_gate:
        handler.gate.set()
    return handler


@contextlib.asynccontextmanager
async def running(consumer: TrackedConsumer):
    task = asyncio.create_task(consumer.run())
    try:
        yield consumer
    finally:
        handler = consumer.handler
        if isinstance(handler, Gated):
            handler.gate.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def messages_in(bootstrap: str, topic: str) -> int:
    """Every message the topic holds now."""
    partitions = await kafka.partitions_of(bootstrap, [topic])
    reader = kafka.consumer(bootstrap, group_id=None, client_id="test-count")
    await reader.start()
    try:
        ends = await reader.end_offsets(partitions)
        starts = await reader.beginning_offsets(partitions)
    finally:
        await reader.stop()
    return sum(ends[tp] - starts[tp] for tp in partitions)


def fetched_every_partition(consumer: TrackedConsumer) -> bool:
    consumer.lag()  # looks at the partitions now
    assigned = consumer.assigned
    return bool(assigned) and consumer.progress.behind().keys() == assigned


def metric(name: str, consumer: str, over: Callable[[Iterable[float]], float] = sum) -> float:
    """A metric's series for one consumer, as /metrics shows them, summed (or ``over``)."""
    return over(
        [
            sample.value
            for family in REGISTRY.collect()
            for sample in family.samples
            if sample.name == name and sample.labels["consumer"] == consumer
        ]
        or [0.0]
    )


@pytest.fixture
async def dead_letters(kafka_io):
    producer = kafka.producer(kafka_io.bootstrap_servers, "test-dlq")
    await producer.start()
    yield producer
    await producer.stop()


async def test_messages_fetched_but_not_yet_applied_are_lag(
    store_settings, kafka_io, dead_letters
) -> None:
    # Given messages on the topic and a handler that cannot apply anything yet
    await kafka_io.produce(TOPIC, [lead_message(f"lead-{uuid4().hex[:8]}") for _ in range(20)])
    waiting = await messages_in(kafka_io.bootstrap_servers, TOPIC)
    handler = gated(store_settings("health"))
    consumer = TrackedConsumer(
        handler, kafka_io.bootstrap_servers, f"test-{uuid4().hex[:8]}", dead_letters
    )

    async with running(consumer):
        # When the consumer has fetched every partition and hands the poll to the handler
        await kafka_io.eventually(lambda: fetched_every_partition(consumer))

        # Then every message of the topic is lag: none was applied
        assert consumer.lag() == waiting
        assert not consumer.caught_up
        await kafka_io.eventually(lambda: metric("consumer_lag_messages", handler.name) == waiting)

        # And once the handler applies them, nothing is
        handler.gate.set()
        await kafka_io.eventually(lambda: consumer.caught_up)
        assert consumer.lag() == 0


async def test_thousands_of_messages_fetched_behind_a_hung_write_are_lag_until_applied(
    store_settings, kafka_io, dead_letters
) -> None:
    # Given a consumer caught up with the topic, whose handler's writes hang from now on
    handler = gated(store_settings("backlog"))
    caught_up_to = (await kafka_io.mark(TOPIC)).mark
    with handler.store.tracked(
        *(
            Tracking(tracking_name(tp.topic, tp.partition), end - 1)
            for tp, end in caught_up_to.items()
            if end
        )
    ):
        pass
    # and a backlog of thousands of messages on one partition (one key: they fit in one
    # fetch, so the consumer gets them all at once), written to Kafka between two moments
    backlog = 2000
    burst = [(b"one-key", lead_message(f"lead-{uuid4().hex[:8]}")[1]) for _ in range(backlog)]
    began_writing = time.time()
    await kafka_io.produce(TOPIC, burst)
    ended_writing = time.time()
    ends = (await kafka_io.mark(TOPIC)).mark
    consumer = TrackedConsumer(
        handler, kafka_io.bootstrap_servers, f"test-{uuid4().hex[:8]}", dead_letters
    )

    async with running(consumer):
        # When the consumer has fetched all of them (Kafka's fetch position is at the end of
        # every partition) and handed them to the write, which hangs
        fetched: dict = {}
        while fetched != ends:
            await asyncio.sleep(0.05)
            fetched = await consumer.fetch_positions()
        await kafka_io.eventually(lambda: fetched_every_partition(consumer))

        # Then every one of them is lag, none is counted as applied
        assert consumer.lag() == backlog
        assert not consumer.caught_up
        await kafka_io.eventually(lambda: metric("consumer_lag_messages", handler.name) == backlog)
        assert metric("consumer_applied_total", handler.name) == 0

        # And the oldest of them was written while the backlog was, and keeps ageing
        written_at = time.time() - consumer.health().oldest_unapplied_age_seconds
        assert began_writing - 0.01 <= written_at <= ended_writing + 0.01
        age = "consumer_oldest_unapplied_age_seconds"
        await kafka_io.eventually(lambda: metric(age, handler.name, max) > 0)
        shown = metric(age, handler.name, max)
        await kafka_io.eventually(lambda: metric(age, handler.name, max) >= shown + 1)
        assert consumer.lag() == backlog

        # And once the write goes through, all of them were applied once and nothing waits
        handler.gate.set()
        await kafka_io.eventually(lambda: consumer.caught_up)
        assert consumer.lag() == 0
        assert consumer.health().oldest_unapplied_age_seconds == 0
        await kafka_io.eventually(lambda: metric(age, handler.name, max) == 0)
        assert metric("consumer_lag_messages", handler.name) == 0
        assert metric("consumer_applied_total", handler.name) == backlog


async def test_a_consumer_whose_handler_does_not_move_reports_itself_stalled(
    store_settings, kafka_io, dead_letters
) -> None:
    await kafka_io.produce(TOPIC, [lead_message(f"lead-{uuid4().hex[:8]}")])
    handler = gated(store_settings("health"))
    consumer = TrackedConsumer(
        handler,
        kafka_io.bootstrap_servers,
        f"test-{uuid4().hex[:8]}",
        dead_letters,
        stall_after=0.5,
    )

    async with running(consumer):
        await kafka_io.eventually(lambda: consumer.running and bool(consumer.health().problems))
        health = consumer.health()
        assert health.running
        assert health.lag > 0
        assert all(problem.startswith("stalled, ") for problem in health.problems), health
        assert any(f" waiting on {TOPIC}[" in problem for problem in health.problems)

        handler.gate.set()
        await kafka_io.eventually(lambda: consumer.caught_up)
        assert consumer.health().problems == []


async def test_the_dead_letter_count_is_read_from_the_topic_and_survives_a_restart(
    store_settings, kafka_io, dead_letters
) -> None:
    # Given a consumer group that dead-lettered poison messages
    settings = store_settings("health")
    await kafka_io.produce(
        TOPIC,
        [
            (b"poison", b"this is not json"),
            lead_message(f"lead-{uuid4().hex[:8]}", first_name="Boom"),
            lead_message(f"lead-{uuid4().hex[:8]}"),
        ],
    )
    group = f"test-{uuid4().hex[:8]}"
    first = TrackedConsumer(
        gated(settings, open_gate=True), kafka_io.bootstrap_servers, group, dead_letters
    )
    async with running(first):
        await kafka_io.eventually(lambda: first.caught_up)
        await kafka_io.eventually(lambda: first.dead_lettered == first.applier.dead_lettered)
    dead = first.dead_lettered
    assert dead is not None
    assert dead >= 2  # ours, and those other tests left on the topic

    # When the service restarts: a new process, a new metric series, the same group
    restarted = TrackedConsumer(
        gated(settings, name=f"restarted-{uuid4().hex[:8]}", open_gate=True),
        kafka_io.bootstrap_servers,
        group,
        dead_letters,
    )
    async with running(restarted):
        await kafka_io.eventually(lambda: restarted.caught_up and restarted.dead_lettered == dead)

        # Then it reports the count without dead-lettering anything again
        assert restarted.applier.dead_lettered == 0
        assert metric("consumer_dead_letters_total", restarted.handler.name) == dead


async def test_dead_letters_of_another_group_on_the_same_topic_are_not_counted(
    store_settings, kafka_io, dead_letters
) -> None:
    await kafka_io.produce(TOPIC, [(b"poison", b"this is not json")])
    ours = TrackedConsumer(
        gated(store_settings("ours"), open_gate=True),
        kafka_io.bootstrap_servers,
        f"test-{uuid4().hex[:8]}",
        dead_letters,
    )
    theirs = TrackedConsumer(
        gated(store_settings("theirs"), open_gate=True),
        kafka_io.bootstrap_servers,
        f"test-{uuid4().hex[:8]}",
        dead_letters,
    )

    async with running(ours), running(theirs):
        await kafka_io.eventually(
            lambda: all(
                c.caught_up and c.dead_lettered == c.applier.dead_lettered for c in (ours, theirs)
            )
        )

    # both dead-lettered the same messages, one record each in the same DLQ topic
    assert ours.applier.dead_lettered >= 1
    assert ours.dead_lettered == theirs.dead_lettered
    assert ours.applier.dead_lettered == theirs.applier.dead_lettered
