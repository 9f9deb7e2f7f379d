"""/readyz tells the truth: it fails while the broker is unreachable or a consumer is stalled,
and says why in its body; a poison message is counted, not a reason to be unready."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from devstack.kafka import KafkaBroker, ensure_jars
from devstack.ports import free_ports
from servicekit import kafka
from servicekit.consumer import Handler
from servicekit.eventstore import ServiceApplication, store_environment
from servicekit.service import Runtime, create_http_app
from servicekit.settings import ServiceSettings

from .test_consumer import TOPIC, lead_message
from .test_consumer_health import gated

pytestmark = pytest.mark.kafka

Body = dict[str, Any]


@pytest.fixture(scope="module")
def own_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaBroker]:
    """A broker of this module's own, so a test can stop it without taking the session's."""
    port, controller_port = free_ports(2)
    broker = KafkaBroker(
        tmp_path_factory.mktemp("own-kafka"),
        port=port,
        controller_port=controller_port,
        die_with_parent=True,
    )
    try:
        broker.start(ensure_jars())
        broker.wait_ready(timeout=120)
        asyncio.run(
            kafka.ensure_topics(broker.bootstrap_servers, [TOPIC, f"{TOPIC}.dlq"], partitions=3)
        )
        yield broker
    finally:
        broker.stop(timeout=20)


def service_settings(var: Path, bootstrap: str, **overrides: Any) -> ServiceSettings:
    return ServiceSettings(
        service_name="readiness",
        port=0,
        var_dir=var,
        kafka_bootstrap_servers=bootstrap,
        kafka_create_topics=False,
        consumer_group_prefix=f"test-{uuid4().hex[:8]}",
        **overrides,
    )


@contextlib.asynccontextmanager
async def serving(
    settings: ServiceSettings, handlers: Sequence[Handler]
) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    """The service's HTTP app with its relay and consumers running, as its lifespan runs them."""
    runtime = Runtime(
        settings=settings,
        app=ServiceApplication(store_environment(settings)),
        translate=lambda _: None,
        handlers=handlers,
    )
    api = create_http_app(runtime, [], title="readiness")
    connecting = asyncio.create_task(runtime.connect())
    transport = httpx.ASGITransport(app=api)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client, runtime
    finally:
        for handler in handlers:
            gate = getattr(handler, "gate", None)
            if gate is not None:
                gate.set()
        connecting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await connecting
        await runtime.close()


async def readiness_until(
    client: httpx.AsyncClient, condition: Callable[[int, Body], bool], timeout: float
) -> tuple[int, Body]:
    """Ask /readyz until its answer meets ``condition``; fail with the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        answer = await client.get("/readyz")
        status, body = answer.status_code, answer.json()
        if condition(status, body):
            return status, body
        assert time.monotonic() < deadline, f"/readyz never met the condition: {status} {body}"
        await asyncio.sleep(0.2)


def ready(status: int, body: Body) -> bool:
    return status == 200


async def test_readyz_fails_while_the_broker_is_unreachable_and_says_why(
    own_broker: KafkaBroker, tmp_path: Path
) -> None:
    # Given a service whose relay and consumer run on a broker that answers
    settings = service_settings(tmp_path, own_broker.bootstrap_servers)
    async with serving(settings, [gated(settings, open_gate=True)]) as (client, _):
        await readiness_until(client, ready, timeout=60)

        # When the broker goes away
        own_broker.stop()
        try:
            # Then /readyz fails within seconds and says the broker is unreachable
            _, body = await readiness_until(client, lambda status, _: status == 503, timeout=15)
            assert body["status"] == "not ready"
            assert any(
                problem.startswith("kafka: broker unreachable") for problem in body["problems"]
            ), body
            assert body["checks"]["kafka"]["ok"] is False
            assert body["checks"]["store"]["ok"] is True
        finally:
            own_broker.start()
            own_broker.wait_ready(timeout=120)

        # And it is ready again once the broker is back
        _, body = await readiness_until(client, ready, timeout=60)
        assert body["problems"] == []


async def test_readyz_names_a_stalled_consumer_until_it_applies_again(
    kafka_io: Any, tmp_path: Path
) -> None:
    # Given a consumer whose handler cannot apply anything (its database hangs)
    settings = service_settings(tmp_path, kafka_io.bootstrap_servers, stall_seconds=1)
    handler = gated(settings)
    await kafka_io.produce(TOPIC, [lead_message(f"lead-{uuid4().hex[:8]}")])
    async with serving(settings, [handler]) as (client, _):
        # When messages wait longer than the stall time
        status, body = await readiness_until(
            client, lambda _, body: any("stalled" in p for p in body["problems"]), timeout=60
        )

        # Then /readyz fails, naming the consumer, what waits, for how long, and how old it is
        assert status == 503
        (problem,) = body["problems"]
        assert problem.startswith(f"consumers: {handler.name} stalled, "), problem
        assert f" waiting on {TOPIC}[" in problem
        consumer = body["checks"]["consumers"]["detail"][handler.name]
        assert consumer["running"] is True
        assert consumer["lag"] > 0
        assert consumer["oldest_unapplied_age_seconds"] >= 1
        assert body["checks"]["kafka"]["ok"] is True

        # And once the handler moves again, the service is ready with nothing left to apply
        handler.gate.set()
        _, body = await readiness_until(
            client,
            lambda status, body: (
                status == 200
                and body["checks"]["consumers"]["detail"][handler.name]["caught_up"] is True
            ),
            timeout=30,
        )
        consumer = body["checks"]["consumers"]["detail"][handler.name]
        assert (consumer["lag"], consumer["oldest_unapplied_age_seconds"]) == (0, 0)


async def test_a_poison_message_is_counted_and_leaves_the_service_ready_across_a_restart(
    kafka_io: Any, tmp_path: Path
) -> None:
    # Given a message that is not even JSON on a topic the service consumes
    settings = service_settings(tmp_path, kafka_io.bootstrap_servers)
    name = f"views-{uuid4().hex[:8]}"
    await kafka_io.produce(
        TOPIC, [(b"poison", b"this is not json"), lead_message(f"lead-{uuid4().hex[:8]}")]
    )

    def dead_letters_counted(runtime: Runtime) -> Callable[[int, Body], bool]:
        def condition(status: int, body: Body) -> bool:
            consumer = body["checks"]["consumers"]["detail"].get(name, {})
            return (
                status == 200
                and consumer.get("caught_up") is True
                and consumer.get("dead_lettered") is not None
                and consumer["dead_lettered"] >= runtime.consumers[0].applier.dead_lettered
            )

        return condition

    # When the service consumes it
    async with serving(settings, [gated(settings, name=name, open_gate=True)]) as (
        client,
        runtime,
    ):
        # Then it is dead-lettered and counted, and the service stays ready
        _, body = await readiness_until(client, dead_letters_counted(runtime), timeout=60)
        dead = body["checks"]["consumers"]["detail"][name]["dead_lettered"]
        assert dead == runtime.consumers[0].applier.dead_lettered >= 1

    # And after a restart the count is the same, though nothing was dead-lettered again
    async with serving(settings, [gated(settings, name=name, open_gate=True)]) as (
        client,
        runtime,
    ):
        _, body = await readiness_until(client, dead_letters_counted(runtime), timeout=60)
        assert body["checks"]["consumers"]["detail"][name]["dead_lettered"] == dead
        assert runtime.consumers[0].applier.dead_lettered == 0
        metrics = (await client.get("/metrics")).text
        counted = [
            sample.value
            for family in text_string_to_metric_families(metrics)
            for sample in family.samples
            if sample.name == "consumer_dead_letters_total"
            and sample.labels == {"consumer": name, "topic": TOPIC}
        ]
        assert counted == [dead]
