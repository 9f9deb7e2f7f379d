"""A real single-node Apache Kafka (KRaft) broker run from Maven Central jars.

No tarball and no Docker: ``deploy/kafka/pom.xml`` pins ``org.apache.kafka:kafka_2.13``
plus a log4j2 backend; :func:`ensure_jars` copies the runtime jars into a user cache
once, and :class:`KafkaBroker` formats a data dir and runs ``kafka.Kafka`` in the
background (combined broker + controller on 127.0.0.1).

CLI::

    python -m devstack.kafka start  [--port 9092] [--controller-port 9093] [--data-dir var/kafka]
    python -m devstack.kafka stop   [--data-dir var/kafka]
    python -m devstack.kafka status [--data-dir var/kafka]

``start`` prints the bootstrap address (``127.0.0.1:9092``) on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from devstack._proc import cmdline, pid_alive, read_pid_file, tail, terminate
from devstack.ports import port_open

__all__ = [
    "DEFAULT_HEAP_OPTS",
    "KafkaBroker",
    "base_broker_settings",
    "cache_root",
    "ensure_jars",
    "find_log4j_config",
    "find_pom",
    "jars_dir",
    "kafka_version",
    "main",
    "new_cluster_id",
]

POM_ENV = "DEVSTACK_KAFKA_POM"
DEFAULT_HEAP_OPTS = "-Xms128m -Xmx512m"
STARTED_MESSAGE = "Kafka Server started"
_MARKER = ".devstack-complete"
_POM_RELATIVE = Path("deploy") / "kafka" / "pom.xml"
_MAVEN_NS = "{http://maven.apache.org/POM/4.0.0}"

# Used when the repo's deploy/kafka/log4j2.properties cannot be found.
_FALLBACK_LOG4J2 = """\
status = warn
name = devstack-kafka
shutdownHook = disable
property.logsDir = ${sys:kafka.logs.dir:-logs}
appender.server.type = File
appender.server.name = server
appender.server.fileName = ${logsDir}/server.log
appender.server.layout.type = PatternLayout
appender.server.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.server.ref = server
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
"""


# --------------------------------------------------------------------------- jars


def _repo_root() -> Path:
    # <repo>/deploy/devstack/src/devstack/kafka.py
    return Path(__file__).resolve().parents[4]


def find_pom() -> Path:
    """Locate ``deploy/kafka/pom.xml``.

    Order: ``$DEVSTACK_KAFKA_POM``; the repo this package file lives in (editable
    install); the current directory and its parents.
    """
    env = os.environ.get(POM_ENV)
    if env:
        pom = Path(env).expanduser().resolve()
        if not pom.is_file():
            raise FileNotFoundError(f"{POM_ENV}={env} does not name a file")
        return pom
    candidates = [_repo_root() / _POM_RELATIVE]
    cwd = Path.cwd().resolve()
    candidates += [d / _POM_RELATIVE for d in (cwd, *cwd.parents)]
    for pom in candidates:
        if pom.is_file():
            return pom
    raise FileNotFoundError(
        f"cannot find {_POM_RELATIVE} (looked next to the devstack package and above "
        f"{cwd}); set {POM_ENV}=/path/to/pom.xml"
    )


def kafka_version(pom: Path | None = None) -> str:
    """The ``kafka.version`` property pinned in the pom."""
    pom = pom or find_pom()
    root = ET.parse(pom).getroot()  # noqa: S314 - our own checked-in pom
    for ns in (_MAVEN_NS, ""):
        node = root.find(f"{ns}properties/{ns}kafka.version")
        if node is not None and node.text:
            return node.text.strip()
    raise ValueError(f"{pom}: no <properties><kafka.version>")


def cache_root() -> Path:
    """``${XDG_CACHE_HOME:-~/.cache}/crm-devstack``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "crm-devstack"


def jars_dir(version: str | None = None) -> Path:
    """Where :func:`ensure_jars` puts the jars of Kafka *version*."""
    return cache_root() / f"kafka-{version or kafka_version()}" / "libs"


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_jars(pom: Path | None = None, *, mvn: str | None = None) -> Path:
    """Copy the broker's runtime jars into the cache once and return the libs dir.

    Runs ``mvn -B -q -f <pom> dependency:copy-dependencies -DincludeScope=runtime
    -DoutputDirectory=<libs>``. A marker file (holding the pom's sha256) is written
    last, so an interrupted copy or an edited pom is redone. Safe to call
    concurrently (file lock).
    """
    pom = (pom or find_pom()).resolve()
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    libs = jars_dir(kafka_version(pom))
    marker = libs / _MARKER

    def complete() -> bool:
        try:
            return marker.read_text().strip() == digest
        except OSError:
            return False

    if complete():
        return libs
    with _file_lock(libs.parent / ".lock"):
        if complete():
            return libs
        mvn_bin = mvn or shutil.which("mvn")
        if not mvn_bin:
            raise FileNotFoundError("Maven (mvn) not found on PATH; install it (apt-get install maven)")
        if libs.exists():
            shutil.rmtree(libs)
        libs.mkdir(parents=True)
        cmd = [
            mvn_bin,
            "-B",
            "-q",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={libs}",
        ]
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell
            cmd,
            cwd=pom.parent,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        if not any(libs.glob("kafka_2.13-*.jar")):
            raise RuntimeError(f"{' '.join(cmd)} copied no kafka_2.13 jar into {libs}")
        tmp = marker.with_suffix(".tmp")
        tmp.write_text(digest + "\n")
        tmp.replace(marker)
    return libs


def find_log4j_config(pom: Path | None = None) -> Path | None:
    """``log4j2.properties`` (or ``.xml``) beside the pom, if present."""
    try:
        pom = pom or find_pom()
    except FileNotFoundError:
        return None
    for name in ("log4j2.properties", "log4j2.xml"):
        candidate = pom.parent / name
        if candidate.is_file():
            return candidate
    return None


# --------------------------------------------------------------------------- broker


def new_cluster_id() -> str:
    """A KRaft cluster id: 22-char URL-safe base64 of a random UUID (not starting with '-')."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


def base_broker_settings() -> dict[str, str]:
    """Settings shared by the local broker and the Docker fallback (no listeners/paths)."""
    return {
        "auto.create.topics.enable": "false",
        "num.partitions": "3",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "log.retention.ms": "-1",
        "log.retention.bytes": "-1",
        # committed offsets of an idle group would otherwise expire after 7 days
        "offsets.retention.minutes": "5256000",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "share.coordinator.state.topic.num.partitions": "1",
        "group.initial.rebalance.delay.ms": "0",
        "num.network.threads": "2",
        "num.io.threads": "2",
        "num.recovery.threads.per.data.dir": "1",
        "log.cleaner.threads": "1",
        "log.cleaner.dedupe.buffer.size": "33554432",
    }


def _set_parent_death_signal() -> None:  # pragma: no cover - runs in the child
    import ctypes

    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)


@dataclass
class KafkaBroker:
    """One combined broker+controller KRaft node on *host*.

    Data dir layout: ``server.properties``, ``cluster.id``, ``kraft/`` (log.dirs),
    ``logs/`` (``server.log`` from log4j, ``kafka.out`` stdout/stderr), ``kafka.pid``.
    Restarting on the same data dir keeps topics, records and committed offsets.
    """

    data_dir: Path
    port: int = 9092
    controller_port: int = 9093
    host: str = "127.0.0.1"
    heap_opts: str = DEFAULT_HEAP_OPTS
    extra_properties: Mapping[str, str] = field(default_factory=dict)
    node_id: int = 1
    #: SIGTERM the JVM if the Python process that started it dies (test fixtures).
    die_with_parent: bool = False
    java: str | None = None
    pom: Path | None = None
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False, compare=False)
    _log_offset: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir).expanduser().resolve()

    # ---- paths
    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def properties_file(self) -> Path:
        return self.data_dir / "server.properties"

    @property
    def log_dir(self) -> Path:
        """Kafka ``log.dirs`` (topic data and the KRaft metadata log)."""
        return self.data_dir / "kraft"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def server_log(self) -> Path:
        return self.logs_dir / "server.log"

    @property
    def console_log(self) -> Path:
        return self.logs_dir / "kafka.out"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "kafka.pid"

    @property
    def cluster_id_file(self) -> Path:
        return self.data_dir / "cluster.id"

    # ---- config
    def server_properties(self) -> dict[str, str]:
        h, p, c = self.host, self.port, self.controller_port
        props = {
            "process.roles": "broker,controller",
            "node.id": str(self.node_id),
            "controller.quorum.bootstrap.servers": f"{h}:{c}",
            "listeners": f"PLAINTEXT://{h}:{p},CONTROLLER://{h}:{c}",
            "advertised.listeners": f"PLAINTEXT://{h}:{p},CONTROLLER://{h}:{c}",
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.log_dir),
        }
        props.update(base_broker_settings())
        props.update(self.extra_properties)
        return props

    def write_config(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        lines = ["# written by devstack.kafka; regenerated on every start"]
        lines += [f"{k}={v}" for k, v in self.server_properties().items()]
        self.properties_file.write_text("\n".join(lines) + "\n")
        return self.properties_file

    def cluster_id(self) -> str:
        """The cluster id kept in the data dir (created on first use)."""
        try:
            cid = self.cluster_id_file.read_text().strip()
            if cid:
                return cid
        except OSError:
            pass
        cid = new_cluster_id()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.cluster_id_file.write_text(cid + "\n")
        return cid

    def is_formatted(self) -> bool:
        return (self.log_dir / "meta.properties").is_file()

    def _java(self) -> str:
        if self.java:
            return self.java
        java_home = os.environ.get("JAVA_HOME")
        if java_home and (Path(java_home) / "bin" / "java").is_file():
            return str(Path(java_home) / "bin" / "java")
        found = shutil.which("java")
        if not found:
            raise FileNotFoundError("java not found (Kafka 4.x needs Java 17+); set JAVA_HOME")
        return found

    def format_storage(self, libs: Path) -> None:
        """``StorageTool format --standalone --ignore-formatted`` once per data dir."""
        if self.is_formatted():
            return
        cmd = [
            self._java(),
            "-Xmx256m",
            "-cp",
            f"{libs}/*",
            "kafka.tools.StorageTool",
            "format",
            "--standalone",
            "--ignore-formatted",
            "-t",
            self.cluster_id(),
            "-c",
            str(self.properties_file),
        ]
        result = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv, no shell
        if result.returncode != 0:
            raise RuntimeError(f"kafka storage format failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")

    # ---- process
    def pid(self) -> int | None:
        """Pid of this data dir's running broker (checked against /proc), else None."""
        if self._process is not None and self._process.poll() is None:
            return self._process.pid
        pid = read_pid_file(self.pid_file)
        if pid is None or not pid_alive(pid):
            return None
        argv = cmdline(pid)
        if argv and not ("kafka.Kafka" in argv and str(self.properties_file) in argv):
            return None  # pid reused by something else
        return pid

    def is_running(self) -> bool:
        return self.pid() is not None

    def is_reachable(self) -> bool:
        return port_open(self.host, self.port)

    def start(self, libs: Path | None = None) -> None:
        """Launch the broker in the background (idempotent). Call :meth:`wait_ready` next."""
        if self.is_running():
            return
        for port in (self.port, self.controller_port):
            if port_open(self.host, port, timeout=0.2):
                raise RuntimeError(f"{self.host}:{port} is already in use by another process")
        libs = libs or ensure_jars(self.pom)
        self.write_config()
        self.format_storage(libs)
        log4j = find_log4j_config(self.pom)
        if log4j is None:
            log4j = self.data_dir / "log4j2.properties"
            log4j.write_text(_FALLBACK_LOG4J2)
        try:
            self._log_offset = self.server_log.stat().st_size
        except OSError:
            self._log_offset = 0
        cmd = [
            self._java(),
            *self.heap_opts.split(),
            # A development broker sharing two cores with four services: C2 compilation
            # and G1's concurrent threads cost more CPU than they gave back here (at 50
            # commands/s the broker used 38% of a core with G1 and C2, 22% like this,
            # and plain produce/consume ran faster, not slower).
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={log4j}",
            f"-Dkafka.logs.dir={self.logs_dir}",
            "-cp",
            f"{libs}/*",
            "kafka.Kafka",
            str(self.properties_file),
        ]
        with self.console_log.open("ab") as out:
            out.write(f"\n=== devstack start {time.strftime('%Y-%m-%dT%H:%M:%S')} ===\n".encode())
            out.flush()
            self._process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                cmd,
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_set_parent_death_signal if self.die_with_parent else None,  # noqa: PLW1509
            )
        self.pid_file.write_text(f"{self._process.pid}\n")

    def _log_since_start(self) -> str:
        try:
            with self.server_log.open("rb") as fh:
                size = fh.seek(0, os.SEEK_END)
                fh.seek(self._log_offset if size >= self._log_offset else 0)
                return fh.read().decode(errors="replace")
        except OSError:
            return ""

    def _diagnostics(self) -> str:
        return (
            f"--- {self.console_log} (tail) ---\n{tail(self.console_log, 30)}\n"
            f"--- {self.server_log} (tail) ---\n{tail(self.server_log, 40)}"
        )

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Block until the port accepts and ``server.log`` says ``Kafka Server started``.

        Raises RuntimeError (with log tails) if the process dies, TimeoutError on timeout.
        """
        deadline = time.monotonic() + timeout
        while True:
            if not self.is_running():
                raise RuntimeError(f"Kafka broker in {self.data_dir} is not running / died.\n{self._diagnostics()}")
            if self.is_reachable() and STARTED_MESSAGE in self._log_since_start():
                return
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"Kafka broker on {self.bootstrap_servers} not ready after {timeout:.0f}s.\n{self._diagnostics()}"
                )
            time.sleep(0.25)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (controlled shutdown), SIGKILL after *timeout* s. Idempotent."""
        pid = self.pid()
        process = self._process if self._process is not None and self._process.pid == pid else None
        if pid is not None:
            terminate(pid, timeout, process=process)
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=5)
        self._process = None
        with contextlib.suppress(FileNotFoundError):
            self.pid_file.unlink()

    def __enter__(self) -> KafkaBroker:
        try:
            self.start()
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# --------------------------------------------------------------------------- CLI


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devstack.kafka", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop", "status"])
    parser.add_argument("--port", type=int, default=9092, help="PLAINTEXT listener (default 9092)")
    parser.add_argument("--controller-port", type=int, default=9093, help="KRaft controller (default 9093)")
    parser.add_argument("--data-dir", type=Path, default=Path("var/kafka"), help="default var/kafka")
    parser.add_argument(
        "--heap",
        default=DEFAULT_HEAP_OPTS,
        help=f"JVM heap options (default {DEFAULT_HEAP_OPTS!r})",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for start/stop")
    return parser


def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the exit status (status: 0 running, 1 not running)."""
    args = _parser().parse_args(argv)
    broker = KafkaBroker(
        data_dir=args.data_dir,
        port=args.port,
        controller_port=args.controller_port,
        heap_opts=args.heap,
    )
    if args.command == "status":
        pid = broker.pid()
        if pid is None:
            _err(f"kafka: not running (data dir {broker.data_dir})")
            return 1
        state = "reachable" if broker.is_reachable() else "NOT reachable on that port"
        _err(f"kafka: running, pid {pid}, {state}")
        print(broker.bootstrap_servers)
        return 0
    if args.command == "stop":
        pid = broker.pid()
        if pid is None:
            _err("kafka: not running")
        else:
            broker.stop(timeout=args.timeout)
            _err(f"kafka: stopped (pid {pid})")
        return 0
    # start
    pid = broker.pid()
    if pid is not None:
        if broker.is_reachable():
            _err(f"kafka: already running (pid {pid})")
            print(broker.bootstrap_servers)
            return 0
        _err(f"kafka: pid {pid} uses {broker.data_dir} but {broker.bootstrap_servers} does not answer; waiting")
        try:
            broker.wait_ready(timeout=args.timeout)
        except (RuntimeError, TimeoutError) as exc:
            _err(str(exc))
            return 1
        print(broker.bootstrap_servers)
        return 0
    started = time.monotonic()
    try:
        libs = ensure_jars()
        broker.start(libs)
        broker.wait_ready(timeout=args.timeout)
    except (RuntimeError, TimeoutError, FileNotFoundError) as exc:
        _err(f"kafka: failed to start: {exc}")
        broker.stop(timeout=10)
        return 1
    _err(f"kafka: started (pid {broker.pid()}) in {time.monotonic() - started:.1f}s, data in {broker.data_dir}")
    print(broker.bootstrap_servers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
