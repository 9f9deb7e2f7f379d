"""The relay publishes every stored event to a real Kafka broker, at least once, in order."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from datetime import UTC, datetime
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import pytest
from eventsourcing.domain import Aggregate, DomainEventProtocol, event

from contracts import IntegrationEvent, decode
from contracts.leads import LeadCaptured
from servicekit import context, kafka
from servicekit.eventstore import ServiceApplication, store_environment
from servicekit.relay import Relay, event_id

pytestmark = pytest.mark.kafka

TOPIC = "crm.leads.v1"


class Prospect(Aggregate):
    class Noted(Aggregate.Event):
        TOPIC = "test:Prospect.Noted"
        note: str

    def __init__(self, name: str) -> None:
        self.name = name

    @event(Noted)
    def note(self, note: str) -> None:
        pass


def as_lead(domain_event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    """Every stored event becomes one message, so counting is easy."""
    return LeadCaptured(
        lead_id=str(domain_event.originator_id),
        source="test",
        first_name="P",
        last_name=str(domain_event.originator_version),
        captured_at=datetime.now(UTC),
    )


def store_prospects(app: ServiceApplication, count: int, notes: int) -> list[Prospect]:
    prospects = [Prospect(f"p{i}") for i in range(count)]
    for prospect in prospects:
        for n in range(notes):
            prospect.note(f"note {n}")
    with context.caused_by("alice", "journey-1"):
        app.save(*prospects)
    return prospects


def versions_by_subject(records) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = defaultdict(list)
    for record in records:
        envelope = json.loads(record.value)
        seen[envelope["subject"]].append(envelope["aggregateversion"])
    return seen


async def relay_for(app: ServiceApplication, bootstrap: str) -> tuple[Relay, object]:
    producer = kafka.producer(bootstrap, "test-relay")
    await producer.start()
    return Relay(app, producer, as_lead, source="/crm/test"), producer


async def test_every_event_is_published_once_in_order_with_its_envelope(
    store_settings, kafka_io
) -> None:
    app = ServiceApplication(store_environment(store_settings("relay")))
    probe = await kafka_io.mark(TOPIC)
    prospects = store_prospects(app, count=5, notes=9)
    relay, producer = await relay_for(app, kafka_io.bootstrap_servers)

    while await relay.publish_pending():
        pass
    await producer.stop()

    records = await probe.read(50)
    assert len(records) == 50
    assert relay.position() == app.recorder.max_notification_id()
    by_subject = versions_by_subject(records)
    assert by_subject == {str(p.id): list(range(1, 11)) for p in prospects}
    envelope = json.loads(records[0].value)
    assert envelope["specversion"] == "1.0"
    assert envelope["source"] == "/crm/test"
    assert envelope["type"] == "LeadCaptured"
    assert envelope["actor"] == "alice"
    assert envelope["correlationid"] == "journey-1"
    assert records[0].key.decode() == envelope["subject"]
    assert envelope["id"] == str(uuid5(NAMESPACE_URL, f"/crm/test/{envelope['subject']}/1"))
    assert decode(TOPIC, records[0].value)[1].lead_id == envelope["subject"]
    app.close()


def as_lead_with_note(domain_event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    """Carries a note's text, so messages can be made as large as a test needs."""
    lead = as_lead(domain_event)
    assert lead is not None
    return lead.model_copy(update={"company": vars(domain_event).get("note")})


async def test_messages_filling_several_record_batches_of_a_partition_all_arrive_in_order(
    store_settings, kafka_io
) -> None:
    # Given events whose messages (20 kB each) add up to more than a record batch (256 kB)
    # on at least one partition: 4 aggregates on 3 partitions
    app = ServiceApplication(store_environment(store_settings("relay")))
    probe = await kafka_io.mark(TOPIC)
    prospects = [Prospect(f"p{i}") for i in range(4)]
    for prospect in prospects:
        for n in range(9):
            prospect.note(f"{n}" * 20_000)
    app.save(*prospects)
    producer = kafka.producer(kafka_io.bootstrap_servers, "test-relay")
    await producer.start()
    relay = Relay(app, producer, as_lead_with_note, source="/crm/test")

    # When the relay publishes them
    while await relay.publish_pending():
        pass
    await producer.stop()

    # Then every message arrived whole, each aggregate's in order
    records = await probe.read(40)
    assert len(records) == 40
    assert versions_by_subject(records) == {str(p.id): list(range(1, 11)) for p in prospects}
    notes = [json.loads(r.value)["data"]["company"] for r in records]
    assert sorted(len(note) for note in notes if note) == [20_000] * 36
    app.close()


@pytest.mark.parametrize("name", ["/crm/acquisition/0b6f.../3", "", "é/ü/∞", "x" * 300])
def test_an_event_id_is_the_uuid5_of_its_name(name: str) -> None:
    assert event_id(name) == str(uuid5(NAMESPACE_URL, name))


async def test_a_restarted_service_publishes_from_where_it_stopped(
    store_settings, kafka_io
) -> None:
    settings = store_settings("relay")
    app = ServiceApplication(store_environment(settings))
    probe = await kafka_io.mark(TOPIC)
    store_prospects(app, count=2, notes=4)
    relay, producer = await relay_for(app, kafka_io.bootstrap_servers)
    await relay.publish_pending()
    await producer.stop()
    app.close()

    restarted = ServiceApplication(store_environment(settings))
    store_prospects(restarted, count=3, notes=4)
    relay, producer = await relay_for(restarted, kafka_io.bootstrap_servers)
    while await relay.publish_pending():
        pass
    await producer.stop()

    records = await probe.read(25)
    assert len(records) == 25
    assert all(versions == [1, 2, 3, 4, 5] for versions in versions_by_subject(records).values())
    restarted.close()


async def test_events_stored_while_the_broker_is_down_are_published_when_it_returns(
    store_settings, kafka_io, kafka_broker
) -> None:
    app = ServiceApplication(store_environment(store_settings("relay")))
    probe = await kafka_io.mark(TOPIC)
    relay, producer = await relay_for(app, kafka_io.bootstrap_servers)
    running = asyncio.create_task(relay.run())
    store_prospects(app, count=2, notes=4)
    await kafka_io.eventually(lambda: relay.lag() == 0)

    kafka_broker.stop()
    try:
        store_prospects(app, count=3, notes=4)
        await asyncio.sleep(2)
        assert relay.lag() == 15
    finally:
        kafka_broker.start()
        kafka_broker.wait_ready()
    await kafka_io.eventually(lambda: relay.lag() == 0, timeout=120)
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running
    await producer.stop()

    records = await probe.read(25, timeout=60)
    unique = {json.loads(r.value)["id"] for r in records}
    assert len(unique) == 25  # nothing lost; a redelivery would repeat an id, never invent one
    for versions in versions_by_subject(records).values():
        deduplicated = list(dict.fromkeys(versions))
        assert deduplicated == [1, 2, 3, 4, 5]
    app.close()


@pytest.mark.postgres
async def test_two_replicas_publish_each_event_once_and_the_follower_takes_over(
    postgres_dsn_factory, kafka_io
) -> None:
    from servicekit.leadership import PostgresAdvisoryLease
    from servicekit.settings import ServiceSettings

    settings = ServiceSettings(
        service_name="relay",
        port=0,
        event_store="postgres",
        postgres_dsn=postgres_dsn_factory(f"relay_{uuid4().hex[:8]}"),
    )
    replicas = []
    for _ in range(2):
        app = ServiceApplication(store_environment(settings))
        producer = kafka.producer(kafka_io.bootstrap_servers, "test-relay")
        await producer.start()
        lease = PostgresAdvisoryLease(settings.postgres_dsn or "", "relay:test", check_every=0)
        relay = Relay(app, producer, as_lead, "/crm/test", lease=lease, follower_retry=0.2)
        replicas.append((app, producer, relay, asyncio.create_task(relay.run())))
    probe = await kafka_io.mark(TOPIC)
    writer = replicas[0][0]
    store_prospects(writer, count=3, notes=4)
    await kafka_io.eventually(lambda: all(r[2].lag() == 0 for r in replicas))
    leader = next(r for r in replicas if r[2].leading)
    assert sum(r[2].leading for r in replicas) == 1

    leader[3].cancel()  # the leading replica goes away
    with contextlib.suppress(asyncio.CancelledError):
        await leader[3]
    store_prospects(writer, count=2, notes=4)
    follower = next(r for r in replicas if r is not leader)
    await kafka_io.eventually(lambda: follower[2].leading and follower[2].lag() == 0)

    records = await probe.read(25)
    assert len(records) == 25
    assert len({json.loads(r.value)["id"] for r in records}) == 25
    follower[3].cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await follower[3]
    for app, producer, _, _ in replicas:
        await producer.stop()
        app.close()
