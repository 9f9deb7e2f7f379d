"""Liveness, readiness and metrics endpoints, the same in every service."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

Check = Callable[[], Awaitable[tuple[bool, object]]]


def router(checks: dict[str, Check]) -> APIRouter:
    routes = APIRouter(tags=["operations"])

    @routes.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @routes.get("/readyz", summary="Store and Kafka reachable, consumers running")
    async def readyz() -> JSONResponse:
        results: dict[str, object] = {}
        ready = True
        for name, check in checks.items():
            try:
                ok, detail = await asyncio.wait_for(check(), timeout=3.0)
            except Exception as error:  # a failing check is an answer, not a crash
                ok, detail = False, repr(error)
            ready = ready and ok
            results[name] = {"ok": ok, "detail": detail}
        body = {"status": "ready" if ready else "not ready", "checks": results}
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
