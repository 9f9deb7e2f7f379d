"""Consumers scale out on partitions: three analytics processes in one consumer group on
6-partition topics share the load, and SIGKILLing one mid-stream loses and doubles nothing.

The test starts its own broker (so every topic is created fresh with 6 partitions) and
a fresh PostgreSQL database shared by the three processes, as replicas in production
share theirs. The ERP simulator feeds orders with payments, cancellations and partial
returns: a lost message shows as a missing or stale row, a message applied twice as a
wrong ``returned_amount`` (a return adds to it) or a wrong status.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts import TOPICS, Envelope
from contracts.customers import CustomerRegistered
from contracts.erp.orders import OrderCancelled, OrderPaid, OrderPlaced, OrderReturned
from contracts.erp.payments import PaymentOverdue, PaymentReceived
from devstack.kafka import KafkaBroker, ensure_jars
from devstack.platform import ServiceProcess
from devstack.ports import free_ports
from erpsim import Message, Params, Plan, ReferenceShares, erp_customers, plan, publish
from erpsim import synthetic_crm_customers as invent_customers
from servicekit import kafka

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]

PARTITIONS = 6
PROCESSES = 3
CONSUMED = ("crm.customers.v1", "erp.orders.v1", "erp.payments.v1")
RATE = 300  # messages per second: the stream lasts several seconds, so the kill lands mid-way


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[str]:
    port, controller_port = free_ports(2)
    with KafkaBroker(
        tmp_path / "kafka", port=port, controller_port=controller_port, die_with_parent=True
    ) as running:
        running.start(ensure_jars())
        running.wait_ready(timeout=120)
        yield running.bootstrap_servers


@pytest.fixture
def analytics_database(postgres_dsn_factory: Callable[[str], str]) -> str:
    return postgres_dsn_factory(f"analytics_scale_{uuid4().hex[:8]}")


@pytest.fixture
def replicas(
    broker: str, analytics_database: str, tmp_path: Path
) -> Iterator[list[ServiceProcess]]:
    asyncio.run(kafka.ensure_topics(broker, [*TOPICS, *(f"{t}.dlq" for t in TOPICS)], PARTITIONS))
    processes = []
    for number, port in enumerate(free_ports(PROCESSES)):
        env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": broker,
            "KAFKA_TOPIC_PARTITIONS": str(PARTITIONS),
            "ANALYTICS_PORT": str(port),
            "ANALYTICS_EVENT_STORE": "postgres",
            "ANALYTICS_POSTGRES_DSN": analytics_database,
            "ANALYTICS_VAR_DIR": str(tmp_path / f"var-{number}"),
        }
        processes.append(
            ServiceProcess("analytics", port, env, tmp_path / "log" / f"analytics-{number}.log")
        )
    try:
        # the first replica creates the tables; the others join a database that has them
        processes[0].start()
        wait_ready(processes[:1])
        for process in processes[1:]:
            process.start()
        wait_ready(processes)
        yield processes
    finally:
        for process in processes:
            process.stop()


def wait_ready(processes: list[ServiceProcess], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    for process in processes:
        while process.status("/readyz") != 200:
            assert process.process is not None
            assert process.process.poll() is None, f"exited; see {process.log_path}"
            assert time.monotonic() < deadline, f"{process.url} not ready: {process.readiness()}"
            time.sleep(0.2)


def applied(process: ServiceProcess) -> int:
    """Messages the process's views consumer applied (its consumer_applied_total)."""
    with urllib.request.urlopen(f"{process.url}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    pattern = r'^consumer_applied_total\{consumer="views",topic="[^"]+"\} ([0-9.e+]+)$'
    return int(sum(float(value) for value in re.findall(pattern, text, re.MULTILINE)))


def registrations(the_plan: Plan) -> list[Message]:
    """The CRM's CustomerRegistered of the plan's customers, as acquisition publishes them."""
    messages = []
    for customer in the_plan.customers:
        assert customer.customer_id is not None
        event = CustomerRegistered(
            customer_id=customer.customer_id,
            first_name=customer.first_name,
            last_name=customer.last_name,
            email=customer.email,
            company=customer.company,
            source="store",
            registered_at=datetime(2025, 3, 1, tzinfo=UTC),
        )
        envelope = Envelope.wrap(event, source="/crm/acquisition", subject=customer.customer_id)
        messages.append(
            Message("crm.customers.v1", customer.customer_id, envelope, event, envelope.to_bytes())
        )
    return messages


#: analytics.views.purchases.ORDER_PROGRESS, restated by the oracle: a status never goes back
ORDER_PROGRESS = ("placed", "paid", "returned", "cancelled")


def expected_orders(the_plan: Plan) -> dict[str, tuple[str, str, Decimal, Decimal]]:
    """Each order's customer, final status, total and returned amount, folded from the plan."""
    expected: dict[str, tuple[str, str, Decimal, Decimal]] = {}
    prices: dict[str, dict[str, Decimal]] = {}
    for message in the_plan.messages:
        match message.event:
            case OrderPlaced() as placed:
                assert placed.customer_id is not None
                prices[placed.order_id] = {line.sku: line.unit_price for line in placed.lines}
                expected[placed.order_id] = (placed.customer_id, "placed", placed.total, Decimal(0))
            case OrderPaid() | OrderCancelled() | OrderReturned() as later:
                customer, status, total, returned = expected[later.order_id]
                if isinstance(later, OrderReturned):
                    unit = prices[later.order_id]
                    returned += sum(line.quantity * unit[line.sku] for line in later.lines)
                reached = {OrderPaid: "paid", OrderCancelled: "cancelled"}.get(
                    type(later), "returned"
                )
                status = max(status, reached, key=ORDER_PROGRESS.index)  # never goes back
                expected[later.order_id] = (customer, status, total, returned)
    return expected


def expected_payments(the_plan: Plan) -> dict[str, str]:
    last: dict[str, str] = {}
    for message in the_plan.messages:
        event = message.event
        # received stays received
        if (
            isinstance(event, PaymentReceived | PaymentOverdue)
            and last.get(event.invoice_id) != "received"
        ):
            last[event.invoice_id] = "overdue" if isinstance(event, PaymentOverdue) else "received"
    return last


async def end_offsets(bootstrap: str) -> dict[TopicPartition, int]:
    partitions = await kafka.partitions_of(bootstrap, CONSUMED)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


def tracked_positions(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn) as connection:
        rows = connection.execute("SELECT application_name, notification_id FROM view_tracking")
        return {name: int(position) for name, position in rows}


def wait_caught_up(dsn: str, bootstrap: str, timeout: float = 60) -> None:
    """Until the views' tracking record of every partition holds its last offset."""
    ends = asyncio.run(end_offsets(bootstrap))
    wanted = {f"{tp.topic}:{tp.partition}": end - 1 for tp, end in ends.items() if end > 0}
    assert len(wanted) == len(CONSUMED) * PARTITIONS, "the keys should spread over every partition"
    deadline = time.monotonic() + timeout
    while True:
        tracked = tracked_positions(dsn)
        behind = {
            name: (tracked.get(name), end)
            for name, end in wanted.items()
            if tracked.get(name) != end
        }
        if not behind:
            return
        assert time.monotonic() < deadline, f"not caught up (tracked, last offset): {behind}"
        time.sleep(0.3)


def test_three_consumers_share_the_partitions_and_a_killed_one_loses_and_doubles_nothing(
    replicas: list[ServiceProcess], broker: str, analytics_database: str
) -> None:
    customers = invent_customers(60, seed=11)
    the_plan = plan(
        11,
        erp_customers(customers),
        orders=400,
        params=Params(
            include_catalogue=False,
            unknown_customer_share=0.0,
            references=ReferenceShares(customer_id=1, erp_number=0, both=0),
            return_share=0.5,
        ),
    )
    stream = [*registrations(the_plan), *the_plan.messages]
    assert sum(isinstance(m.event, OrderReturned) for m in stream) >= 20

    failures: list[BaseException] = []

    def feed() -> None:
        try:
            asyncio.run(publish(stream, broker, rate=RATE, partitions=PARTITIONS))
        except BaseException as error:
            failures.append(error)

    feeder = threading.Thread(target=feed, name="erp-feed")
    started = time.monotonic()
    feeder.start()
    try:
        # every replica got partitions of the group and applies messages from them
        deadline = time.monotonic() + 30
        while not all(applied(process) > 0 for process in replicas):
            assert time.monotonic() < deadline, [applied(p) for p in replicas]
            time.sleep(0.2)
        victim = replicas[1]
        assert victim.process is not None
        os.kill(victim.process.pid, signal.SIGKILL)
        victim.process.wait(10)
        killed_at = time.monotonic() - started
    finally:
        feeder.join(60)
    assert not failures, failures
    assert not feeder.is_alive()
    assert killed_at < len(stream) / RATE / 2, (
        "the kill should land in the first half of the stream"
    )

    survivors = [replicas[0], replicas[2]]
    wait_caught_up(analytics_database, broker)

    with psycopg.connect(analytics_database) as connection:
        orders = {
            order_id: (customer_id, status, total, returned)
            for order_id, customer_id, status, total, returned in connection.execute(
                "SELECT order_id, customer_id, status, total, returned_amount FROM orders"
            )
        }
        payments = dict(connection.execute("SELECT invoice_id, status FROM payments").fetchall())
        profiles = connection.execute("SELECT count(*) FROM customer_profiles").fetchone()
        parked = connection.execute("SELECT count(*) FROM parked_messages").fetchone()
    expected = expected_orders(the_plan)
    missing = expected.keys() - orders.keys()
    wrong = {k: (orders[k], v) for k, v in expected.items() if k in orders and orders[k] != v}
    assert not missing, f"{len(missing)} orders lost, e.g. {sorted(missing)[:5]}"
    assert not wrong, f"{len(wrong)} orders differ (row, expected), e.g. {list(wrong.items())[:3]}"
    assert orders.keys() == expected.keys()
    assert payments == expected_payments(the_plan)
    assert profiles == (len(the_plan.customers),)
    assert parked == (0,)
    for process in survivors:
        consumers = process.readiness()["checks"]["consumers"]["detail"]  # type: ignore[index]
        assert consumers["views"]["dead_lettered"] == 0
