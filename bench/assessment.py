"""Analytics' assessment of every customer, as the job an admin starts, and its memory.

``POST /assessments/run`` answers with a job; ``GET /jobs/{id}`` is polled until it
succeeded (its own ``started_at`` to ``finished_at`` is the figure; the wall time
from the request is kept too). The progress the job reports at each step (order
book read, models fitted, signals recorded) is noted with when it was first seen.
The peak memory is the analytics process's ``VmHWM`` from ``/proc``, reset through
``clear_refs`` just before the job so that it tells the job's peak, not the intake's.
"""

from __future__ import annotations

import contextlib
import json
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.latency import bearer
from bench.report import Progress
from devstack.platform import ServiceProcess


@dataclass(frozen=True)
class Assessment:
    finished: bool
    seconds: float | None
    wall_seconds: float
    peak_mib: float | None
    peak_reset: bool
    result: dict[str, Any]
    #: seconds after the request when the job's progress was first seen at each value
    progress_seen: dict[str, float]


def assess(
    analytics: ServiceProcess, customers: int, limit: float, progress: Progress
) -> Assessment:
    """Run the assessment job on the running ``analytics`` and wait for it (``limit`` s)."""
    assert analytics.process is not None
    pid = analytics.process.pid
    peak_reset = _reset_peak_memory(pid)
    admin = bearer("admin")
    progress(f"scale: analytics assesses the customers (job; {customers:,} registered)")
    started = time.perf_counter()
    job = _call(f"{analytics.url}/assessments/run", admin, method="POST")
    deadline = time.monotonic() + limit
    steps: dict[str, float] = {}  # when the job's progress was first seen at each value
    while job["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
        job = _call(f"{analytics.url}/jobs/{job['id']}", admin)
        steps.setdefault(str(job.get("progress")), round(time.perf_counter() - started, 1))
    wall = time.perf_counter() - started
    if job["status"] == "failed":
        raise RuntimeError(f"the assessment failed: {job.get('error')}")
    peak = _peak_mib(pid)
    finished = job["status"] == "succeeded"
    seconds = _job_seconds(job) if finished else None
    result = dict(job["result"]) if finished else {}
    progress(
        f"scale: assessment of {result.get('customers')} customers in "
        f"{seconds if seconds is not None else wall:.1f}s, peak {peak} MiB"
        if finished
        else f"scale: the assessment had not finished after {wall:.0f}s ({job['progress']:.0%})"
    )
    return Assessment(finished, seconds, wall, peak, peak_reset, result, steps)


def _reset_peak_memory(pid: int) -> bool:
    """Reset the process's peak resident set (``VmHWM``) so that it tells the job's peak."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_mib(pid: int) -> float | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def _job_seconds(job: dict[str, Any]) -> float | None:
    if not job.get("started_at") or not job.get("finished_at"):
        return None
    started = datetime.fromisoformat(job["started_at"])
    finished = datetime.fromisoformat(job["finished_at"])
    return (finished - started).total_seconds()


def _call(url: str, headers: dict[str, str], method: str = "GET") -> dict[str, Any]:
    request = urllib.request.Request(url, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=60) as answer:
        found: dict[str, Any] = json.loads(answer.read())
        return found
