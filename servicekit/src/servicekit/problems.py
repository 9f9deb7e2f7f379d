"""RFC 9457 problem+json responses: every error a client sees has this shape."""

from __future__ import annotations

from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from servicekit.idempotency import IdempotencyKeyReused
from servicekit.preconditions import VersionMismatch

MEDIA_TYPE = "application/problem+json"


class FieldIssue(BaseModel):
    """What is wrong with one field of a request."""

    field: str = Field(description="Where: `body`, a dotted path in it, or a parameter's name")
    message: str


class ProblemDocument(BaseModel):
    """The body of every error response (RFC 9457); extensions may add members."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(default="about:blank", description="A URI naming the kind of problem")
    title: str = Field(description="A short summary of the kind of problem")
    status: int = Field(ge=400, le=599, description="The HTTP status code")
    detail: str = Field(description="What went wrong this time, for a person to read")
    instance: str = Field(description="The path the request was sent to")
    errors: list[FieldIssue] | None = Field(
        default=None, description="Each field of the request that was refused, and why"
    )


class Problem(Exception):
    """Raise from a route to answer with a problem document."""

    def __init__(self, status: int, title: str, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.extensions = extensions


def problem_response(
    request: Request, status: int, title: str, detail: str, **extensions: Any
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extensions,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def on_problem(request: Request, problem: Problem) -> JSONResponse:
        return problem_response(
            request, problem.status, problem.title, problem.detail, **problem.extensions
        )

    @app.exception_handler(RequestValidationError)
    async def on_invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        issues = [
            {
                "field": "body"
                if issue["type"] == "json_invalid"
                else ".".join(str(part) for part in issue["loc"] if part != "body") or "body",
                "message": issue["msg"]
                + (f" ({issue['ctx']['error']})" if issue["type"] == "json_invalid" else ""),
            }
            for issue in error.errors()
        ]
        detail = "; ".join(f"{issue['field']}: {issue['message']}" for issue in issues)
        return problem_response(request, 422, "Invalid request", detail, errors=issues)

    @app.exception_handler(HTTPException)
    async def on_http_exception(request: Request, error: HTTPException) -> JSONResponse:
        return problem_response(request, error.status_code, str(error.detail), str(error.detail))

    @app.exception_handler(AggregateNotFoundError)
    async def on_not_found(request: Request, error: AggregateNotFoundError) -> JSONResponse:
        return problem_response(request, 404, "Not found", f"Nothing exists at {request.url.path}.")

    @app.exception_handler(IdempotencyKeyReused)
    async def on_key_reused(request: Request, error: IdempotencyKeyReused) -> JSONResponse:
        return problem_response(request, 422, "Idempotency-Key reused", str(error))

    @app.exception_handler(VersionMismatch)
    async def on_stale(request: Request, error: VersionMismatch) -> JSONResponse:
        # 409, not 412: the design answers every optimistic-concurrency loss alike
        return problem_response(request, 409, "Stale version", str(error))

    @app.exception_handler(IntegrityError)
    async def on_conflict(request: Request, error: IntegrityError) -> JSONResponse:
        return problem_response(
            request, 409, "Conflict", "The resource was changed concurrently; read it and retry."
        )
