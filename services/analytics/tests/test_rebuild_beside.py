"""Rebuilding the views beside the live ones, and switching the live service without downtime."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from analytics.bootstrap import build_runtime
from analytics.rebuild import rebuild_beside
from analytics.settings import AnalyticsSettings
from analytics.versions import LiveViews, Pointer, Switcher
from analytics.views.customer360 import Customer360
from contracts import Envelope
from contracts.customers import CustomerRegistered
from servicekit import kafka
from servicekit.service import Runtime
from servicekit.settings import ServiceSettings

pytestmark = pytest.mark.kafka

SettingsFactory = Callable[[str], ServiceSettings]  # the store_settings fixture


def settings_for(store_settings: SettingsFactory, bootstrap: str) -> AnalyticsSettings:
    """On SQLite a version is a file beside the others; on PostgreSQL, a schema."""
    store = store_settings("analytics")
    return AnalyticsSettings(
        var_dir=store.var_dir,
        event_store=store.event_store,
        postgres_dsn=store.postgres_dsn,
        relay_enabled=False,
        consumers_enabled=False,
        kafka_bootstrap_servers=bootstrap,
        assessment_seconds=0,
    )


async def register(bootstrap: str, customer_id: str) -> None:
    await kafka.ensure_topics(bootstrap, ["crm.customers.v1"], 1, 1)
    producer = kafka.producer(bootstrap, "test-acquisition")
    await producer.start()
    try:
        event = CustomerRegistered(
            customer_id=customer_id,
            first_name="Ada",
            last_name="Lovelace",
            source="web_form",
            registered_at=datetime.now(UTC),
        )
        envelope = Envelope.wrap(event, source="/crm/acquisition", subject=customer_id)
        await producer.send_and_wait(
            "crm.customers.v1", envelope.to_bytes(), key=customer_id.encode()
        )
    finally:
        await producer.stop()


def view_of(runtime: Runtime) -> Customer360:
    return next(h for h in runtime.handlers if isinstance(h, Customer360))


async def test_a_service_started_after_a_rebuild_beside_serves_the_new_version(
    store_settings: SettingsFactory, kafka_bootstrap_servers: str
) -> None:
    settings = settings_for(store_settings, kafka_bootstrap_servers)
    customer = f"c-{uuid4().hex}"
    await register(kafka_bootstrap_servers, customer)

    version = await rebuild_beside(settings, grace_seconds=0, progress=False)

    runtime = build_runtime(settings)
    try:
        assert isinstance(view_of(runtime).store, LiveViews)
        assert view_of(runtime).store.version == version  # type: ignore[attr-defined]
        assert view_of(runtime).view(customer) is not None
    finally:
        await runtime.close()


async def test_the_live_service_switches_to_the_version_built_beside_it_once_caught_up(
    store_settings: SettingsFactory, kafka_bootstrap_servers: str
) -> None:
    settings = settings_for(store_settings, kafka_bootstrap_servers)
    runtime = build_runtime(settings)  # live, on the first version, which never saw the customer
    customer = f"c-{uuid4().hex}"
    await register(kafka_bootstrap_servers, customer)
    live = view_of(runtime).store
    assert isinstance(live, LiveViews)
    switcher = Switcher(live, Pointer(settings), lambda: runtime.consumers)

    async def live_service_checking() -> None:
        for _ in range(600):  # as the service's background task does, every 0.1 s here
            if await asyncio.to_thread(switcher.check):
                return
            await asyncio.sleep(0.1)

    started = time.monotonic()
    try:
        version, _ = await asyncio.gather(
            rebuild_beside(settings, grace_seconds=60, progress=False), live_service_checking()
        )

        assert time.monotonic() - started < 45  # ended on the switch, not on the grace time
        assert live.version == version
        assert view_of(runtime).view(customer) is not None
        assert Pointer(settings).served() == version
    finally:
        await runtime.close()
