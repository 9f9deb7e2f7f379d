"""The same partitioned logs delivered in another order, as a consumer group may see them.

Kafka keeps the order of each partition and nothing else: across partitions and
topics, any interleaving is possible, and a consumer restarted from committed
offsets that lag its tracked position reads part of a partition again. A read
model must come out the same whichever of these deliveries it gets. Property
tests build the logs once, let a chooser (hypothesis' ``data.draw``) pick the
polls, and feed them through the consumer's own :class:`BatchApplier`, decoding
and dead-lettering included.

No hypothesis here: the choices come in as a function, so the plans are plain data
that a chaos run or a failing example can print and replay.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

from aiokafka import ConsumerRecord, TopicPartition
from sqlalchemy import Connection, Table, select

from contracts import Envelope, IntegrationEvent, topic_of
from servicekit.consumer import BatchApplier, Handler

#: an index below its argument, e.g. ``lambda n: data.draw(st.integers(0, n - 1))``
Choose = Callable[[int], int]
Log = list[ConsumerRecord[bytes, bytes]]
Poll = list[tuple[TopicPartition, Log]]


@dataclass(frozen=True)
class Published:
    """A message as its producer sent it: the topic, the key and the bytes."""

    topic: str
    key: str
    value: bytes


@dataclass(frozen=True)
class Restart:
    """The consumer starts again: it forgets what it remembered of its positions."""


Step = Poll | Restart


def partitioned(published: Iterable[Published], partitions: int) -> dict[TopicPartition, Log]:
    """Each message on its key's partition, at the next offset, in the order sent."""
    logs: dict[TopicPartition, Log] = {}
    for message in published:
        key = message.key.encode()
        tp = TopicPartition(message.topic, zlib.crc32(key) % partitions)
        log = logs.setdefault(tp, [])
        log.append(
            ConsumerRecord(
                topic=tp.topic,
                partition=tp.partition,
                offset=len(log),
                timestamp=0,
                timestamp_type=0,
                key=key,
                value=message.value,
                checksum=None,
                serialized_key_size=len(key),
                serialized_value_size=len(message.value),
                headers=(),
            )
        )
    return logs


def plan(logs: dict[TopicPartition, Log], choose: Choose, *, restarts: int = 2) -> list[Step]:
    """Polls that take a few records from a few partitions each, every partition in its
    order; up to ``restarts`` times the consumer restarts and reads part of a partition
    again from an earlier offset."""
    read = dict.fromkeys(logs, 0)
    steps: list[Step] = []
    while unread := sorted((tp for tp in logs if read[tp] < len(logs[tp])), key=_order):
        poll: Poll = []
        for _ in range(1 + choose(len(unread))):
            tp = unread.pop(choose(len(unread)))
            taken = 1 + choose(min(4, len(logs[tp]) - read[tp]))
            poll.append((tp, logs[tp][read[tp] : read[tp] + taken]))
            read[tp] += taken
        steps.append(poll)
        if restarts and choose(4) == 0:
            restarts -= 1
            steps.append(Restart())
            begun = sorted((tp for tp in logs if read[tp]), key=_order)
            if begun:
                tp = begun[choose(len(begun))]
                read[tp] -= 1 + choose(read[tp])
    return steps


def in_order(logs: dict[TopicPartition, Log]) -> list[Step]:
    """The reference delivery: every partition whole, one after the other."""
    return [[(tp, logs[tp])] for tp in sorted(logs, key=_order)]


def consume(handler: Handler, steps: Sequence[Step]) -> int:
    """Deliver the steps through the consumer's applier; return how many messages it
    dead-lettered (there is no producer: they are counted, not sent)."""

    async def run() -> int:
        dead_lettered = 0
        applier = BatchApplier(handler, None)
        for step in steps:
            if isinstance(step, Restart):
                dead_lettered += applier.dead_lettered
                applier = BatchApplier(handler, None)
            else:
                await applier.apply_batches(step)
        return dead_lettered + applier.dead_lettered

    return asyncio.run(run())


def _order(tp: TopicPartition) -> tuple[str, int]:
    return tp.topic, tp.partition


def published(
    event: IntegrationEvent,
    *,
    source: str,
    key: str,
    version: int | None = None,
    time: datetime | None = None,
) -> Published:
    """The message a producer sends for ``event`` on its topic."""
    envelope = Envelope.wrap(
        event,
        source=source,
        subject=key,
        aggregateversion=version,
        **({"time": time} if time else {}),
    )
    return Published(topic_of(type(event)).name, key, envelope.to_bytes())


def sent_again(message: Published) -> Published:
    """The same event under a new message id: how an ERP resends a fact."""
    envelope = Envelope.model_validate_json(message.value)
    again = envelope.model_copy(update={"id": str(uuid4())})
    return Published(message.topic, message.key, again.to_bytes())


def with_copies(sent: Sequence[Published], choose: Choose, at_most: int = 6) -> list[Published]:
    """The log with some messages sent again, each after its original: an event of the
    CRM's published again by a relay (the same message id), a fact of the ERP's resent
    under a new message id."""
    log = list(sent)
    for _ in range(choose(at_most + 1)):
        original = sent[choose(len(sent))]
        copy = sent_again(original) if original.topic.startswith("erp.") else original
        log.insert(log.index(original) + 1 + choose(len(log) - log.index(original)), copy)
    return log


def deliver_both_ways(
    reference: Handler, shuffled: Handler, sent: Sequence[Published], choose: Choose
) -> int:
    """Deliver ``sent`` to ``reference`` once, every partition whole in turn, and to
    ``shuffled`` with copies (:func:`with_copies`) over three partitions a topic in the
    polls and restarts ``choose`` picks (:func:`plan`); return how many messages the two
    dead-lettered. Their read models must then be the same."""
    in_turn = in_order(partitioned(sent, partitions=1))
    interleaved = plan(partitioned(with_copies(sent, choose), partitions=3), choose)
    return consume(reference, in_turn) + consume(shuffled, interleaved)


def table_rows(connection: Connection, table: Table, *leave_out: str) -> list[tuple[Any, ...]]:
    """A read-model table's rows in a comparable form: sorted, without the columns that
    only say when or where a row arrived (generated ids, offsets)."""
    columns = [column for column in table.c if column.name not in leave_out]
    return sorted(tuple(row) for row in connection.execute(select(*columns)))
