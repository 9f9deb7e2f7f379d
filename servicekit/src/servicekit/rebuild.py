"""Rebuild a read model: drop it and replay its topics from offset 0.

Run it while the service's own consumer for these views is stopped (or use
the zero-downtime variant, which builds a new version beside the live one).
Poison messages met on the way were dead-lettered when first consumed; they
are counted and skipped here, not sent again.
"""

from __future__ import annotations

import asyncio

from tqdm import tqdm

from servicekit import kafka
from servicekit.consumer import MAX_POLL_RECORDS, BatchApplier, WriteBehind
from servicekit.handlers import Projection


async def replay(projection: Projection, bootstrap_servers: str, progress: bool = True) -> int:
    """Reset the projection and apply every message of its topics; return the count."""
    await asyncio.to_thread(projection.reset_for_replay)
    partitions = await kafka.partitions_of(bootstrap_servers, projection.topics)
    consumer = kafka.consumer(bootstrap_servers, group_id=None, client_id="rebuild")
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        beginnings = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        total = sum(ends[tp] - beginnings[tp] for tp in partitions)
        applier = BatchApplier(projection, dead_letters=None)
        remaining = {tp for tp in partitions if ends[tp] > beginnings[tp]}
        done = 0
        with tqdm(
            total=total, unit="msg", desc=f"rebuild {projection.name}", disable=not progress
        ) as bar:
            writes: WriteBehind[None] = WriteBehind()
            try:
                while remaining:
                    batches = await consumer.getmany(
                        *remaining, timeout_ms=1000, max_records=MAX_POLL_RECORDS
                    )
                    wanted = {
                        tp: [record for record in records if record.offset < ends[tp]]
                        for tp, records in batches.items()
                    }
                    decoded = await applier.decode(wanted.items())
                    await writes.finished()
                    await writes.begin(applier.write(decoded))
                    for tp, records in wanted.items():
                        done += len(records)
                        bar.update(len(records))
                        if records and records[-1].offset + 1 >= ends[tp]:
                            remaining.discard(tp)
            finally:
                await writes.finished()
        await asyncio.to_thread(projection.store.build_deferred_indexes)
        return done
    finally:
        await consumer.stop()
