"""Who asked for a change and within which conversation.

A command's actor, correlation id and causation id are set once at the edge
(HTTP middleware, Kafka consumer) and read where events are stored, so that
domain code never has to pass them around.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from uuid import uuid4


@dataclass(frozen=True)
class Causality:
    actor: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {key: value for key, value in asdict(self).items() if value is not None}


_current: ContextVar[Causality] = ContextVar("causality", default=Causality())  # noqa: B039 (frozen)


def current() -> Causality:
    return _current.get()


@contextmanager
def caused_by(
    actor: str | None, correlation_id: str | None = None, causation_id: str | None = None
) -> Iterator[Causality]:
    causality = Causality(actor, correlation_id or str(uuid4()), causation_id)
    token = _current.set(causality)
    try:
        yield causality
    finally:
        _current.reset(token)
