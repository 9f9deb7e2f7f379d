"""Rebuilding analytics' views beside the live ones, then switching without downtime.

``python -m analytics rebuild-views --beside`` replays every topic from offset 0
into a new version of the views (progress bar), follows the topics until that
version has caught up with their end offsets, then points the live service at
it, and keeps following until the service reports it switched (or a grace time
passes, e.g. when no service runs: it then starts on the new version).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from aiokafka import TopicPartition

from analytics.settings import AnalyticsSettings
from analytics.versions import Pointer, new_version
from analytics.views import metadata
from analytics.views.customer360 import Customer360
from servicekit import kafka
from servicekit.consumer import BatchApplier
from servicekit.rebuild import replay
from servicekit.views import ViewStore


async def rebuild_beside(
    settings: AnalyticsSettings, grace_seconds: float = 120.0, progress: bool = True
) -> str:
    """Build a new version of the views, switch the live service to it; return the version."""
    pointer = Pointer(settings)
    version = new_version()
    store = ViewStore(pointer.url(version), metadata)
    projection = Customer360(store)
    try:
        await replay(projection, settings.kafka_bootstrap_servers, progress=progress)
        await follow(projection, settings.kafka_bootstrap_servers, until=lambda: True)
        await asyncio.to_thread(pointer.point, version)
        deadline = time.monotonic() + grace_seconds

        def switched_or_late() -> bool:
            return pointer.served() == version or time.monotonic() > deadline

        await follow(projection, settings.kafka_bootstrap_servers, until=switched_or_late)
        return version
    finally:
        store.close()
        pointer.close()


async def follow(
    projection: Customer360, bootstrap_servers: str, until: Callable[[], bool]
) -> None:
    """Apply what the topics hold beyond the projection's positions, until it has caught up
    with their end offsets and ``until()`` holds."""
    partitions = await kafka.partitions_of(bootstrap_servers, projection.topics)
    consumer = kafka.consumer(bootstrap_servers, group_id=None, client_id="rebuild-follow")
    await consumer.start()
    try:
        consumer.assign(partitions)
        applier = BatchApplier(projection, dead_letters=None)
        for tp in partitions:
            applied = await applier.applied(tp)
            if applied is None:
                await consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, applied + 1)
        while True:
            ends = await consumer.end_offsets(partitions)
            if await _caught_up(applier, partitions, ends) and await asyncio.to_thread(until):
                return
            batches = await consumer.getmany(timeout_ms=200, max_records=2000)
            await applier.apply_batches(batches.items())
    finally:
        await consumer.stop()


async def _caught_up(
    applier: BatchApplier, partitions: list[TopicPartition], ends: dict[TopicPartition, int]
) -> bool:
    for tp in partitions:
        applied = await applier.applied(tp)
        if ends[tp] > (applied if applied is not None else -1) + 1:
            return False
    return True
