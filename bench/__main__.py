"""``python -m bench``: run the selected parts, print the table, write the JSON."""

from __future__ import annotations

import os
import platform
import signal
import sys
import traceback
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Any

from bench import append, consumer, latency, rebuild, relay, scale
from bench.infra import Infrastructure
from bench.params import Params, parse
from bench.report import Progress, Report, Row
from servicekit import collector

Part = Callable[[Infrastructure, Params, Progress], list[Row]]
PARTS: dict[str, Part] = {
    "relay": relay.run,
    "consumer": consumer.run,
    "append": append.run,
    "latency": latency.run,
    "rebuild": rebuild.run,
    "scale": scale.run,
}
RESULTS = Path(__file__).resolve().parents[1] / "var" / "bench" / "results.json"


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def machine() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for package in (
        "aiokafka",
        "eventsourcing",
        "SQLAlchemy",
        "psycopg",
        "fastapi",
        "uvloop",
        "aiohttp",
    ):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg(),
        "packages": versions,
        "kafka_clients": {
            "producer": "servicekit.kafka.producer (relay, ceilings, feeding the consumer)",
            "consumer": "servicekit.kafka.consumer (TrackedConsumer and its ceiling)",
        },
    }


def main(argv: list[str] | None = None) -> int:
    params = parse(argv)
    # A SIGTERM (timeout, kill) would skip the finally blocks that stop the servers.
    signal.signal(signal.SIGTERM, _interrupt)
    progress = Progress()
    collector.settle()  # as every service process does once built (servicekit.collector)
    progress(f"parts: {', '.join(params.parts)}; stores: {', '.join(params.stores)}")
    if params.quick:
        progress("quick run: small sizes, the figures are not representative")
    report = Report(params.as_json(), machine())
    infra = Infrastructure(progress, keep=params.keep)
    try:
        for name in params.parts:
            progress(f"== {name}")
            try:
                report.rows.extend(PARTS[name](infra, params, progress))
            except Exception as error:
                traceback.print_exc()
                progress(f"{name} FAILED: {error!r}")
                report.failures[name] = repr(error)
                infra.mark_failed()
        report.environment.update(infra.environment())
    finally:
        infra.close()
    report.environment["load_average_at_end"] = os.getloadavg()
    report.notes.extend(scale.curves(report.rows))
    report.print()
    report.write(RESULTS)
    progress(f"results written to {RESULTS}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
