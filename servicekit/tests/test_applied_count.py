"""consumer_applied_total counts a message once its handler committed it: not before the
commit, not for a failed attempt, not when it was dead-lettered or applied elsewhere."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from aiokafka import ConsumerRecord, TopicPartition
from eventsourcing.persistence import OperationalError, Tracking
from prometheus_client import REGISTRY
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, func, select

from contracts import Envelope
from contracts.leads import LeadCaptured
from servicekit.consumer import BatchApplier, Delivery
from servicekit.handlers import Projection
from servicekit.settings import ServiceSettings
from servicekit.views import ViewStore, views_url

TOPIC = "crm.leads.v1"
metadata = MetaData()
captures = Table(  # one row per capture applied
    "captures",
    metadata,
    Column("capture_no", Integer, primary_key=True),
    Column("lead_id", String(40), nullable=False),
)


def applied(consumer: str, name: str = "consumer_applied_total") -> float:
    """The consumer's count as /metrics shows it, summed over topics."""
    return sum(
        sample.value
        for family in REGISTRY.collect()
        for sample in family.samples
        if sample.name == name and sample.labels.get("consumer") == consumer
    )


class Captures(Projection):
    """Records each capture; its next writes fail with ``failures``, one each."""

    topics = (TOPIC,)

    def __init__(self, store: ViewStore, failures: Sequence[Exception] = ()) -> None:
        super().__init__(store)
        self.name = f"captures-{uuid4().hex[:8]}"
        self.failures = list(failures)
        self.counted_when_writing: list[float] = []

    def apply_many(self, batches: Sequence[tuple[Sequence[Delivery], Tracking]]) -> None:
        self.counted_when_writing.append(applied(self.name))
        if self.failures:
            raise self.failures.pop(0)
        super().apply_many(batches)

    def project(self, connection: Connection, delivery: Delivery) -> None:
        event = delivery.event
        assert isinstance(event, LeadCaptured)
        if event.first_name == "Boom":
            raise RuntimeError("this lead breaks the handler")
        connection.execute(captures.insert().values(lead_id=event.lead_id))

    def count(self) -> int:
        with self.store.reading() as connection:
            return int(connection.scalar(select(func.count()).select_from(captures)) or 0)


@pytest.fixture
def store(store_settings: Callable[[str], ServiceSettings]) -> Iterator[ViewStore]:
    views = ViewStore(views_url(store_settings("captures")), metadata)
    yield views
    views.close()


def record(
    offset: int, first_name: str = "Ada", partition: int = 0
) -> ConsumerRecord[bytes, bytes]:
    lead_id = f"lead-{uuid4().hex[:8]}"
    event = LeadCaptured(
        lead_id=lead_id,
        source="web_form",
        first_name=first_name,
        last_name="Lovelace",
        captured_at=datetime(2026, 11, 2, tzinfo=UTC),
    )
    value = Envelope.wrap(event, source="/crm/acquisition", subject=lead_id).to_bytes()
    key = lead_id.encode()
    return ConsumerRecord(
        TOPIC, partition, offset, 0, 0, key, value, None, len(key), len(value), []
    )


@pytest.mark.parametrize(
    "failure",
    [RuntimeError("deadlock detected"), OperationalError("database is locked")],
    ids=["handler error", "store unavailable"],
)
async def test_a_write_that_fails_and_is_retried_counts_its_messages_once_it_commits(
    store: ViewStore, failure: Exception
) -> None:
    # Given a handler whose first write of a batch fails
    handler = Captures(store, failures=[failure])
    applier = BatchApplier(handler, dead_letters=None)

    # When the applier retries it until it commits
    await applier.apply_batches([(TopicPartition(TOPIC, 0), [record(n) for n in range(3)])])

    # Then the three messages were counted once, after the commit and not before
    assert handler.count() == 3
    assert handler.counted_when_writing == [0, 0]
    assert applied(handler.name) == 3
    assert applied(handler.name, "consumer_messages_total") == 3  # the deprecated name agrees


async def test_messages_dead_lettered_are_not_counted_as_applied(store: ViewStore) -> None:
    handler = Captures(store)
    applier = BatchApplier(handler, dead_letters=None)
    poison = ConsumerRecord(TOPIC, 0, 1, 0, 0, b"k", b"not json", None, 1, 8, [])

    await applier.apply_batches(
        [(TopicPartition(TOPIC, 0), [record(0), poison, record(2, "Boom"), record(3)])]
    )

    assert applier.dead_lettered == 2
    assert handler.count() == 2
    assert applied(handler.name) == 2


async def test_batches_another_replica_applied_first_are_counted_by_that_replica_only(
    store: ViewStore,
) -> None:
    # Given two replicas that fetched the same messages of two partitions
    handler = Captures(store)
    first, second = BatchApplier(handler, None), BatchApplier(handler, None)
    poll = [
        (TopicPartition(TOPIC, 0), [record(0), record(1)]),
        (TopicPartition(TOPIC, 1), [record(0, partition=1)]),
    ]
    decoded_by_second = await second.decode(poll)

    # When the first applies them, then the second tries
    await first.apply_batches(poll)
    await second.write(decoded_by_second)

    # Then each message was counted once over both
    assert handler.count() == 3
    assert applied(handler.name) == 3
