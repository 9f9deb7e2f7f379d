"""A service's read models rebuilt by its own command, ``python -m <service> rebuild-views``.

It runs with the service's settings while the service is stopped, as an operator
runs it; the clock includes the process's start. The messages are the counts the
command prints for each projection it replays.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass

from bench.report import Progress
from devstack.platform import ServiceProcess


@dataclass(frozen=True)
class Rebuild:
    messages: int
    seconds: float
    finished: bool

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0


REPLAYED = re.compile(r"replayed (\d+) messages")


def rebuild(service: ServiceProcess, limit: float, progress: Progress) -> Rebuild:
    """``python -m <service> rebuild-views`` with the service's own settings, stopped
    after ``limit`` seconds (then the messages it replayed are not known)."""
    log = service.log_path.with_name(f"{service.name}-rebuild.log")
    progress(f"scale: rebuilding {service.name}'s read models (log {log})")
    started = time.perf_counter()
    with log.open("wb") as errors:
        try:
            done = subprocess.run(
                [sys.executable, "-m", service.name, "rebuild-views"],
                env={**service.env, "PYTHONUNBUFFERED": "1"},
                stdout=subprocess.PIPE,
                stderr=errors,
                check=False,
                timeout=limit,
            )
        except subprocess.TimeoutExpired:
            progress(f"scale: {service.name}'s rebuild had not finished after {limit:.0f}s")
            return Rebuild(0, time.perf_counter() - started, finished=False)
    seconds = time.perf_counter() - started
    output = done.stdout.decode()
    if done.returncode != 0:
        raise RuntimeError(f"{service.name} rebuild-views exited {done.returncode}; see {log}")
    messages = sum(int(count) for count in REPLAYED.findall(output))
    progress(
        f"scale: {service.name} rebuilt {messages:,} messages in {seconds:.1f}s "
        f"({messages / seconds:,.0f} events/s)"
    )
    return Rebuild(messages, seconds, finished=True)
