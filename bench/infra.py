"""The servers a bench run needs, started on first use and all stopped by :meth:`close`.

Kafka: the cluster named by ``KAFKA_BOOTSTRAP_SERVERS``, else a broker of our own
on free ports with a fresh data dir (so its topics hold only the bench's messages).
PostgreSQL: the server of ``POSTGRES_DSN`` (an admin DSN), else a throwaway cluster.
Every measurement gets a fresh store: a new SQLite dir or a new database.

Start and stop from the main thread: the broker dies with the thread that
started it (``die_with_parent``), a safety net should the run be killed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg

from bench.params import StoreKind
from bench.report import Progress
from devstack._proc import pid_alive, read_pid_file
from devstack.kafka import KafkaBroker, kafka_version
from devstack.ports import free_ports
from devstack.postgres import (
    PostgresCluster,
    create_database,
    drop_database,
    make_scratch_dir,
)
from servicekit.settings import ServiceSettings

PG_SCRATCH_PREFIX = "crm-bench-pg-"


def reap_orphaned_clusters() -> None:
    """Stop and delete throwaway clusters of bench runs that were killed outright."""
    for root in Path(tempfile.gettempdir()).glob(f"{PG_SCRATCH_PREFIX}*"):
        owner = read_pid_file(root / "owner.pid")
        if owner is None or pid_alive(owner):
            continue
        with contextlib.suppress(Exception):
            PostgresCluster(data_dir=root / "data").stop(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


class Infrastructure:
    def __init__(self, progress: Progress, keep: bool = False) -> None:
        self.progress = progress
        self.keep = keep
        self.scratch = Path(tempfile.mkdtemp(prefix="crm-bench-"))
        self.broker: KafkaBroker | None = None
        self.cluster: PostgresCluster | None = None
        self._pg_scratch: Path | None = None
        self._kafka: str | None = None
        self._postgres: str | None = None
        self._databases: list[str] = []
        self._private: list[KafkaBroker] = []
        self._failed = False

    # ---- Kafka
    def kafka(self) -> str:
        """Bootstrap servers of a running cluster."""
        if self._kafka is None:
            external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
            if external:
                self.progress(f"kafka: using {external} (KAFKA_BOOTSTRAP_SERVERS)")
                self._kafka = external
            else:
                port, controller_port = free_ports(2)
                self.broker = KafkaBroker(
                    data_dir=Path(tempfile.mkdtemp(prefix="kafka-", dir=self.scratch)),
                    port=port,
                    controller_port=controller_port,
                    die_with_parent=True,
                )
                self.progress(f"kafka: starting a broker on {self.broker.bootstrap_servers}")
                try:
                    self.broker.start()
                    self.broker.wait_ready(timeout=120)
                except BaseException:
                    self._stop_kafka()
                    raise
                self._kafka = self.broker.bootstrap_servers
                self.progress("kafka: ready")
        return self._kafka

    def private_kafka(self, label: str) -> KafkaBroker:
        """A broker of the caller's own (free ports, fresh data dir), whatever
        ``KAFKA_BOOTSTRAP_SERVERS`` says: for a part whose services must read no message
        but its own from topics whose names are fixed. Stop it with
        :meth:`stop_private_kafka`; :meth:`close` stops it otherwise."""
        port, controller_port = free_ports(2)
        broker = KafkaBroker(
            data_dir=Path(tempfile.mkdtemp(prefix=f"kafka-{label}-", dir=self.scratch)),
            port=port,
            controller_port=controller_port,
            die_with_parent=True,
        )
        self.progress(f"kafka: starting a broker of its own for {label} on {port}")
        self._private.append(broker)
        broker.start()
        broker.wait_ready(timeout=120)
        return broker

    def stop_private_kafka(self, broker: KafkaBroker) -> None:
        if broker in self._private:
            self._private.remove(broker)
            broker.stop(timeout=30)
            shutil.rmtree(broker.data_dir, ignore_errors=True)

    # ---- PostgreSQL
    def postgres_admin_dsn(self) -> str:
        if self._postgres is None:
            external = os.environ.get("POSTGRES_DSN")
            if external:
                self.progress("postgres: using the server of POSTGRES_DSN")
                self._postgres = external
            else:
                reap_orphaned_clusters()
                self._pg_scratch = make_scratch_dir(PG_SCRATCH_PREFIX)
                (self._pg_scratch / "owner.pid").write_text(f"{os.getpid()}\n")
                (port,) = free_ports(1)
                self.cluster = PostgresCluster(data_dir=self._pg_scratch / "data", port=port)
                self.progress(f"postgres: starting a throwaway cluster on port {port}")
                try:
                    self.cluster.start(timeout=120)
                    self.cluster.wait_ready(timeout=60)
                except BaseException:
                    self._stop_postgres()
                    raise
                self._postgres = self.cluster.dsn("postgres")
                self.progress("postgres: ready")
        return self._postgres

    def new_database(self, label: str) -> str:
        name = f"bench_{label}_{uuid4().hex[:8]}"
        dsn = create_database(self.postgres_admin_dsn(), name, fresh=True)
        self._databases.append(name)
        return dsn

    # ---- stores
    def store_settings(self, kind: StoreKind, label: str) -> ServiceSettings:
        """Settings of a service on a fresh store of ``kind``."""
        service_name = f"{label}-{uuid4().hex[:6]}"
        if kind == "sqlite":
            return ServiceSettings(
                service_name=service_name,
                port=0,
                event_store="sqlite",
                var_dir=self.scratch / "stores",
            )
        return ServiceSettings(
            service_name=service_name,
            port=0,
            event_store="postgres",
            postgres_dsn=self.new_database(label.replace("-", "_")),
        )

    def directory(self, name: str) -> Path:
        path = self.scratch / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    # ---- facts for the report
    def environment(self) -> dict[str, Any]:
        facts: dict[str, Any] = {}
        if self._kafka is not None:
            facts["kafka"] = {
                "bootstrap_servers": self._kafka,
                "kind": "local" if self.broker else "external",
            }
            if self.broker is not None:
                with contextlib.suppress(Exception):
                    facts["kafka"]["version"] = kafka_version()
                facts["kafka"]["heap_opts"] = self.broker.heap_opts
        if self._postgres is not None:
            facts["postgres"] = {"kind": "local" if self.cluster else "external"}
            with (
                contextlib.suppress(Exception),
                psycopg.connect(self._postgres, connect_timeout=5) as connection,
            ):
                row = connection.execute("SHOW server_version").fetchone()
                facts["postgres"]["version"] = row[0] if row else None
        return facts

    def mark_failed(self) -> None:
        """Keep the scratch dir (logs) for a look after the run."""
        self._failed = True

    # ---- the end
    def close(self) -> None:
        """Stop everything started; every step runs even if an earlier one fails."""
        errors: list[Exception] = []
        for step in (self._drop_databases, self._stop_postgres, self._stop_kafka, self._clean):
            try:
                step()
            except Exception as error:
                errors.append(error)
        if errors:
            raise errors[0]

    def _drop_databases(self) -> None:
        if self._postgres is not None and self.cluster is None:
            for name in self._databases:
                with contextlib.suppress(Exception):
                    drop_database(self._postgres, name)

    def _stop_postgres(self) -> None:
        if self.cluster is not None:
            self.progress("postgres: stopping")
            self.cluster.stop(timeout=30)
            self.cluster = None
        if self._pg_scratch is not None:
            shutil.rmtree(self._pg_scratch, ignore_errors=True)
            self._pg_scratch = None

    def _stop_kafka(self) -> None:
        while self._private:
            self._private.pop().stop(timeout=30)
        if self.broker is not None:
            self.progress("kafka: stopping")
            self.broker.stop(timeout=30)
            self.broker = None

    def _clean(self) -> None:
        if self.keep or self._failed:
            self.progress(f"scratch dir kept: {self.scratch}")
        else:
            shutil.rmtree(self.scratch, ignore_errors=True)
