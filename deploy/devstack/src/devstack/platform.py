"""Run the whole platform on this machine: a Kafka broker and the four services.

``python -m devstack.platform run`` is what ``make run`` does: it starts the
broker unless ``KAFKA_BOOTSTRAP_SERVERS`` names one, starts each service as
its own process (``python -m <service>``) on 127.0.0.1:8001-8004 with SQLite
stores under ``var/``, waits until every one answers ``/readyz``, prints where
they listen, and stops them on Ctrl-C. The end-to-end tests use the same
:class:`Platform` class.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from devstack.kafka import KafkaBroker

SERVICES: dict[str, int] = {"acquisition": 8001, "loyalty": 8002, "support": 8003, "analytics": 8004}


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", self.name],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def status(self, path: str) -> int | None:
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=2) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return None

    def readiness(self) -> dict[str, object]:
        try:
            with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as response:  # noqa: S310
                return dict(json.loads(response.read()))
        except urllib.error.HTTPError as error:
            return dict(json.loads(error.read()))

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Platform:
    """The four services as real processes sharing one Kafka cluster."""

    kafka_bootstrap_servers: str
    var_dir: Path
    ports: Mapping[str, int] = field(default_factory=lambda: dict(SERVICES))
    extra_env: Mapping[str, str] = field(default_factory=dict)
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    def __post_init__(self) -> None:
        base = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap_servers}
        for name, port in self.ports.items():
            prefix = name.upper()
            env = {
                **base,
                f"{prefix}_PORT": str(port),
                f"{prefix}_VAR_DIR": str(self.var_dir),
                **self.extra_env,
            }
            log_path = self.var_dir / "log" / f"{name}.log"
            self.services[name] = ServiceProcess(name, port, env, log_path)

    def start(self) -> None:
        for service in self.services.values():
            service.start()

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        pending = dict(self.services)
        while pending:
            for name, service in list(pending.items()):
                if service.process is not None and service.process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {service.process.returncode}; see {service.log_path}")
                if service.status("/readyz") == 200:
                    del pending[name]
            if time.monotonic() > deadline:
                states = {name: s.readiness() if s.status("/healthz") else "down" for name, s in pending.items()}
                raise TimeoutError(f"services not ready in {timeout}s: {states}")
            time.sleep(0.2)

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()


def run(var_dir: Path, when_ready: Callable[[Platform], None] | None = None) -> int:
    """Start Kafka (unless external) and the services, then serve until interrupted."""
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    broker: KafkaBroker | None = None
    if external:
        bootstrap = external
    else:
        broker = KafkaBroker(data_dir=var_dir / "kafka")
        if not broker.is_reachable():
            print("starting Kafka (first run fetches the jars from Maven Central)...", flush=True)
            broker.start()
            broker.wait_ready()
        bootstrap = broker.bootstrap_servers
    platform = Platform(bootstrap, var_dir)
    stopping = False

    def on_signal(signum: int, _: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    platform.start()
    try:
        platform.wait_ready()
        if when_ready is not None:
            when_ready(platform)
        print(f"\nKafka: {bootstrap}")
        for name, service in platform.services.items():
            print(f"{name:12} {service.url}  (OpenAPI: {service.url}/docs, log: {service.log_path})")
        print(
            "\nGet a token:  make token ROLE=sales   "
            "(roles: sales, marketing, support, analyst, admin)\n"
            'Then:         curl -H "Authorization: Bearer $TOKEN" '
            "http://127.0.0.1:8001/leads ...\n"
            "Ctrl-C stops the services; `make kafka-stop` stops the broker.",
            flush=True,
        )
        while not stopping:
            for name, service in platform.services.items():
                if service.process is not None and service.process.poll() is not None:
                    print(f"{name} exited; see {service.log_path}", file=sys.stderr)
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        platform.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.platform", description=__doc__)
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--var-dir", type=Path, default=Path("var"))
    arguments = parser.parse_args(argv)
    return run(arguments.var_dir.resolve())


if __name__ == "__main__":
    sys.exit(main())
