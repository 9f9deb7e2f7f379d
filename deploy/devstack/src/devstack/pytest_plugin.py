"""pytest fixtures for Kafka and PostgreSQL (registered via the ``pytest11`` entry point).

Kafka (session scope), first that applies:

1. ``KAFKA_BOOTSTRAP_SERVERS`` set: use that cluster.
2. ``DEVSTACK_KAFKA`` is not ``local`` and a Docker daemon answers
   (``docker.from_env().ping()``): an ``apache/kafka:<pom version>`` testcontainer.
3. Otherwise: a :class:`devstack.kafka.KafkaBroker` from the Maven jars on free
   ports in a pytest temp dir, stopped at session end.

PostgreSQL (session scope): ``POSTGRES_DSN`` (or reachable ``PGHOST``/``PG*``) names
an existing server, else a throwaway :class:`devstack.postgres.PostgresCluster`.

Fixtures: ``kafka_bootstrap_servers``, ``kafka_broker``, ``postgres_admin_dsn``,
``postgres_cluster``, ``postgres_dsn_factory``.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Literal, Protocol

import pytest

from devstack._proc import pid_alive, read_pid_file
from devstack.kafka import (
    DEFAULT_HEAP_OPTS,
    KafkaBroker,
    base_broker_settings,
    ensure_jars,
    kafka_version,
    new_cluster_id,
)
from devstack.ports import free_ports
from devstack.postgres import PostgresCluster, create_database, external_dsn, make_scratch_dir

__all__ = [
    "KafkaService",
    "PostgresService",
    "kafka_bootstrap_servers",
    "kafka_broker",
    "kafka_container_env",
    "postgres_admin_dsn",
    "postgres_cluster",
    "postgres_dsn_factory",
]


class _Stoppable(Protocol):
    def stop(self, timeout: float = ...) -> None: ...


# Everything started by this plugin; stopped at session end even if a fixture
# teardown never ran (e.g. an interrupted session), and again at interpreter exit.
_LIVE: list[_Stoppable] = []


def _stop_all() -> None:
    while _LIVE:
        service = _LIVE.pop()
        with contextlib.suppress(Exception):
            service.stop(timeout=20)


atexit.register(_stop_all)


def _sigterm_to_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


_SIGTERM_INSTALLED: list[bool] = []  # non-empty while our handler is installed


def pytest_configure(config: pytest.Config) -> None:
    # A SIGTERM (CI timeout, `timeout`, `kill`) would end Python without running
    # fixture teardown or atexit. Turn it into KeyboardInterrupt so pytest tears the
    # session down, unless someone else already handles SIGTERM.
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _sigterm_to_interrupt)
        _SIGTERM_INSTALLED.append(True)


def pytest_unconfigure(config: pytest.Config) -> None:
    _stop_all()
    if _SIGTERM_INSTALLED and signal.getsignal(signal.SIGTERM) is _sigterm_to_interrupt:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _SIGTERM_INSTALLED.clear()


@dataclass(frozen=True)
class KafkaService:
    bootstrap_servers: str
    kind: Literal["external", "docker", "local"]
    broker: KafkaBroker | None = None


@dataclass(frozen=True)
class PostgresService:
    admin_dsn: str
    kind: Literal["external", "local"]
    cluster: PostgresCluster | None = None


# --------------------------------------------------------------------------- Kafka


def _docker_available() -> bool:
    try:
        import docker
    except ImportError:
        return False
    try:
        client = docker.from_env(timeout=5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def kafka_container_env(host: str, port: int) -> dict[str, str]:
    """Environment for an ``apache/kafka`` image: a single KRaft node whose PLAINTEXT
    listener is container port *port*, published as *host*:*port* (same number on both
    sides, so the advertised address works from the test process)."""
    settings = {
        "node.id": "1",
        "process.roles": "broker,controller",
        "listeners": f"PLAINTEXT://0.0.0.0:{port},CONTROLLER://localhost:9093",
        "advertised.listeners": f"PLAINTEXT://{host}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "controller.quorum.voters": "1@localhost:9093",
        **base_broker_settings(),
    }
    # the image maps KAFKA_FOO_BAR to foo.bar (settings here have no '_' or '-')
    env = {"KAFKA_" + key.upper().replace(".", "_"): value for key, value in settings.items()}
    env["CLUSTER_ID"] = new_cluster_id()
    env["KAFKA_HEAP_OPTS"] = DEFAULT_HEAP_OPTS
    return env


@contextlib.contextmanager
def _kafka_container() -> Iterator[str]:
    """An ``apache/kafka:<pom version>`` testcontainer (override: ``DEVSTACK_KAFKA_IMAGE``)."""
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.docker_client import DockerClient
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    (port,) = free_ports(1)
    host = DockerClient().host()
    image = os.environ.get("DEVSTACK_KAFKA_IMAGE") or f"apache/kafka:{kafka_version()}"
    container = DockerContainer(image).with_bind_ports(port, port)
    for key, value in kafka_container_env(host, port).items():
        container.with_env(key, value)
    container.waiting_for(LogMessageWaitStrategy("Kafka Server started").with_startup_timeout(120))
    try:
        container.start()
        yield f"{host}:{port}"
    finally:
        container.stop()


@pytest.fixture(scope="session")
def devstack_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaService]:
    """The session's Kafka, whichever way it is provided (see module docstring)."""
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield KafkaService(external, "external")
        return
    mode = os.environ.get("DEVSTACK_KAFKA", "auto").lower()
    if mode != "local" and _docker_available():
        with _kafka_container() as bootstrap:
            yield KafkaService(bootstrap, "docker")
        return
    port, controller_port = free_ports(2)
    broker = KafkaBroker(
        data_dir=tmp_path_factory.mktemp("kafka"),
        port=port,
        controller_port=controller_port,
        die_with_parent=True,
    )
    _LIVE.append(broker)
    try:
        broker.start(ensure_jars())
        broker.wait_ready(timeout=120)
        yield KafkaService(broker.bootstrap_servers, "local", broker)
    finally:
        broker.stop(timeout=20)
        with contextlib.suppress(ValueError):
            _LIVE.remove(broker)


@pytest.fixture(scope="session")
def kafka_bootstrap_servers(devstack_kafka: KafkaService) -> str:
    """``host:port`` of a running Kafka 4.x broker for this session."""
    return devstack_kafka.bootstrap_servers


@pytest.fixture(scope="session")
def kafka_broker(devstack_kafka: KafkaService) -> KafkaBroker:
    """The session's local :class:`KafkaBroker`, for tests that restart it.

    ``stop()`` then ``start()`` + ``wait_ready()`` reuse the same ports and data dir.
    Skips when Kafka is external or a testcontainer. A test that stops it must
    start it again (use try/finally) or later tests lose their broker.
    """
    if devstack_kafka.broker is None:
        pytest.skip(f"Kafka is {devstack_kafka.kind} ({devstack_kafka.bootstrap_servers}); cannot restart it")
    return devstack_kafka.broker


# --------------------------------------------------------------------------- PostgreSQL


_SCRATCH_PREFIX = "devstack-pg-session-"


def _reap_orphaned_clusters() -> None:
    """Stop and delete throwaway clusters whose pytest process died without teardown (e.g. SIGKILL).

    The JVM broker dies with its parent (PR_SET_PDEATHSIG); pg_ctl daemonizes the
    postmaster, so a killed session can leave one behind: the next session reaps it.
    """
    for root in Path(tempfile.gettempdir()).glob(f"{_SCRATCH_PREFIX}*"):
        owner = read_pid_file(root / "owner.pid")
        if owner is None or pid_alive(owner):
            continue
        with contextlib.suppress(Exception):
            PostgresCluster(data_dir=root / "data").stop(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def devstack_postgres() -> Iterator[PostgresService]:
    """The session's PostgreSQL server: external (``POSTGRES_DSN``/``PG*``) or throwaway."""
    dsn = external_dsn()
    if dsn:
        yield PostgresService(dsn, "external")
        return
    if os.environ.get("PGHOST"):
        warnings.warn(
            f"PGHOST={os.environ['PGHOST']} does not answer; starting a throwaway cluster",
            stacklevel=1,
        )
    _reap_orphaned_clusters()
    # pytest's basetemp (/tmp/pytest-of-<user>) is mode 0700: when we are root the
    # server runs as `postgres` and could not reach it, so use a fresh dir in /tmp.
    root = make_scratch_dir(_SCRATCH_PREFIX)
    (root / "owner.pid").write_text(f"{os.getpid()}\n")
    (port,) = free_ports(1)
    cluster = PostgresCluster(data_dir=root / "data", port=port)
    _LIVE.append(cluster)
    try:
        cluster.start(timeout=120)
        cluster.wait_ready(timeout=60)
        yield PostgresService(cluster.dsn("postgres"), "local", cluster)
    finally:
        cluster.stop(timeout=30)
        with contextlib.suppress(ValueError):
            _LIVE.remove(cluster)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_admin_dsn(devstack_postgres: PostgresService) -> str:
    """Superuser DSN (database ``postgres``, or the one ``POSTGRES_DSN`` names)."""
    return devstack_postgres.admin_dsn


@pytest.fixture(scope="session")
def postgres_cluster(devstack_postgres: PostgresService) -> PostgresCluster:
    """The throwaway :class:`PostgresCluster`; skips when the server is external."""
    if devstack_postgres.cluster is None:
        pytest.skip("PostgreSQL is external (POSTGRES_DSN/PGHOST); no local cluster to control")
    return devstack_postgres.cluster


@pytest.fixture(scope="session")
def postgres_dsn_factory(devstack_postgres: PostgresService) -> Callable[[str], str]:
    """``factory(dbname) -> dsn``: drops *dbname* if it exists, creates it empty, returns its DSN."""

    def factory(dbname: str) -> str:
        return create_database(devstack_postgres.admin_dsn, dbname, fresh=True)

    return factory
