"""The same event at another offset (a relay publishing a batch again after a crash) has
no second effect on read models."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime

import pytest
from aiokafka import ConsumerRecord, TopicPartition
from eventsourcing.persistence import IntegrityError, Tracking
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, func, select

from contracts import Envelope
from contracts.leads import LeadCaptured
from servicekit.consumer import BatchApplier, Delivery
from servicekit.handlers import Projection
from servicekit.settings import ServiceSettings
from servicekit.views import ViewStore, views_url

metadata = MetaData()
captures = Table(  # one row per capture applied: a second effect would show as a second row
    "captures",
    metadata,
    Column("capture_no", Integer, primary_key=True),
    Column("lead_id", String(40), nullable=False),
)
TOPIC = "crm.leads.v1"


class CaptureLog(Projection):
    topics = (TOPIC,)

    def project(self, connection: Connection, delivery: Delivery) -> None:
        connection.execute(captures.insert().values(lead_id=delivery.event.lead_id))  # type: ignore[attr-defined]

    def count(self) -> int:
        with self.store.reading() as connection:
            return int(connection.scalar(select(func.count()).select_from(captures)) or 0)


@pytest.fixture
def log(store_settings: Callable[[str], ServiceSettings]) -> Iterator[CaptureLog]:
    store = ViewStore(views_url(store_settings("captures")), metadata)
    yield CaptureLog(store)
    store.close()


def captured(lead_id: str, version: int = 1) -> Envelope:
    event = LeadCaptured(
        lead_id=lead_id,
        source="web_form",
        first_name="Ada",
        last_name="Lovelace",
        captured_at=datetime(2026, 11, 2, tzinfo=UTC),
    )
    return Envelope.wrap(
        event, source="/crm/acquisition", subject=lead_id, aggregateversion=version
    )


def deliveries(offset: int, envelopes: Sequence[Envelope], partition: int = 0) -> list[Delivery]:
    return [
        Delivery(TOPIC, partition, offset + n, e.subject, e, LeadCaptured.model_validate(e.data))
        for n, e in enumerate(envelopes)
    ]


def deliver(log: CaptureLog, offset: int, envelopes: Sequence[Envelope]) -> None:
    log.apply(deliveries(offset, envelopes), Tracking(f"{TOPIC}:0", offset + len(envelopes) - 1))


def test_a_message_published_again_at_a_later_offset_has_no_second_effect(
    log: CaptureLog,
) -> None:
    first = captured("lead-1")
    deliver(log, 0, [first, captured("lead-2")])

    deliver(log, 2, [first, captured("lead-3")])  # the relay published lead-1 again

    assert log.count() == 3
    assert log.position(TOPIC, 0) == 3


def test_a_message_twice_in_one_batch_is_applied_once(log: CaptureLog) -> None:
    twice = captured("lead-1")

    deliver(log, 0, [twice, twice])

    assert log.count() == 1


def test_the_next_event_of_an_aggregate_is_applied_after_its_duplicates(
    log: CaptureLog,
) -> None:
    deliver(log, 0, [captured("lead-1", version=1)])
    deliver(log, 1, [captured("lead-1", version=1)])  # published again

    deliver(log, 2, [captured("lead-1", version=2), captured("lead-2", version=1)])

    assert log.count() == 3


def test_batches_of_several_partitions_apply_together_with_each_tracking_record(
    log: CaptureLog,
) -> None:
    log.apply_many(
        [
            (deliveries(0, [captured("lead-1"), captured("lead-2")]), Tracking(f"{TOPIC}:0", 1)),
            (deliveries(7, [captured("lead-3")], partition=1), Tracking(f"{TOPIC}:1", 7)),
        ]
    )

    assert log.count() == 3
    assert (log.position(TOPIC, 0), log.position(TOPIC, 1)) == (1, 7)


def test_batches_applied_together_change_nothing_when_one_partition_was_applied_already(
    log: CaptureLog,
) -> None:
    deliver(log, 0, [captured("lead-1")])

    with pytest.raises(IntegrityError):
        log.apply_many(
            [
                (deliveries(0, [captured("lead-1")]), Tracking(f"{TOPIC}:0", 0)),
                (deliveries(0, [captured("lead-2")], partition=1), Tracking(f"{TOPIC}:1", 0)),
            ]
        )

    assert log.count() == 1
    assert log.position(TOPIC, 1) is None


def record(offset: int, envelope: Envelope, partition: int = 0) -> ConsumerRecord[bytes, bytes]:
    value = envelope.to_bytes()
    key = envelope.subject.encode()
    return ConsumerRecord(
        TOPIC, partition, offset, 0, 0, key, value, None, len(key), len(value), []
    )


async def test_a_poll_decoded_before_some_of_its_messages_were_applied_applies_the_rest(
    log: CaptureLog,
) -> None:
    # Given a poll decoded while the one before it was being written
    applier = BatchApplier(log, dead_letters=None)
    envelopes = [
        captured(f"lead-{n}").model_copy(update={"aggregateversion": None}) for n in range(6)
    ]
    records = [record(n, envelope) for n, envelope in enumerate(envelopes)]
    partition = TopicPartition(TOPIC, 0)
    decoded = await applier.decode([(partition, records)])

    # When its first messages were applied meanwhile (a rebalance fetched them again)
    await applier.apply_batches([(partition, records[:3])])
    await applier.write(decoded)

    # Then each message had one effect
    assert log.count() == 6
    assert log.position(TOPIC, 0) == 5


async def test_a_poison_message_fetched_twice_is_dead_lettered_once(log: CaptureLog) -> None:
    # Given a poll with a poison message, decoded twice (fetched again after a rebalance)
    applier = BatchApplier(log, dead_letters=None)
    poison = ConsumerRecord(TOPIC, 0, 1, 0, 0, b"k", b"not json", None, 1, 8, [])
    records = [record(0, captured("lead-0")), poison, record(2, captured("lead-2"))]
    partition = TopicPartition(TOPIC, 0)
    first = await applier.decode([(partition, records)])
    again = await applier.decode([(partition, records)])

    # When both are written
    await applier.write(first)
    await applier.write(again)

    # Then the poison went to the dead-letter topic once, and the rest was applied once
    assert applier.dead_lettered == 1
    assert log.count() == 2
