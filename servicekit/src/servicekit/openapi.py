"""A truthful OpenAPI document: every operation lists the problems it can answer with.

FastAPI documents an operation's success and, when it has parameters, a 422 in
a JSON shape this API never sends. Every error here leaves as
``application/problem+json`` (see :mod:`servicekit.problems`), and most
operations can give more of them. Which ones follows from what the operation is
(authenticated, addressed by a path parameter, a command, with input), all of
which the generated document says itself: so the problems are added to it here,
once for every service. A route declares what only it can answer
(``responses={404: {"description": "..."}}``) and gets the problem body with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from servicekit.problems import MEDIA_TYPE, ProblemDocument

SCHEMA_NAME = "Problem"
REF_PREFIX = "#/components/schemas/"
COMMANDS = frozenset({"post", "put", "patch", "delete"})
#: FastAPI's own validation error shape, replaced by the problem document
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")

#: what each status means when a route does not say it in its own words
MEANINGS = {
    400: "The request cannot be read: a body that is not JSON, a header that is not "
    "text, a cursor this API did not give",
    401: "No bearer token, or one that is invalid or expired",
    403: "The token's roles do not allow this",
    404: "Nothing exists at this path",
    409: "The resource changed meanwhile (If-Match, a concurrent command) or its state "
    "does not allow this",
    422: "The request is well formed but its values are refused; `errors` says which",
}


def problem_statuses(method: str, operation: dict[str, Any]) -> set[int]:
    """The errors an operation can give by what it is, beside those it declares itself."""
    statuses = {400}  # any request: a header that is not text (see servicekit.edge)
    parameters = operation.get("parameters", [])
    if operation.get("security"):
        statuses |= {401, 403}
    if any(parameter["in"] == "path" for parameter in parameters):
        statuses.add(404)
    if method in COMMANDS:
        statuses.add(409)
    if parameters or "requestBody" in operation:
        statuses.add(422)
    return statuses


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {MEDIA_TYPE: {"schema": {"$ref": REF_PREFIX + SCHEMA_NAME}}},
    }


def _document_operation(method: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for code in problem_statuses(method, operation):
        responses.setdefault(str(code), {})
    for key, declared in responses.items():
        status = int(key) if key.isdigit() else 0
        if status < 400:
            continue
        content = declared.get("content", {})
        if content and set(content) != {"application/json"}:
            continue  # a route documenting another body knows what it sends
        description = declared.get("description")
        if not description or description == "Validation Error":
            description = MEANINGS.get(status, "A problem")
        responses[key] = _problem_response(description)
    operation["responses"] = dict(sorted(responses.items()))


def with_problems(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with the problem responses of every operation, and their schema."""
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method in {"get", "head", "options", "trace", *COMMANDS}:
                _document_operation(method, operation)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    problem = ProblemDocument.model_json_schema(ref_template=REF_PREFIX + "{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas[SCHEMA_NAME] = problem
    return document


def document_problems(api: FastAPI) -> None:
    """From now on ``api``'s OpenAPI document lists each operation's problem responses."""
    generate: Callable[[], dict[str, Any]] = api.openapi
    documented: dict[int, dict[str, Any]] = {}

    def openapi() -> dict[str, Any]:
        generated = generate()  # FastAPI's, kept until the routes change
        if id(generated) not in documented:
            documented.clear()
            documented[id(generated)] = with_problems(generated)
        return documented[id(generated)]

    api.openapi = openapi  # type: ignore[method-assign]
