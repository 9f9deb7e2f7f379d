"""Schemathesis over a service's OpenAPI document, in-process: does every answer say
what the document says it does?

:func:`nonconformities` runs what ``st run`` runs against the ASGI app: the
schema's examples, the coverage phase (boundary values and hostile ones: wrong
types, values past every limit, bytes that are not text in headers...), random
cases, then stateful scenarios feeding ids the service created to the operations
that take them. Every response must be no 5xx, have a documented status and
content type, and match its documented schema; and no background job of the
service (a projection fed meanwhile, a timer) may fail on what was stored.

Bounded for the default test run (seconds per service): a fixed seed, one worker,
few random examples per operation, short scenarios, no shrinking.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, from_schema
from schemathesis.engine.events import FatalError, NonFatalError, ScenarioFinished
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.schemas import BaseSchema

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
SEED = 22
#: random (fuzzing phase) examples per operation, beside the coverage phase's values
MAX_EXAMPLES = 5
STATEFUL_SCENARIOS = 100
STATEFUL_STEPS = 6
#: the logger of the runtime (servicekit): its jobs log a failed round there
RUNTIME_LOGGER = "servicekit"


def nonconformities(
    app: object,
    token: str,
    *,
    exclude_paths: tuple[str, ...] = (),
    fixed: dict[str, Any] | None = None,
) -> list[str]:
    """Every response of the ASGI ``app`` that breaks its OpenAPI document, as a
    sentence each with a request that reproduces it (empty when all conform).

    Every request is sent with ``token`` as bearer; ``fixed`` gives parameters one
    value (``{"query.wait_ms": 0}``: a wait is not what is tested, and waits at the
    bound would spend the whole budget). The app's lifespan runs for the duration
    (started by schemathesis, stopped here)."""
    background = _FailedJobs()
    logging.getLogger(RUNTIME_LOGGER).addHandler(background)
    try:
        for _ in range(2):
            try:
                return _run(app, token, exclude_paths, fixed) + background.failures
            except _Raced:
                continue
        return _run(app, token, exclude_paths, fixed) + background.failures
    finally:
        shutdown_lifespans()
        logging.getLogger(RUNTIME_LOGGER).removeHandler(background)


def _run(app: object, token: str, exclude_paths: tuple[str, ...], fixed: dict[str, Any] | None) -> list[str]:
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "cache": {"enabled": False},  # each run the same, and nothing left in the tree
            "workers": 1,
            "headers": {"Authorization": f"Bearer {token}"},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "generation": {"max-examples": MAX_EXAMPLES, "no-shrink": True, "database": "none"},
            "phases": {
                "stateful": {
                    "max-steps": STATEFUL_STEPS,
                    "generation": {"max-examples": STATEFUL_SCENARIOS},
                }
            },
            "parameters": fixed or {},
            "suppress-health-check": ["all"],
        }
    )
    schema: BaseSchema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    if exclude_paths:
        schema = schema.exclude(path=list(exclude_paths))
    found: dict[str, str] = {}  # each kind of failure once, with a request reproducing it
    for event in from_schema(schema).execute():
        if isinstance(event, FatalError):
            raise event.exception
        if isinstance(event, NonFatalError):
            if _interpreter_race(event.value):
                raise _Raced from event.value
            found.setdefault(f"{event.label}: {event.value!r}", _where(event.value))
        if isinstance(event, ScenarioFinished) and event.status == Status.FAILURE:
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        summary = " ".join(failure.message.split("\n")[:2])
                        sentence = f"{failure.operation}: {failure.title}: {summary}"
                        found.setdefault(sentence, check.failure_info.code_sample)
    return [f"{sentence}\n    {sample}" for sentence, sample in found.items()]


def _where(error: BaseException) -> str:
    """The last frames of an error the service (or the tool) raised: where to look."""
    frames = traceback.extract_tb(error.__traceback__)[-4:]
    return " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in frames)


class _Raced(Exception):
    """The run met the interpreter's race (see :func:`_interpreter_race`)."""


def _interpreter_race(error: BaseException) -> bool:
    """CPython before 3.11.9 (gh-106905) may fail a ``compile()`` while another thread
    compiles too: the test tool generating a case races the service's threads. That
    says nothing of the service, so the run is made again (the seed is fixed: the same
    cases, the race seldom twice)."""
    return isinstance(error, SystemError) and "AST constructor recursion depth" in str(error)


class _FailedJobs(logging.Handler):
    """What the service's background jobs logged as failed while the requests ran."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.failures: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        self.failures.append(f"background: {record.getMessage()}: {error!r}\n    ")
