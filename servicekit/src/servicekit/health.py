"""Liveness, readiness and metrics endpoints, the same in every service."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

#: a check gets this long to answer; the checks run side by side, so /readyz answers
#: within it too (Kubernetes' probe waits 5 s)
CHECK_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class Verdict:
    """A check's answer: ready or not, what it saw, and why it is not ready."""

    ok: bool
    detail: object
    problems: Sequence[str] = ()


Check = Callable[[], Awaitable[Verdict]]


async def _run(name: str, check: Check) -> Verdict:
    try:
        return await asyncio.wait_for(check(), timeout=CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        problem = f"no answer within {CHECK_TIMEOUT_SECONDS:.0f} s"
    except Exception as error:  # a failing check is an answer, not a crash
        problem = repr(error)
    return Verdict(False, problem, [problem])


def router(checks: dict[str, Check]) -> APIRouter:
    routes = APIRouter(tags=["operations"])

    @routes.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @routes.get(
        "/readyz",
        summary="Store and Kafka answer, the relay and every consumer keep up",
        description="200 when ready; 503 otherwise, with `problems` saying why.",
    )
    async def readyz() -> JSONResponse:
        verdicts = dict(
            zip(
                checks,
                await asyncio.gather(*(_run(name, check) for name, check in checks.items())),
                strict=True,
            )
        )
        ready = all(verdict.ok for verdict in verdicts.values())
        problems = [
            f"{name}: {problem}"
            for name, verdict in verdicts.items()
            if not verdict.ok
            for problem in verdict.problems or ["not ready"]
        ]
        body = {
            "status": "ready" if ready else "not ready",
            "problems": problems,
            "checks": {
                name: {"ok": verdict.ok, "detail": verdict.detail}
                for name, verdict in verdicts.items()
            },
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    @routes.get(
        "/metrics",
        summary="Prometheus metrics",
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
    )
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return routes
