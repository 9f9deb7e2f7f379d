"""The HTTP edge of a service: correlation ids, the caller as actor, request metrics."""

from __future__ import annotations

import time
from collections.abc import Sequence
from uuid import uuid4

import jwt
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit import context, metrics
from servicekit.auth import read_token
from servicekit.problems import Problem

CORRELATION_HEADER = b"x-correlation-id"


class EdgeMiddleware:
    """Pure ASGI, so the causality it sets is seen by the route in its thread."""

    def __init__(self, app: ASGIApp, service: str, verification_keys: Sequence[str]) -> None:
        self.app = app
        self.service = service
        self.verification_keys = verification_keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        correlation_id = headers.get(CORRELATION_HEADER, b"").decode() or str(uuid4())
        status = 500

        async def send_with_correlation(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (CORRELATION_HEADER, correlation_id.encode()),
                ]
            await send(message)

        started = time.perf_counter()
        with context.caused_by(self._actor(headers), correlation_id):
            try:
                await self.app(scope, receive, send_with_correlation)
            finally:
                route = scope.get("route")
                path = getattr(route, "path", "unmatched")
                metrics.REQUEST_SECONDS.labels(self.service, scope["method"], path).observe(
                    time.perf_counter() - started
                )
                metrics.REQUESTS.labels(self.service, scope["method"], path, str(status)).inc()

    def _actor(self, headers: dict[bytes, bytes]) -> str | None:
        authorization = headers.get(b"authorization", b"").decode()
        if not authorization.lower().startswith("bearer "):
            return None
        token = authorization[7:]
        try:  # verified once and remembered: the route's auth dependency reuses it
            return read_token(self.verification_keys, token).subject or None
        except Problem:
            pass
        for key in self.verification_keys:
            try:
                claims = jwt.decode(token, key, algorithms=["HS256"])
                break
            except jwt.PyJWTError:
                continue
        else:
            return None
        subject = claims.get("sub")
        return str(subject) if subject else None
