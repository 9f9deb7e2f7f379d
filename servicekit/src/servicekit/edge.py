"""The HTTP edge of a service: correlation ids, the caller as actor, request metrics.

Header values arrive as bytes, and nothing guarantees they are text: they are read
here as Latin-1 (as Starlette reads them), and a correlation id, which is stored
beside every event the request causes and echoed back, must be visible ASCII.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from uuid import uuid4

import jwt
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit import context, metrics
from servicekit.auth import read_token
from servicekit.problems import Problem, problem_response

CORRELATION_HEADER = b"x-correlation-id"
#: a correlation id a caller may choose: what a UUID, a W3C trace id or a ULID are made of
CORRELATION_ID = re.compile(rb"[\x21-\x7e]{1,200}")


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
        chosen = headers.get(CORRELATION_HEADER, b"")
        acceptable = not chosen or CORRELATION_ID.fullmatch(chosen) is not None
        correlation_id = chosen.decode("ascii") if chosen and acceptable else str(uuid4())
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
                if acceptable:
                    await self.app(scope, receive, send_with_correlation)
                else:
                    refusal = problem_response(
                        Request(scope),
                        400,
                        "Invalid X-Correlation-Id",
                        "X-Correlation-Id must be 1 to 200 visible ASCII characters.",
                    )
                    await refusal(scope, receive, send_with_correlation)
            finally:
                route = scope.get("route")
                path = getattr(route, "path", "unmatched")
                metrics.REQUEST_SECONDS.labels(self.service, scope["method"], path).observe(
                    time.perf_counter() - started
                )
                metrics.REQUESTS.labels(self.service, scope["method"], path, str(status)).inc()

    def _actor(self, headers: dict[bytes, bytes]) -> str | None:
        authorization = headers.get(b"authorization", b"").decode("latin-1")
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
