"""How many messages a consumer group sent to dead-letter topics, counted in those topics.

A consumer that gives up on a message sends it to ``<topic>.dlq`` with the header
``dlq.consumer`` naming its consumer group (see :mod:`servicekit.consumer`). Several
services share one DLQ topic (every consumer of ``crm.customers.v1`` writes to
``crm.customers.v1.dlq``), so a group's count is the number of records carrying its
name, by original topic (the ``dlq.topic`` header). The DLQ topics keep their records
forever (``retention.ms=-1``): the count survives restarts, is the same on every
replica of the group, and still counts a dead letter replayed since (it was
dead-lettered once). It is read, not remembered, so nothing else has to be stored.

The tally follows the DLQ topics with a consumer of its own (no group, every
partition from its beginning): a dead letter just sent shows within a fetch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from servicekit import kafka, metrics

log = logging.getLogger(__name__)

DLQ_SUFFIX = ".dlq"


class DeadLetterTally:
    """Counts the dead letters of one consumer group, by original topic."""

    def __init__(
        self, bootstrap_servers: str, group_id: str, topics: Iterable[str], label: str
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.group_id = group_id
        self.label = label  # the ``consumer`` label of the metric: the handler's name
        self.counts: dict[str, int] = dict.fromkeys(topics, 0)
        #: every DLQ record that existed when counting began has been read
        self.complete = False
        self._next: dict[TopicPartition, int] = {}  # the first offset not counted yet

    @property
    def total(self) -> int | None:
        """Dead letters of the group so far; None until the DLQ topics were read once."""
        return sum(self.counts.values()) if self.complete else None

    @property
    def dlq_topics(self) -> list[str]:
        return sorted(f"{topic}{DLQ_SUFFIX}" for topic in self.counts)

    async def run(self) -> None:
        """Count until cancelled; a broker outage is waited out."""
        while True:
            reader = kafka.consumer(
                self.bootstrap_servers, group_id=None, client_id=f"{self.label}-dead-letters"
            )
            reader.subscribe(self.dlq_topics)
            try:
                await reader.start()
                await self._follow(reader)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("dead-letter count interrupted; retrying", exc_info=True)
                await asyncio.sleep(1.0)
            finally:
                await reader.stop()

    async def _follow(self, reader: AIOKafkaConsumer) -> None:
        pending = {} if self.complete else await self._ends(reader)
        while True:
            batches = await reader.getmany(timeout_ms=1000)
            for tp, records in batches.items():
                self._count(tp, records)
            was_complete = self.complete
            self.complete = was_complete or all(
                self._next.get(tp, 0) >= end for tp, end in pending.items()
            )
            if self.complete and (batches or not was_complete):
                self._export()

    async def _ends(self, reader: AIOKafkaConsumer) -> dict[TopicPartition, int]:
        """The end of every non-empty DLQ partition now: read up to there, the count is
        complete."""
        partitions = await kafka.partitions_of(self.bootstrap_servers, self.dlq_topics)
        if not partitions:
            return {}
        ends = await reader.end_offsets(partitions)
        starts = await reader.beginning_offsets(partitions)
        return {tp: end for tp, end in ends.items() if end > starts[tp]}

    def _count(self, tp: TopicPartition, records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        """Count this group's records once each (a reader reassigned reads from the start
        again: what was counted is skipped)."""
        counted_to = self._next.get(tp, 0)
        for record in records:
            if record.offset < counted_to:
                continue
            headers = dict(record.headers or ())
            if headers.get("dlq.consumer", b"").decode(errors="replace") == self.group_id:
                origin = headers.get("dlq.topic", b"").decode(errors="replace")
                origin = origin or tp.topic.removesuffix(DLQ_SUFFIX)
                self.counts[origin] = self.counts.get(origin, 0) + 1
            counted_to = record.offset + 1
        self._next[tp] = counted_to

    def _export(self) -> None:
        """``consumer_dead_letters_total`` shows the count once complete: a restarted
        service continues the series where it was, instead of starting from 0."""
        if not self.complete:
            return
        for topic, count in self.counts.items():
            metrics.raise_to(metrics.DEAD_LETTERS, count, consumer=self.label, topic=topic)
