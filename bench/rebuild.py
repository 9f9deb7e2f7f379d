"""Rebuilding analytics' read model, and its 360 query under load.

(a) Rebuild rate. erpsim generates a log on the bench broker: synthetic CRM
customers (``CustomerRegistered`` with their ERP numbers) and their orders with
payments, overdue invoices, cancellations and returns (``erp.orders.v1``,
``erp.payments.v1``). The orders are planned in chunks by two worker processes
(erpsim plans ~0.4 ms of CPU per order) and produced as the chunks arrive;
``erp.shipments.v1`` is left out because ``Customer360`` does not read it.
The relay and consumer parts' leads are then deleted from ``crm.leads.v1``.
Then, on the same messages (every partition of ``Customer360.topics`` from
its beginning to its end: the log, and the latency part's few commands):

- the ceiling: plain aiokafka (the services' consumer settings, assigned, no
  group, no processing) fetching them;
- the figure: ``servicekit.rebuild.replay(Customer360(ViewStore(...)))``, the
  rebuild ``python -m analytics rebuild-views`` runs, on a fresh store;
- in a row of its own, plain aiokafka again, decoding every message with
  ``contracts.decode`` and nothing more: the rate no rebuild that checks the
  messages' contracts can pass here.

Both clocks include the consumer's start. On SQLite the views file is the one
analytics would serve (``<var>/analytics/views.sqlite``).

(b) 360 query latency. analytics runs as a process on that SQLite views store
(assessment runs off), and ``GET /customers/{id}/360`` for random known
customers is issued at a fixed rate, open loop, after a warm-up at the same rate.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import aiohttp
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete
from sqlalchemy import select

from analytics.views import metadata as analytics_metadata
from analytics.views.customer360 import Customer360
from analytics.views.profiles import profiles
from bench.infra import Infrastructure
from bench.latency import bearer, client, percentile
from bench.model import LEADS_TOPIC
from bench.params import Params, StoreKind
from bench.report import Progress, Row, at_least, below, decoding_only
from contracts import Envelope, decode
from contracts.customers import CustomerRegistered
from devstack.platform import ServiceProcess
from devstack.ports import free_ports
from servicekit import kafka
from servicekit.rebuild import replay
from servicekit.settings import DEV_SIGNING_KEY, ServiceSettings
from servicekit.views import ViewStore, views_url

AIM_SHARE = 0.25
AIM_P99_MS = 50.0
SEED = 7
CUSTOMERS_TOPIC = "crm.customers.v1"
#: messages per order on the topics Customer360 reads (OrderPlaced, OrderPaid,
#: PaymentReceived, some overdue, cancelled, returned): ~3.1; aim a bit low
MESSAGES_PER_ORDER = 3.0
ORDERS_PER_CHUNK = 10_000
CUSTOMERS_SHARE = 1 / 20  # one customer per twenty events: ~6 orders each
REGISTERED_AT = "2025-02-01T00:00:00+00:00"
PLANNERS = 2
QUERY_TIMEOUT = 10.0

Record = tuple[str, bytes, bytes]  # topic, key, value


@dataclass(frozen=True)
class Log:
    customer_ids: list[str]
    produced: int
    by_topic: dict[str, int]
    seconds: float


def run(infra: Infrastructure, params: Params, progress: Progress) -> list[Row]:
    bootstrap = infra.kafka()
    log = asyncio.run(_generate(bootstrap, params.rebuild_events, progress))
    asyncio.run(_forget_other_parts(bootstrap, progress))
    rows: list[Row] = []
    served: Path | None = None
    for kind in params.stores:
        settings = _settings(infra, kind)
        rows.extend(_measure(settings, kind, bootstrap, log, progress))
        if kind == "sqlite":
            served = settings.var_dir
    if served is None:  # PostgreSQL only: the query is measured on SQLite views
        settings = _settings(infra, "sqlite")
        rows.extend(_measure(settings, "sqlite", bootstrap, log, progress))
        served = settings.var_dir
    rows.extend(_query_latency(bootstrap, served, log, params, progress))
    return rows


# ---- the log


def _plan_chunk(
    seed: int, customers: Sequence[Any], orders: int, topics: Sequence[str]
) -> list[Record]:
    """One chunk of orders, planned in a worker process (erpsim is a pure function)."""
    from erpsim import Params as ErpParams
    from erpsim import plan

    the_plan = plan(seed, customers, orders, ErpParams(include_catalogue=False))
    wanted = set(topics)
    return [(m.topic, m.key_bytes, m.value) for m in the_plan.messages if m.topic in wanted]


def _registered(customer: Any) -> Record:
    event = CustomerRegistered(
        customer_id=customer.customer_id,
        first_name=customer.first_name,
        last_name=customer.last_name,
        email=customer.email,
        company=customer.company,
        source="direct",
        erp_customer_number=customer.erp_customer_number,
        registered_at=REGISTERED_AT,  # type: ignore[arg-type]
    )
    envelope = Envelope.wrap(
        event,
        source="/crm/bench",
        subject=customer.customer_id,
        aggregateversion=1,
        correlationid=str(uuid4()),
        actor="bench@engines.example",
    )
    return CUSTOMERS_TOPIC, customer.customer_id.encode(), envelope.to_bytes()


async def _generate(bootstrap: str, target: int, progress: Progress) -> Log:
    """Produce at least ``target`` messages onto the topics Customer360 reads."""
    from erpsim import erp_customers, synthetic_crm_customers

    started = time.perf_counter()
    customer_count = max(50, round(target * CUSTOMERS_SHARE))
    customers = erp_customers(synthetic_crm_customers(customer_count, SEED))
    orders = max(1, math.ceil((target - customer_count) / MESSAGES_PER_ORDER))
    chunks = max(1, math.ceil(orders / ORDERS_PER_CHUNK))
    progress(
        f"rebuild: producing ~{target:,} events: {customer_count:,} customers, "
        f"{orders:,} orders planned by erpsim in {chunks} chunks"
    )
    topics = [topic for topic in Customer360.topics if topic != CUSTOMERS_TOPIC]
    await kafka.ensure_topics(bootstrap, Customer360.topics, partitions=3)
    by_topic: dict[str, int] = {}
    producer = kafka.producer(bootstrap, "bench-rebuild-feed")
    await producer.start()
    try:
        produced = await _send(producer, [_registered(c) for c in customers], by_topic)
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(PLANNERS) as pool:
            seed = SEED
            while produced < target:
                remaining = max(1, math.ceil((target - produced) / MESSAGES_PER_ORDER))
                count = max(1, math.ceil(remaining / ORDERS_PER_CHUNK))
                share = math.ceil(len(customers) / count)
                pending = []
                for index in range(count):
                    chunk_customers = customers[index * share : (index + 1) * share] or customers
                    size = min(ORDERS_PER_CHUNK, remaining - index * ORDERS_PER_CHUNK)
                    pending.append(
                        loop.run_in_executor(
                            pool, _plan_chunk, seed, chunk_customers, max(size, 1), topics
                        )
                    )
                    seed += 1
                for planned in asyncio.as_completed(pending):
                    produced += await _send(producer, await planned, by_topic)
                    progress(f"rebuild: {produced:,} messages produced")
    finally:
        await producer.stop()
    seconds = time.perf_counter() - started
    progress(f"rebuild: log of {produced:,} messages ready in {seconds:.0f}s")
    return Log([str(c.customer_id) for c in customers], produced, by_topic, seconds)


async def _forget_other_parts(bootstrap: str, progress: Progress) -> None:
    """The relay and consumer parts put some 700,000 leads on ``crm.leads.v1``, which
    Customer360 reads too: their records are deleted, so that the rebuild's log is the
    one generated here (and the latency part's few hundred commands) whatever ran before."""
    partitions = await kafka.partitions_of(bootstrap, [LEADS_TOPIC])
    reader = kafka.consumer(bootstrap, group_id=None, client_id="bench-rebuild-ends")
    await reader.start()
    try:
        ends: dict[TopicPartition, int] = await reader.end_offsets(partitions)
    finally:
        await reader.stop()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench-rebuild-admin")
    await admin.start()
    try:
        await admin.delete_records({tp: RecordsToDelete(end) for tp, end in ends.items()})
    finally:
        await admin.close()
    progress(f"rebuild: {sum(ends.values()):,} records of {LEADS_TOPIC} deleted")


async def _send(producer: Any, records: Sequence[Record], by_topic: dict[str, int]) -> int:
    window: list[asyncio.Future[Any]] = []
    for topic, key, value in records:
        window.append(await producer.send(topic, value, key=key))
        by_topic[topic] = by_topic.get(topic, 0) + 1
        if len(window) >= 5_000:
            await asyncio.gather(*window)
            window.clear()
    await asyncio.gather(*window)
    return len(records)


# ---- (a) rebuild rate


def _settings(infra: Infrastructure, kind: StoreKind) -> ServiceSettings:
    if kind == "sqlite":
        var_dir = infra.directory(f"rebuild-{uuid4().hex[:6]}")
        return ServiceSettings(
            service_name="analytics", port=0, event_store="sqlite", var_dir=var_dir
        )
    return ServiceSettings(
        service_name="analytics",
        port=0,
        event_store="postgres",
        postgres_dsn=infra.new_database("rebuild"),
    )


def _measure(
    settings: ServiceSettings, kind: StoreKind, bootstrap: str, log: Log, progress: Progress
) -> list[Row]:
    progress(f"rebuild/{kind}: ceiling, plain aiokafka consuming {', '.join(Customer360.topics)}")
    consumed, ceiling_seconds = asyncio.run(_plain_consume(bootstrap, Customer360.topics))
    ceiling = consumed / ceiling_seconds
    progress(f"rebuild/{kind}: ceiling {ceiling:,.0f} msg/s ({consumed:,}, {ceiling_seconds:.1f}s)")
    _, decoding_seconds = asyncio.run(_plain_consume(bootstrap, Customer360.topics, decoding=True))
    store = ViewStore(views_url(settings), analytics_metadata)
    try:
        projection = Customer360(store)
        progress(f"rebuild/{kind}: replaying into Customer360 (progress every 10s)")
        watching = _Watch(store, progress, kind)
        started = time.perf_counter()
        applied = asyncio.run(watching.around(replay(projection, bootstrap, progress=False)))
        seconds = time.perf_counter() - started
        _check_every_customer_is_there(store, log)
    finally:
        store.close()
    if applied != consumed:
        raise RuntimeError(f"the rebuild applied {applied} messages, plain aiokafka {consumed}")
    figure = applied / seconds
    progress(f"rebuild/{kind}: {figure:,.0f} events/s ({applied:,} in {seconds:.1f}s)")
    details = {
        "events": applied,
        "rebuild_seconds": seconds,
        "ceiling_seconds": ceiling_seconds,
        "topics": list(Customer360.topics),
        "generated": {"messages": log.produced, "by_topic": log.by_topic},
        "generate_seconds": log.seconds,
        "customers": len(log.customer_ids),
    }
    row = Row(
        "rebuild Customer360",
        kind,
        figure,
        "events/s",
        ceiling,
        at_least(figure / ceiling, AIM_SHARE),
        details,
    )
    return [row, decoding_only("rebuild", row, decoding_seconds, consumed, progress)]


def _check_every_customer_is_there(store: ViewStore, log: Log) -> None:
    """A fast rebuild that lost customers would be no figure at all."""
    with store.reading() as connection:
        known = set(connection.scalars(select(profiles.c.customer_id)))
    missing = set(log.customer_ids) - known
    if missing:
        raise RuntimeError(f"the rebuilt views lack {len(missing)} of the generated customers")


class _Watch:
    """Progress lines while a rebuild runs: the offsets its tracking reached."""

    def __init__(self, store: ViewStore, progress: Progress, kind: str) -> None:
        self.store = store
        self.progress = progress
        self.kind = kind

    async def around(self, work: Any) -> int:
        task = asyncio.ensure_future(work)
        started = time.perf_counter()
        while not task.done():
            await asyncio.wait([task], timeout=10)
            if not task.done():
                reached = await asyncio.to_thread(self._reached)
                self.progress(
                    f"rebuild/{self.kind}: ~{reached:,} applied "
                    f"after {time.perf_counter() - started:.0f}s"
                )
        return int(task.result())

    def _reached(self) -> int:
        from sqlalchemy import func, select

        tracking = self.store.tracking
        with self.store.reading() as connection:
            total = connection.scalar(select(func.sum(tracking.c.notification_id + 1)))
        return int(total or 0)


async def _plain_consume(
    bootstrap: str, topics: Sequence[str], decoding: bool = False
) -> tuple[int, float]:
    """Messages plain aiokafka fetched from the topics' beginnings to their ends (decoding
    each if ``decoding``), and seconds."""
    partitions = await kafka.partitions_of(bootstrap, topics)
    consumer = kafka.consumer(bootstrap, group_id=None, client_id="bench-plain-rebuild")
    started = time.perf_counter()
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        beginnings = await consumer.beginning_offsets(partitions)
        ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if ends[tp] > beginnings[tp]}
        count = 0
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=1000, max_records=2000)
            for tp, records in batches.items():
                wanted = [record for record in records if record.offset < ends[tp]]
                if decoding:
                    for record in wanted:
                        decode(record.topic, record.value)
                count += len(wanted)
                if wanted and wanted[-1].offset + 1 >= ends[tp]:
                    remaining.discard(tp)
        return count, time.perf_counter() - started
    finally:
        await consumer.stop()


# ---- (b) 360 query latency


def _query_latency(
    bootstrap: str, var_dir: Path, log: Log, params: Params, progress: Progress
) -> list[Row]:
    (port,) = free_ports(1)
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "ANALYTICS_PORT": str(port),
        "ANALYTICS_VAR_DIR": str(var_dir),
        "ANALYTICS_EVENT_STORE": "sqlite",
        "ANALYTICS_ASSESSMENT_SECONDS": "0",
        "CRM_JWT_SIGNING_KEY": DEV_SIGNING_KEY,
    }
    service = ServiceProcess("analytics", port, env, var_dir / "log" / "analytics.log")
    progress(f"rebuild/360: starting analytics on the rebuilt views (log {service.log_path})")
    service.start()
    try:
        deadline = time.monotonic() + 120
        while service.status("/readyz") != 200:
            if service.process is not None and service.process.poll() is not None:
                raise RuntimeError(f"analytics exited; see {service.log_path}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"analytics not ready in 120s: {service.readiness()}")
            time.sleep(0.2)
        return asyncio.run(_queries(service.url, log, params, progress))
    finally:
        progress("rebuild/360: stopping analytics")
        service.stop()


async def _queries(url: str, log: Log, params: Params, progress: Progress) -> list[Row]:
    rng = random.Random(SEED)
    headers = bearer("analyst")
    interval = 1 / params.query_rate

    async def one(customer_id: str) -> tuple[float, str | None]:
        sent = time.perf_counter()
        try:
            async with session.get(f"{url}/customers/{customer_id}/360", headers=headers) as got:
                await got.read()
        except (aiohttp.ClientError, TimeoutError) as error:
            return time.perf_counter() - sent, type(error).__name__
        error = None if got.status == 200 else f"GET {got.status}"
        return time.perf_counter() - sent, error

    async def issue(count: int) -> tuple[list[tuple[float, str | None]], float]:
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.05
        tasks = []
        lag = 0.0
        for index in range(count):
            scheduled = start + index * interval
            delay = scheduled - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            lag = max(lag, loop.time() - scheduled)
            tasks.append(asyncio.create_task(one(rng.choice(log.customer_ids))))
        return list(await asyncio.gather(*tasks)), lag

    async with client(QUERY_TIMEOUT) as session:
        warmup = round(params.warmup * params.query_rate)
        if warmup:
            progress(f"rebuild/360: warm-up, {warmup} queries at {params.query_rate:g}/s")
            await issue(warmup)
        count = max(round(params.duration * params.query_rate), 2)
        progress(f"rebuild/360: measuring {count} queries at {params.query_rate:g}/s")
        started = time.perf_counter()
        samples, lag = await issue(count)
        seconds = time.perf_counter() - started
    errors: dict[str, int] = {}
    for _, error in samples:
        if error is not None:
            errors[error] = errors.get(error, 0) + 1
    latencies = sorted(latency * 1000 for latency, error in samples if error is None)
    if not latencies:
        raise RuntimeError(f"no 360 query succeeded: {errors}")
    figures = {share: percentile(latencies, share) for share in (0.50, 0.95, 0.99)}
    progress(
        "rebuild/360: "
        + ", ".join(f"p{round(share * 100)} {value:.1f} ms" for share, value in figures.items())
        + f"; {len(samples) - len(latencies)} failed"
    )
    details: dict[str, Any] = {
        "queries": len(samples),
        "failed": len(samples) - len(latencies),
        "errors": errors,
        "target_rate": params.query_rate,
        "duration_s": params.duration,
        "warmup_s": params.warmup,
        "seconds": seconds,
        "max_ms": latencies[-1],
        "mean_ms": sum(latencies) / len(latencies),
        "max_schedule_lag_ms": lag * 1000,
        "customers": len(log.customer_ids),
        "views_events": log.produced,
    }
    return [
        Row(
            f"360 query p{round(share * 100)}",
            "sqlite",
            value,
            "ms",
            aim=below(value, AIM_P99_MS, "ms") if share == 0.99 else None,
            details=details,
        )
        for share, value in figures.items()
    ]
