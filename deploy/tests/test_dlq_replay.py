"""The DLQ tool on a real broker: it lists dead letters with their reasons and re-produces
the chosen ones, once per original message, to the original topic."""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Any
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer

from contracts import Envelope
from contracts.leads import LeadCaptured
from servicekit import kafka

pytestmark = pytest.mark.kafka


@functools.cache
def lead(lead_id: str) -> bytes:
    event = LeadCaptured.model_validate(
        {
            "lead_id": lead_id,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "source": "web_form",
            "captured_at": "2025-03-03T10:00:00+00:00",
        }
    )
    return Envelope.wrap(event, source="/crm/acquisition", subject=lead_id).to_bytes()


def headers(reason: str, topic: str, offset: int, consumer: str) -> list[tuple[str, bytes]]:
    return [
        ("dlq.reason", reason.encode()),
        ("dlq.topic", topic.encode()),
        ("dlq.partition", b"0"),
        ("dlq.offset", str(offset).encode()),
        ("dlq.consumer", consumer.encode()),
    ]


async def dead_letter(bootstrap: str, topic: str) -> None:
    """Three dead letters of two messages: one two groups failed, one broken message."""
    await kafka.ensure_topics(bootstrap, [topic, f"{topic}.dlq"], partitions=1)
    producer = kafka.producer(bootstrap, "test-dlq")
    await producer.start()
    try:
        for value, key, reason, offset, consumer in (
            (lead("L-1"), b"L-1", "handler error: KeyError('tier')", 5, "crm-analytics-views"),
            (lead("L-1"), b"L-1", "handler error: KeyError('tier')", 5, "crm-loyalty-inbox"),
            (
                b'{"specversion": "1.0", "ty',
                b"L-2",
                "contract violation: invalid JSON",
                7,
                "crm-analytics-views",
            ),
        ):
            await producer.send_and_wait(
                f"{topic}.dlq", value, key=key, headers=headers(reason, topic, offset, consumer)
            )
    finally:
        await producer.stop()


async def read_all(bootstrap: str, topic: str) -> list[Any]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=3000)
        return [record for records in batches.values() for record in records]
    finally:
        await consumer.stop()


@pytest.fixture
def topic(kafka_bootstrap_servers: str) -> str:
    name = f"test.dlq-replay.{uuid4().hex[:8]}"
    asyncio.run(dead_letter(kafka_bootstrap_servers, name))
    return name


def test_list_shows_every_dead_letter_with_its_reason_origin_and_consumer(
    dlq_replay: Any, topic: str, kafka_bootstrap_servers: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = dlq_replay.main(
        ["list", "--topic", topic, "--bootstrap", kafka_bootstrap_servers, "--json"]
    )

    assert status == 0
    shown = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(s["position"], s["origin_offset"], s["consumer"], s["event_type"]) for s in shown] == [
        ("0:0", 5, "crm-analytics-views", "LeadCaptured"),
        ("0:1", 5, "crm-loyalty-inbox", "LeadCaptured"),
        ("0:2", 7, "crm-analytics-views", None),
    ]
    assert shown[2]["reason"] == "contract violation: invalid JSON"
    assert {s["topic"] for s in shown} == {topic}


def test_replay_reproduces_a_message_once_however_many_groups_dead_lettered_it(
    dlq_replay: Any, topic: str, kafka_bootstrap_servers: str
) -> None:
    status = dlq_replay.main(
        [
            "replay",
            "--topic",
            topic,
            "--bootstrap",
            kafka_bootstrap_servers,
            "--all",
            "--reason-contains",
            "handler error",
        ]
    )

    assert status == 0
    replayed = asyncio.run(read_all(kafka_bootstrap_servers, topic))
    assert [(r.key, r.value) for r in replayed] == [(b"L-1", lead("L-1"))]
    assert dict(replayed[0].headers)["dlq.replayed-from"] == f"{topic}.dlq:0:0".encode()


def test_replay_takes_chosen_positions_and_a_dry_run_produces_nothing(
    dlq_replay: Any, topic: str, kafka_bootstrap_servers: str
) -> None:
    common = ["--topic", topic, "--bootstrap", kafka_bootstrap_servers]
    assert dlq_replay.main(["replay", *common, "--select", "0:2", "--dry-run"]) == 0
    assert asyncio.run(read_all(kafka_bootstrap_servers, topic)) == []

    assert dlq_replay.main(["replay", *common, "--select", "0:1,0:2"]) == 0
    replayed = asyncio.run(read_all(kafka_bootstrap_servers, topic))
    assert [r.key for r in replayed] == [b"L-1", b"L-2"]

    assert dlq_replay.main(["replay", *common, "--select", "0:9"]) == 2  # no such position
