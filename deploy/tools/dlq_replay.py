"""Inspect a dead-letter topic and re-produce chosen messages to their original topic.

A consumer that cannot apply a message sends it, unchanged (same key and value), to
``<topic>.dlq`` with headers ``dlq.reason``, ``dlq.topic``, ``dlq.partition``,
``dlq.offset`` and ``dlq.consumer`` (its consumer group), then moves on. This tool
reads ``<topic>.dlq`` from its beginning to its end at the time of the call::

    python deploy/tools/dlq_replay.py list --topic erp.orders.v1
    python deploy/tools/dlq_replay.py list --topic erp.orders.v1 --consumer crm-analytics-views
    python deploy/tools/dlq_replay.py replay --topic erp.orders.v1 --select 0:12,0:13 --dry-run
    python deploy/tools/dlq_replay.py replay --topic erp.orders.v1 --all --reason-contains handler

``--bootstrap`` defaults to ``$KAFKA_BOOTSTRAP_SERVERS`` (else ``127.0.0.1:9092``).
Messages are chosen by their DLQ position ``partition:offset`` (``--select``) or all
that pass the filters (``--all``). A message that several consumer groups dead-lettered
(one DLQ record each) is re-produced once. The replayed record keeps key and value
and carries ``dlq.replayed-from`` = ``<dlq topic>:<partition>:<offset>``.

Replaying appends a *new* record to the original topic: every consumer group of that
topic reads it, also those that applied the original. Read deploy/RUNBOOK.md
("Replaying a dead-letter topic") before replaying to a topic with several consumers.
The image of every service ships this file as ``/opt/crm/tools/dlq_replay.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from pydantic import ValidationError

from contracts import ContractViolation, Envelope, decode
from servicekit import kafka

REPLAYED_FROM = "dlq.replayed-from"


@dataclass(frozen=True)
class DeadLetter:
    """One record of a dead-letter topic and where it came from."""

    dlq_topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None
    reason: str
    topic: str
    origin_partition: int | None
    origin_offset: int | None
    consumer: str
    event_type: str | None

    @property
    def position(self) -> str:
        """The record's DLQ position, ``partition:offset``, as ``--select`` takes it."""
        return f"{self.partition}:{self.offset}"

    @property
    def origin(self) -> tuple[str, int | None, int | None]:
        return self.topic, self.origin_partition, self.origin_offset

    def summary(self) -> dict[str, object]:
        described = asdict(self)
        described["key"] = self.key.decode(errors="replace") if self.key is not None else None
        described.pop("value")
        described["position"] = self.position
        return described


def _header(headers: Sequence[tuple[str, bytes]], name: str) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode(errors="replace")
    return None


def _as_int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def dead_letter(record: ConsumerRecord[bytes, bytes], default_topic: str) -> DeadLetter:
    headers = list(record.headers or ())
    topic = _header(headers, "dlq.topic") or default_topic
    return DeadLetter(
        dlq_topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        timestamp_ms=record.timestamp,
        key=record.key,
        value=record.value,
        reason=_header(headers, "dlq.reason") or "(no dlq.reason header)",
        topic=topic,
        origin_partition=_as_int(_header(headers, "dlq.partition")),
        origin_offset=_as_int(_header(headers, "dlq.offset")),
        consumer=_header(headers, "dlq.consumer") or "(unknown)",
        event_type=event_type_of(topic, record.value),
    )


def event_type_of(topic: str, value: bytes | None) -> str | None:
    """The message's event type, if at least its envelope can be read."""
    try:
        envelope, _ = decode(topic, value)
        return envelope.type
    except ContractViolation:
        pass
    try:
        return Envelope.model_validate_json(value or b"").type
    except ValidationError:
        return None


async def read_dead_letters(
    bootstrap_servers: str, topic: str, within: float = 60.0
) -> list[DeadLetter]:
    """Every record of ``<topic>.dlq`` up to its end when called, in partition/offset order."""
    dlq = f"{topic}.dlq"
    partitions = await kafka.partitions_of(bootstrap_servers, [dlq])
    if not partitions:
        raise LookupError(f"topic {dlq} does not exist")
    consumer = kafka.consumer(bootstrap_servers, group_id=None, client_id="dlq-replay")
    await consumer.start()
    letters: list[DeadLetter] = []
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.seek_to_beginning(*partitions)
        deadline = time.monotonic() + within
        while not await _at_end(consumer, ends):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{dlq} not read to its end in {within} s")
            batches = await consumer.getmany(timeout_ms=200)
            for tp, records in batches.items():
                letters.extend(dead_letter(r, topic) for r in records if r.offset < ends[tp])
    finally:
        await consumer.stop()
    return sorted(letters, key=lambda letter: (letter.partition, letter.offset))


async def _at_end(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return False
    return True


def choose(
    letters: Iterable[DeadLetter],
    *,
    positions: Iterable[str] = (),
    everything: bool = False,
    consumer: str | None = None,
    reason_contains: str | None = None,
) -> list[DeadLetter]:
    """The dead letters picked by position (or all) that pass the filters."""
    wanted = {position.strip() for position in positions if position.strip()}
    chosen = []
    for letter in letters:
        if not everything and letter.position not in wanted:
            continue
        if consumer is not None and letter.consumer != consumer:
            continue
        if reason_contains is not None and reason_contains not in letter.reason:
            continue
        chosen.append(letter)
    unknown = wanted - {letter.position for letter in letters}
    if unknown:
        raise LookupError(f"no dead letter at {', '.join(sorted(unknown))}")
    return chosen


def once_per_origin(letters: Iterable[DeadLetter]) -> list[DeadLetter]:
    """One dead letter per original message (several groups may have dead-lettered it)."""
    seen: set[tuple[str, int | None, int | None]] = set()
    unique = []
    for letter in letters:
        if letter.origin_offset is not None and letter.origin in seen:
            continue
        seen.add(letter.origin)
        unique.append(letter)
    return unique


async def replay(
    bootstrap_servers: str, letters: Sequence[DeadLetter], to_topic: str | None = None
) -> int:
    """Re-produce ``letters`` (key and value unchanged) to their original topic, in order."""
    producer = kafka.producer(bootstrap_servers, "dlq-replay")
    await producer.start()
    try:
        deliveries = [
            await producer.send(
                to_topic or letter.topic,
                letter.value,
                key=letter.key,
                headers=[(REPLAYED_FROM, f"{letter.dlq_topic}:{letter.position}".encode())],
            )
            for letter in letters
        ]
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()
    return len(letters)


def _table(letters: Sequence[DeadLetter]) -> str:
    lines = [f"{'dlq pos':>9}  {'origin':<28} {'consumer':<26} {'event':<22} reason"]
    for letter in letters:
        origin = f"{letter.topic}:{letter.origin_partition}:{letter.origin_offset}"
        lines.append(
            f"{letter.position:>9}  {origin:<28} {letter.consumer:<26} "
            f"{letter.event_type or '-':<22} {letter.reason}"
        )
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dlq_replay.py", description=(__doc__ or "").split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, purpose in (
        ("list", "show the dead letters with their reasons"),
        ("replay", "re-produce chosen dead letters to their original topic"),
    ):
        command = commands.add_parser(name, help=purpose)
        command.add_argument("--topic", required=True, help="original topic (reads <topic>.dlq)")
        command.add_argument(
            "--bootstrap",
            default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
            help="Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS)",
        )
        command.add_argument("--consumer", help="only those dead-lettered by this consumer group")
        command.add_argument("--reason-contains", help="only those whose reason contains this text")
        command.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    replaying = commands.choices["replay"]
    chosen = replaying.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--select", help="DLQ positions partition:offset, comma-separated")
    chosen.add_argument("--all", action="store_true", help="every dead letter passing the filters")
    replaying.add_argument("--to", help="produce to this topic instead of the original one")
    replaying.add_argument("--dry-run", action="store_true", help="show what would be replayed")
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        letters = asyncio.run(read_dead_letters(arguments.bootstrap, arguments.topic))
        selected = choose(
            letters,
            positions=(getattr(arguments, "select", None) or "").split(","),
            everything=arguments.command == "list" or arguments.all,
            consumer=arguments.consumer,
            reason_contains=arguments.reason_contains,
        )
    except (LookupError, TimeoutError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if arguments.command == "replay":
        selected = once_per_origin(selected)
    if arguments.json:
        for letter in selected:
            print(json.dumps(letter.summary()))
    else:
        print(_table(selected))
    if arguments.command == "list":
        return 0
    target = arguments.to or arguments.topic
    if arguments.dry_run:
        print(f"dry run: would re-produce {len(selected)} message(s) to {target}", file=sys.stderr)
        return 0
    count = asyncio.run(replay(arguments.bootstrap, selected, arguments.to))
    print(f"re-produced {count} message(s) to {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
