"""End-to-end latency: from an HTTP command to the read model in analytics.

The four services run as processes (``devstack.platform.Platform``: free ports,
SQLite stores in a scratch dir). Each command is ``POST /customers`` on
acquisition, then ``GET /customers/{id}/360?wait_ms=5000`` on analytics until it
answers 200; its latency runs from sending the POST to that answer (relay,
Kafka, analytics' consumer and projection included).

The load is open-loop: commands start at fixed intervals whatever the answers,
so a slow system gets no relief (no coordinated omission). A warm-up at the same
rate comes first and is not measured.

The load generator shares the two cores with the services, so its own cost
counts: it uses aiohttp's client, which spends ~2.4 ms of CPU per request here
where httpx spent ~6.4 ms (measured on the 360 at 50 requests/s).
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import aiohttp

from bench.infra import Infrastructure
from bench.params import Params
from bench.report import Progress, Row, below
from devstack.platform import SERVICES, Platform
from devstack.ports import free_ports
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

AIM_P99_MS = 250.0
WAIT_MS = 5000
GIVE_UP_SECONDS = 30.0


@dataclass(frozen=True)
class Sample:
    scheduled: float
    sent: float
    created: float | None  # the POST's answer
    answered: float | None  # the 360's answer
    error: str | None = None

    @property
    def latency(self) -> float:
        assert self.answered is not None
        return self.answered - self.sent


def bearer(role: str) -> dict[str, str]:
    token = issue_token(DEV_SIGNING_KEY, f"bench-{role}@engines.example", [role])
    return {"Authorization": f"Bearer {token}"}


def run(infra: Infrastructure, params: Params, progress: Progress) -> list[Row]:
    bootstrap = infra.kafka()
    extra_env = {"CRM_JWT_SIGNING_KEY": DEV_SIGNING_KEY}
    for name in SERVICES:
        extra_env[f"{name.upper()}_EVENT_STORE"] = "sqlite"
    platform = Platform(
        bootstrap,
        infra.directory("platform"),
        ports=dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True)),
        extra_env=extra_env,
    )
    progress(f"latency: starting the four services (logs in {platform.var_dir / 'log'})")
    platform.start()
    try:
        platform.wait_ready(timeout=120)
        progress("latency: services ready")
        return asyncio.run(_measure(platform, params, progress))
    finally:
        progress("latency: stopping the services")
        platform.stop()


def client(timeout: float = GIVE_UP_SECONDS) -> aiohttp.ClientSession:
    """A load generator's HTTP client: enough connections for an open-loop load."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout),
        connector=aiohttp.TCPConnector(limit=1000),
    )


class Load:
    """Issues commands at a fixed rate and records each one's fate."""

    def __init__(
        self,
        commands: aiohttp.ClientSession,
        queries: aiohttp.ClientSession,
        platform: Platform,
        rate: float,
    ) -> None:
        self.commands = commands
        self.queries = queries
        self.interval = 1 / rate
        self.customers = f"{platform.services['acquisition'].url}/customers"
        self.analytics = platform.services["analytics"].url
        self.sales = bearer("sales")
        self.analyst = bearer("analyst")
        self.run_id = uuid4().hex[:8]

    async def issue(self, count: int, first_number: int) -> list[Sample]:
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.05
        commands = []
        for index in range(count):
            scheduled = start + index * self.interval
            delay = scheduled - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            commands.append(asyncio.create_task(self.command(first_number + index, scheduled)))
        return list(await asyncio.gather(*commands))

    async def command(self, number: int, scheduled: float) -> Sample:
        sent = time.monotonic()
        body = {
            "first_name": "Grace",
            "last_name": f"Hopper {number}",
            "email": f"grace.{self.run_id}.{number}@navy.example",
            "source": "direct",
        }
        try:
            async with self.commands.post(self.customers, json=body, headers=self.sales) as created:
                if created.status != 201:
                    return Sample(scheduled, sent, None, None, f"POST {created.status}")
                customer_id = (await created.json())["customer_id"]
            accepted = time.monotonic()
            url = f"{self.analytics}/customers/{customer_id}/360"
            while True:
                async with self.queries.get(
                    url, params={"wait_ms": WAIT_MS}, headers=self.analyst
                ) as view:
                    await view.read()
                if view.status == 200:
                    return Sample(scheduled, sent, accepted, time.monotonic())
                if view.status != 404 or time.monotonic() - sent > GIVE_UP_SECONDS:
                    return Sample(scheduled, sent, accepted, None, f"GET 360 {view.status}")
        except (aiohttp.ClientError, TimeoutError) as error:
            return Sample(scheduled, sent, None, None, f"{type(error).__name__}: {error}")


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(math.ceil(share * len(sorted_values)), 1)
    return sorted_values[rank - 1]


async def _measure(platform: Platform, params: Params, progress: Progress) -> list[Row]:
    async with client() as commands, client() as queries:
        load = Load(commands, queries, platform, params.rate)
        warmup = round(params.warmup * params.rate)
        if warmup:
            progress(f"latency: warm-up, {warmup} commands at {params.rate:g}/s")
            warm = await load.issue(warmup, 0)
            failed = sum(1 for sample in warm if sample.error)
            if failed:
                progress(f"latency: {failed} warm-up commands failed (not measured)")
        count = max(round(params.duration * params.rate), 2)
        progress(f"latency: measuring {count} commands at {params.rate:g}/s")
        samples = await load.issue(count, warmup)
    return _rows(samples, params, progress)


def _rows(samples: list[Sample], params: Params, progress: Progress) -> list[Row]:
    done = [sample for sample in samples if sample.error is None]
    errors: dict[str, int] = {}
    for sample in samples:
        if sample.error is not None:
            errors[sample.error] = errors.get(sample.error, 0) + 1
    if not done:
        raise RuntimeError(f"no command reached analytics' read model: {errors}")
    latencies = sorted(sample.latency * 1000 for sample in done)
    from_schedule = sorted(((s.answered or 0) - s.scheduled) * 1000 for s in done)
    posts = sorted(((s.created or 0) - s.sent) * 1000 for s in done)
    sends = sorted(sample.sent for sample in samples)
    achieved = (len(sends) - 1) / (sends[-1] - sends[0])
    schedule_lag = max(sample.sent - sample.scheduled for sample in samples) * 1000
    figures = {
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "max": latencies[-1],
    }
    progress(
        "latency: "
        + ", ".join(f"{name} {value:.1f} ms" for name, value in figures.items())
        + f"; POST alone p50 {percentile(posts, 0.5):.1f} ms, p99 {percentile(posts, 0.99):.1f} ms"
        + f"; {achieved:.1f} commands/s, {len(samples) - len(done)} failed"
    )
    details: dict[str, Any] = {
        "commands": len(samples),
        "completed": len(done),
        "failed": len(samples) - len(done),
        "errors": errors,
        "target_rate": params.rate,
        "duration_s": params.duration,
        "warmup_s": params.warmup,
        "wait_ms": WAIT_MS,
        "mean_ms": sum(latencies) / len(latencies),
        "p99_from_schedule_ms": percentile(from_schedule, 0.99),
        "post_p50_ms": percentile(posts, 0.50),
        "post_p99_ms": percentile(posts, 0.99),
        "max_schedule_lag_ms": schedule_lag,
        "store": "sqlite",
    }
    rows = [
        Row(
            f"e2e latency {name}",
            "sqlite",
            value,
            "ms",
            aim=below(value, AIM_P99_MS, "ms") if name == "p99" else None,
            details=details,
        )
        for name, value in figures.items()
    ]
    rows.append(
        Row(
            "e2e achieved rate",
            "sqlite",
            achieved,
            "cmd/s",
            params.rate,
            details=details,
        )
    )
    return rows
