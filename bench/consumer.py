"""Consumer throughput: contract messages applied to a read model, per second.

N valid ``crm.leads.v1`` envelopes are produced first. A
:class:`~servicekit.consumer.TrackedConsumer` (fresh group) runs the
:class:`~bench.model.LeadBook` projection on a fresh views store until every
partition's tracked position reaches the last of those messages. The ceiling is
plain aiokafka (the services' consumer settings, a fresh group, no processing,
no commits) reading the same messages, before and after the projection (both
runs count, see :mod:`bench.relay`). Both clocks include the consumer's start
and its joining the group.

A third plain run also decodes every message with ``contracts.decode``, and
nothing more: the rate no consumer that checks its contracts can pass here, in
a row of its own under the figure.

Only the bench's messages are read, whatever the topic held before: their
first offsets are recorded before producing, the projection's tracking starts
just before them (the consumer seeks to the tracked position + 1), and the
ceiling seeks to them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from eventsourcing.persistence import Tracking

from bench.infra import Infrastructure
from bench.model import LEADS_TOPIC, LeadBook, lead_message, metadata
from bench.params import Params, StoreKind
from bench.report import Progress, Row, at_least, decoding_only
from contracts import decode
from servicekit import kafka
from servicekit.consumer import TrackedConsumer, tracking_name
from servicekit.views import ViewStore, views_url

AIM = 0.3
Offsets = dict[TopicPartition, int]


def run(infra: Infrastructure, params: Params, progress: Progress) -> list[Row]:
    bootstrap = infra.kafka()
    progress(f"consumer: producing {params.messages} messages to {LEADS_TOPIC}")
    first, end = asyncio.run(_produce(bootstrap, params))
    asyncio.run(_warm_group_coordinator(bootstrap))
    rows = []
    for kind in params.stores:
        rows.extend(_measure(infra, kind, bootstrap, first, end, params, progress))
    return rows


async def _end_offsets(bootstrap: str, partitions: list[TopicPartition]) -> Offsets:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


async def _produce(bootstrap: str, params: Params) -> tuple[Offsets, Offsets]:
    """Produce the messages; return each partition's first and end offsets of them."""
    await kafka.ensure_topics(bootstrap, [LEADS_TOPIC, f"{LEADS_TOPIC}.dlq"], params.partitions)
    partitions = await kafka.partitions_of(bootstrap, [LEADS_TOPIC])
    first = await _end_offsets(bootstrap, partitions)
    messages = [lead_message(number) for number in range(params.messages)]
    producer = kafka.producer(bootstrap, "bench-consumer-feed")
    try:
        await producer.start()
        deliveries = [await producer.send(LEADS_TOPIC, value, key=key) for key, value in messages]
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()
    end = await _end_offsets(bootstrap, partitions)
    produced = sum(end[tp] - first[tp] for tp in partitions)
    if produced != params.messages:
        raise RuntimeError(f"{produced} messages landed on {LEADS_TOPIC}, not {params.messages}")
    return first, end


async def _warm_group_coordinator(bootstrap: str) -> None:
    """The first group on a fresh broker creates ``__consumer_offsets``: not on the clocks."""
    consumer = kafka.consumer(bootstrap, f"bench-warmup-{uuid4().hex[:8]}", "bench-warmup")
    consumer.subscribe([LEADS_TOPIC])
    try:
        await consumer.start()
        async with asyncio.timeout(60):
            while not consumer.assignment():
                await consumer.getmany(timeout_ms=200, max_records=1)
    finally:
        await consumer.stop()


def _measure(
    infra: Infrastructure,
    kind: StoreKind,
    bootstrap: str,
    first: Offsets,
    end: Offsets,
    params: Params,
    progress: Progress,
) -> list[Row]:
    settings = infra.store_settings(kind, "consumer")
    store = ViewStore(views_url(settings), metadata)
    try:
        book = LeadBook(store)
        for tp, offset in first.items():
            if offset > 0:  # start the projection just before the bench's messages
                with store.tracked(Tracking(tracking_name(tp.topic, tp.partition), offset - 1)):
                    pass
        count = sum(end[tp] - first[tp] for tp in first)
        progress(f"consumer/{kind}: ceiling, plain aiokafka consuming {count} messages")
        before = asyncio.run(_plain_consume(bootstrap, first, end, timeout(count)))
        progress(f"consumer/{kind}: ceiling before {count / before:,.0f} msg/s ({before:.2f}s)")

        progress(f"consumer/{kind}: TrackedConsumer applying {count} messages")
        seconds = asyncio.run(_tracked_consume(book, bootstrap, first, end, timeout(count)))
        figure = count / seconds
        progress(f"consumer/{kind}: tracked {figure:,.0f} msg/s ({seconds:.2f}s)")
        after = asyncio.run(_plain_consume(bootstrap, first, end, timeout(count)))
        progress(f"consumer/{kind}: ceiling after {count / after:,.0f} msg/s ({after:.2f}s)")
        ceiling = 2 * count / (before + after)
        decoding = asyncio.run(_plain_consume(bootstrap, first, end, timeout(count), decoding=True))
        rows = book.count()
        if rows != count:
            raise RuntimeError(f"the read model holds {rows} leads, not {count}")
    finally:
        store.close()
    details = {
        "messages": count,
        "tracked_seconds": seconds,
        "ceiling_seconds_before": before,
        "ceiling_seconds_after": after,
        "topic": LEADS_TOPIC,
        "partitions": len(first),
        "read_model_rows": rows,
    }
    ratio = figure / ceiling
    row = Row("consumer throughput", kind, figure, "msg/s", ceiling, at_least(ratio, AIM), details)
    return [row, decoding_only("consumer", row, decoding, count, progress)]


def timeout(count: int) -> float:
    """Generous: a measurement this slow has failed anyway."""
    return 120.0 + count / 50


def _last_offsets(first: Offsets, end: Offsets) -> Offsets:
    return {tp: end[tp] - 1 for tp in first if end[tp] > first[tp]}


class _SeekTo(ConsumerRebalanceListener):
    def __init__(self, consumer: AIOKafkaConsumer, offsets: Offsets) -> None:
        self.consumer = consumer
        self.offsets = offsets

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        pass

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        for tp in assigned:
            self.consumer.seek(tp, self.offsets.get(tp, 0))


async def _plain_consume(
    bootstrap: str, first: Offsets, end: Offsets, limit: float, decoding: bool = False
) -> float:
    """Seconds for plain aiokafka to fetch the messages (start and group join included),
    and to decode each of them if ``decoding``."""
    remaining = _last_offsets(first, end)
    consumer = kafka.consumer(bootstrap, f"bench-plain-{uuid4().hex[:8]}", "bench-plain")
    consumer.subscribe([LEADS_TOPIC], listener=_SeekTo(consumer, first))
    try:
        async with asyncio.timeout(limit):
            started = time.perf_counter()
            await consumer.start()
            while remaining:
                batches = await consumer.getmany(timeout_ms=500, max_records=1000)
                for tp, records in batches.items():
                    if decoding:
                        for record in records:
                            decode(record.topic, record.value)
                    if tp in remaining and records[-1].offset >= remaining[tp]:
                        del remaining[tp]
            return time.perf_counter() - started
    finally:
        await consumer.stop()


async def _tracked_consume(
    book: LeadBook, bootstrap: str, first: Offsets, end: Offsets, limit: float
) -> float:
    """Seconds for a TrackedConsumer to apply the messages (start and group join included)."""
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    book.expect(
        {
            tracking_name(tp.topic, tp.partition): last
            for tp, last in _last_offsets(first, end).items()
        },
        lambda: loop.call_soon_threadsafe(done.set),
    )
    dead_letters = kafka.producer(bootstrap, "bench-dlq")
    try:
        await dead_letters.start()
        consumer = TrackedConsumer(book, bootstrap, f"bench-{uuid4().hex[:8]}", dead_letters)
        started = time.perf_counter()
        running = asyncio.create_task(consumer.run())
        try:
            async with asyncio.timeout(limit):
                await done.wait()
            seconds = time.perf_counter() - started
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
        if consumer.applier.dead_lettered:
            raise RuntimeError(f"{consumer.applier.dead_lettered} messages were dead-lettered")
        return seconds
    finally:
        await dead_letters.stop()
