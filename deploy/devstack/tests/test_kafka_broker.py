"""The Maven-jar Kafka broker against aiokafka 0.14 (the client the CRM services use)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaTimeoutError, UnknownTopicOrPartitionError

from devstack.kafka import KafkaBroker, ensure_jars, find_pom, jars_dir, kafka_version
from devstack.ports import free_ports

pytestmark = pytest.mark.kafka


def _topic(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def _create_topic(bootstrap: str, topic: str, partitions: int = 3, configs: dict[str, str] | None = None) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        response = await admin.create_topics(
            [
                NewTopic(
                    topic,
                    num_partitions=partitions,
                    replication_factor=1,
                    topic_configs=configs or {},
                )
            ]
        )
        errors = [(t, code) for t, code, *_ in response.topic_errors if code != 0]
        assert not errors, errors
    finally:
        await admin.close()


async def _topic_config(bootstrap: str, topic: str) -> dict[str, str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        await admin.close()
    (resource,) = responses[0].resources
    error_code, _msg, _type, _name, entries = resource
    assert error_code == 0
    return {entry[0]: entry[1] for entry in entries}


async def _produce(bootstrap: str, topic: str, count: int, start: int = 0) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for i in range(start, start + count):
            # one key -> one partition, so the records keep their order
            await producer.send_and_wait(topic, f"event-{i}".encode(), key=b"aggregate-1")
    finally:
        await producer.stop()


async def _consume(bootstrap: str, topic: str, group: str, want: int, commit: bool = True) -> list[str]:
    """Read up to *want* records as *group* (manual commit), committing what was read."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    values: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while len(values) < want and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=1000, max_records=want - len(values))
            for records in batch.values():
                values.extend(record.value.decode() for record in records)
        if commit and values:
            await consumer.commit()
    finally:
        await consumer.stop()
    return values


async def _committed(bootstrap: str, topic: str, group: str) -> dict[int, int]:
    """The group's committed offsets for *topic* (partition -> offset), via the admin API."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}


def test_the_pom_pins_a_kafka_4_broker_whose_jars_are_cached_once() -> None:
    version = kafka_version()
    assert version.startswith("4.")
    libs = ensure_jars()
    assert libs == jars_dir(version)
    names = {p.name for p in libs.glob("*.jar")}
    assert f"kafka_2.13-{version}.jar" in names
    assert any(n.startswith("slf4j-api-1.7.") for n in names), "SLF4J 1.x API expected (log4j-slf4j-impl binding)"
    assert any(n.startswith("log4j-slf4j-impl-") for n in names)
    assert any(n.startswith("log4j-core-") for n in names)
    assert (find_pom().parent / "log4j2.properties").is_file()
    started = time.monotonic()
    assert ensure_jars() == libs
    assert time.monotonic() - started < 1.0, "second call must hit the cache"


def test_a_half_copied_jar_cache_is_copied_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    libs = jars_dir()
    libs.mkdir(parents=True)
    (libs / "kafka_2.13-partial.jar").write_bytes(b"")  # no completion marker
    assert ensure_jars() == libs
    assert not (libs / "kafka_2.13-partial.jar").exists()
    assert (libs / f"kafka_2.13-{kafka_version()}.jar").is_file()


def test_a_started_broker_accepts_idempotent_produce_and_group_consume(
    kafka_bootstrap_servers: str,
) -> None:
    topic = _topic("orders")

    async def scenario() -> tuple[list[str], dict[int, int]]:
        await _create_topic(kafka_bootstrap_servers, topic)
        await _produce(kafka_bootstrap_servers, topic, 20)
        values = await _consume(kafka_bootstrap_servers, topic, "projector", want=20)
        return values, await _committed(kafka_bootstrap_servers, topic, "projector")

    values, committed = asyncio.run(scenario())
    assert values == [f"event-{i}" for i in range(20)]
    assert sum(committed.values()) == 20


def test_a_topic_created_by_the_admin_client_keeps_retention_ms_minus_one(
    kafka_bootstrap_servers: str,
) -> None:
    topic = _topic("crm-events")

    async def scenario() -> dict[str, str]:
        await _create_topic(kafka_bootstrap_servers, topic, partitions=3, configs={"retention.ms": "-1"})
        return await _topic_config(kafka_bootstrap_servers, topic)

    config = asyncio.run(scenario())
    assert config["retention.ms"] == "-1"
    assert config["retention.bytes"] == "-1"


def test_the_broker_does_not_auto_create_topics(kafka_bootstrap_servers: str) -> None:
    topic = _topic("never-created")

    async def scenario() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers, request_timeout_ms=3000)
        await producer.start()
        try:
            # aiokafka gives up on the missing topic's metadata with one or the other
            with pytest.raises((KafkaTimeoutError, UnknownTopicOrPartitionError)):
                await producer.send_and_wait(topic, b"x")
        finally:
            await producer.stop()
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap_servers)
        await admin.start()
        try:
            assert topic not in await admin.list_topics()
        finally:
            await admin.close()

    asyncio.run(scenario())


def test_records_and_committed_offsets_survive_a_broker_restart(
    kafka_broker: KafkaBroker, kafka_bootstrap_servers: str
) -> None:
    topic = _topic("ledger")
    asyncio.run(_create_topic(kafka_bootstrap_servers, topic, partitions=1))
    asyncio.run(_produce(kafka_bootstrap_servers, topic, 10))
    first = asyncio.run(_consume(kafka_bootstrap_servers, topic, "resumer", want=4))
    assert first == [f"event-{i}" for i in range(4)]

    pid_before = kafka_broker.pid()
    kafka_broker.stop()
    try:
        assert not kafka_broker.is_running()
        assert not kafka_broker.is_reachable()
    finally:  # later tests need the broker back
        started = time.monotonic()
        kafka_broker.start()
        kafka_broker.wait_ready(timeout=120)
    restart_seconds = time.monotonic() - started
    assert kafka_broker.pid() != pid_before
    assert kafka_broker.bootstrap_servers == kafka_bootstrap_servers

    rest = asyncio.run(_consume(kafka_bootstrap_servers, topic, "resumer", want=6))
    assert rest == [f"event-{i}" for i in range(4, 10)]
    everything = asyncio.run(_consume(kafka_bootstrap_servers, topic, "fresh-reader", want=10))
    assert everything == [f"event-{i}" for i in range(10)]
    # idempotent producers still work after the restart
    asyncio.run(_produce(kafka_bootstrap_servers, topic, 1, start=10))
    assert asyncio.run(_consume(kafka_bootstrap_servers, topic, "resumer", want=1)) == ["event-10"]
    print(f"warm restart took {restart_seconds:.1f}s")


def test_a_broker_that_cannot_start_fails_with_its_log(tmp_path: Path) -> None:
    port, controller_port = free_ports(2)
    broker = KafkaBroker(tmp_path / "kafka", port=port, controller_port=controller_port, heap_opts="-Xmx1m")
    try:
        broker.start()
        with pytest.raises(RuntimeError, match="heap"):
            broker.wait_ready(timeout=60)
    finally:
        broker.stop()
    assert not broker.is_running()


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devstack.kafka", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ},
    )


def test_the_cli_starts_idempotently_prints_the_bootstrap_address_and_stops(tmp_path: Path) -> None:
    port, controller_port = free_ports(2)
    opts = ["--port", str(port), "--controller-port", str(controller_port)]
    try:
        first = _cli("start", *opts, cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        assert first.stdout.strip() == f"127.0.0.1:{port}"
        assert (tmp_path / "var" / "kafka" / "kafka.pid").is_file()

        again = _cli("start", *opts, cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert "already running" in again.stderr
        assert again.stdout.strip() == f"127.0.0.1:{port}"

        status = _cli("status", *opts, cwd=tmp_path)
        assert status.returncode == 0
    finally:
        stop = _cli("stop", cwd=tmp_path)
    assert stop.returncode == 0, stop.stderr
    assert _cli("stop", cwd=tmp_path).returncode == 0
    assert _cli("status", cwd=tmp_path).returncode == 1
    assert not KafkaBroker(tmp_path / "var" / "kafka").is_running()


def test_the_docker_fallback_configures_a_single_kraft_node_advertised_on_the_published_port() -> None:
    from devstack.pytest_plugin import kafka_container_env

    env = kafka_container_env("localhost", 49123)
    assert env["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://localhost:49123"
    assert env["KAFKA_LISTENERS"].startswith("PLAINTEXT://0.0.0.0:49123,")
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert env["KAFKA_LOG_RETENTION_MS"] == "-1"
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert len(env["CLUSTER_ID"]) == 22
    assert all(key == "CLUSTER_ID" or key.startswith("KAFKA_") for key in env)
