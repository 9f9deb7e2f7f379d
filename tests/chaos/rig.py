"""The platform the chaos experiments break: its own broker and the four services as
processes (SQLite stores), with the faults an operator meets: a process SIGKILLed, the
broker SIGKILLed, committed offsets reset, read models rebuilt.

What "caught up" means here does not depend on ``/readyz`` (which says nothing while
the broker is down): every handler's tracking records, read from its database, hold
the last offset of every partition of its topics.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from uuid import uuid4

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

from contracts import TOPICS
from devstack.kafka import KafkaBroker, ensure_jars
from devstack.platform import SERVICES, Platform, ServiceProcess
from devstack.ports import free_ports
from erpsim import Message, publish
from servicekit import kafka
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

PARTITIONS = 3
ADMIN = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'chaos', ['admin'])}"}

#: what each service's consumers read, by the database their tracking records live in
#: (``events``: an inbox acting on aggregates; ``views``: read models)
CONSUMED: dict[str, dict[str, tuple[str, ...]]] = {
    "acquisition": {
        "events": ("erp.orders.v1",),
        "views": (
            "crm.leads.v1",
            "crm.customers.v1",
            "crm.activities.v1",
            "crm.opportunities.v1",
            "crm.campaigns.v1",
        ),
    },
    "loyalty": {
        "events": (
            "crm.customers.v1",
            "erp.orders.v1",
            "erp.products.v1",
            "crm.cases.v1",
            "crm.analytics.signals.v1",
        ),
        "views": ("crm.loyalty.ledger.v1", "crm.loyalty.accounts.v1"),
    },
    "support": {
        "views": (
            "crm.customers.v1",
            "crm.loyalty.accounts.v1",
            "crm.cases.v1",
            "erp.orders.v1",
            "erp.shipments.v1",
        ),
    },
    "analytics": {
        "views": (
            "crm.customers.v1",
            "crm.campaigns.v1",
            "crm.leads.v1",
            "crm.opportunities.v1",
            "crm.loyalty.accounts.v1",
            "crm.loyalty.ledger.v1",
            "crm.cases.v1",
            "erp.orders.v1",
            "erp.payments.v1",
        ),
    },
}


@dataclass
class Rig:
    """A broker and the four services, each of which can be killed and brought back."""

    root: Path
    broker: KafkaBroker = field(init=False)
    platform: Platform = field(init=False)
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        port, controller = free_ports(2)
        self.broker = KafkaBroker(
            self.root / "kafka", port=port, controller_port=controller, die_with_parent=True
        )
        self.platform = Platform(
            self.broker.bootstrap_servers,
            self.root / "var",
            ports=dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True)),
            extra_env={
                "CRM_CONSUMER_GROUP_PREFIX": f"chaos-{uuid4().hex[:8]}",
                "KAFKA_TOPIC_PARTITIONS": str(PARTITIONS),
                "LOG_LEVEL": "WARNING",
            },
        )
        self.http = httpx.Client(headers=ADMIN, timeout=10)

    @property
    def bootstrap(self) -> str:
        return self.broker.bootstrap_servers

    def service(self, name: str) -> ServiceProcess:
        return self.platform.services[name]

    def url(self, name: str) -> str:
        return self.service(name).url

    # ------------------------------------------------------------------ life cycle

    def start(self) -> None:
        self.broker.start(ensure_jars())
        self.broker.wait_ready(timeout=120)
        everything = [*TOPICS, *(f"{topic}.dlq" for topic in TOPICS)]
        asyncio.run(kafka.ensure_topics(self.bootstrap, everything, PARTITIONS))
        self.platform.start()
        self.platform.wait_ready(timeout=180)

    def stop(self) -> None:
        self.http.close()
        self.platform.stop()
        self.broker.stop()

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown hook runs, nothing is flushed or committed."""
        process = self.service(name).process
        assert process is not None, f"{name} never started"
        assert process.poll() is None, f"{name} is not running"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)

    def bring_back(self, name: str) -> None:
        """Start the service again and wait until it answers (not until it caught up)."""
        service = self.service(name)
        service.start()
        self.wait_alive(name)

    def wait_alive(self, name: str, timeout: float = 60) -> None:
        service = self.service(name)
        deadline = time.monotonic() + timeout
        while service.status("/healthz") != 200:
            assert service.process is not None
            assert service.process.poll() is None, f"{name} exited; see {service.log_path}"
            assert time.monotonic() < deadline, f"{name} did not come back"
            time.sleep(0.1)

    def kill_broker(self) -> None:
        pid = self.broker.pid()
        assert pid is not None, "the broker is not running"
        os.kill(pid, signal.SIGKILL)
        while self.broker.is_reachable():
            time.sleep(0.05)

    def bring_back_broker(self) -> None:
        self.broker.start(ensure_jars())
        self.broker.wait_ready(timeout=120)

    def run_cli(self, name: str, *arguments: str, timeout: float = 300) -> str:
        """``python -m <service> <arguments>`` with the service's own settings."""
        service = self.service(name)
        done = subprocess.run(
            [sys.executable, "-m", name, *arguments],
            env=service.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"{name} {arguments}: {done.stdout}\n{done.stderr}"
        return done.stdout

    # ------------------------------------------------------------------ the stream

    @contextmanager
    def streaming(self, messages: Sequence[Message], rate: float) -> Iterator[Callable[[], bool]]:
        """Publish ``messages`` at ``rate`` in a thread; yield "is it still sending?".
        On leaving, wait until every message was acknowledged (the producer retries
        through a broker outage)."""
        failures: list[BaseException] = []

        def feed() -> None:
            try:
                asyncio.run(
                    publish(messages, self.bootstrap, rate=rate, client_id=f"erp-{uuid4().hex[:6]}")
                )
            except BaseException as error:
                failures.append(error)

        feeder = threading.Thread(target=feed, name="erp-feed")
        feeder.start()
        try:
            yield feeder.is_alive
        finally:
            feeder.join(300)
        assert not feeder.is_alive(), "the ERP feed did not finish"
        assert not failures, failures

    # ------------------------------------------------------------------ positions

    def views_database(self, name: str) -> Path:
        """The read models the service serves: analytics' may be a version built beside."""
        base = self.platform.var_dir / name / "views.sqlite"
        if name != "analytics" or not base.exists():
            return base
        with closing_sqlite(base) as db:
            try:
                row = db.execute("SELECT served FROM views_version WHERE name = 'live'").fetchone()
            except sqlite3.OperationalError:
                return base
        return base if row is None or row[0] is None else base.with_name(f"views-{row[0]}.sqlite")

    def tracked(self, name: str, store: str) -> dict[str, int]:
        """``topic:partition`` -> last offset applied, from the handler's database."""
        if store == "views":
            path, query = (
                self.views_database(name),
                "SELECT application_name, notification_id FROM view_tracking",
            )
        else:
            path = self.platform.var_dir / name / "events.sqlite"
            query = "SELECT application_name, notification_id FROM tracking"
        if not path.exists():
            return {}
        with closing_sqlite(path) as db:
            try:
                rows = db.execute(query).fetchall()
            except sqlite3.OperationalError:
                return {}
        positions: dict[str, int] = {}
        for application, position in rows:
            positions[application] = max(positions.get(application, -1), int(position))
        return positions

    def behind(self) -> dict[str, dict[str, tuple[int | None, int]]]:
        """Per handler, the partitions whose tracked position is short of the end."""
        ends = asyncio.run(end_offsets(self.bootstrap, list(TOPICS)))
        late: dict[str, dict[str, tuple[int | None, int]]] = {}
        for name, stores in CONSUMED.items():
            for store, topics in stores.items():
                tracked = self.tracked(name, store)
                for tp, end in ends.items():
                    key = f"{tp.topic}:{tp.partition}"
                    if tp.topic in topics and end > 0 and tracked.get(key, -1) < end - 1:
                        late.setdefault(f"{name}/{store}", {})[key] = (tracked.get(key), end - 1)
        return late

    def dead_lettered(self) -> int:
        """Messages on every ``<topic>.dlq``: each one a message a consumer gave up on."""
        ends = asyncio.run(end_offsets(self.bootstrap, [f"{topic}.dlq" for topic in TOPICS]))
        return sum(ends.values())

    def reset_committed_offsets(self, name: str) -> list[str]:
        """Set every consumer group of the (stopped) service back to offset 0."""
        prefix = self.platform.extra_env["CRM_CONSUMER_GROUP_PREFIX"]
        return asyncio.run(reset_groups(self.bootstrap, f"{prefix}-{name}-"))


@contextmanager
def closing_sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        yield connection
    finally:
        connection.close()


async def end_offsets(bootstrap: str, topics: list[str]) -> dict[TopicPartition, int]:
    partitions = await kafka.partitions_of(bootstrap, topics)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


async def reset_groups(bootstrap: str, prefix: str) -> list[str]:
    """Commit offset 0 on every partition the groups named ``prefix...`` committed."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        listed = await admin.list_consumer_groups()
        groups = [group for group, _ in listed if group.startswith(prefix)]
        for group in groups:
            offsets = await admin.list_consumer_group_offsets(group)
            consumer = AIOKafkaConsumer(
                bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
            )
            await consumer.start()
            try:
                consumer.assign(list(offsets))
                await consumer.commit({tp: OffsetAndMetadata(0, "") for tp in offsets})
            finally:
                await consumer.stop()
            after = await admin.list_consumer_group_offsets(group)
            assert {meta.offset for meta in after.values()} == {0}, (group, after)
        return groups
    finally:
        await admin.close()
