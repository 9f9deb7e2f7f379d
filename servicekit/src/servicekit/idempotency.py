"""Idempotent commands: a client retrying with the same ``Idempotency-Key`` has no second effect.

A creating command derives the new aggregate's id from the key (and the caller),
so a retry finds the aggregate it created instead of creating another; the
event store's optimistic concurrency settles two concurrent retries. Commands on
an existing aggregate record the key in their event so a retry is recognised.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from fastapi import Header

from servicekit import context

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Send the same key when retrying a command: it takes effect once "
        "(visible ASCII, e.g. a UUID).",
    ),
]


def new_id(scope: str, key: str | None) -> UUID:
    """The id of an aggregate a command creates: random, or derived from the key."""
    if key is None:
        return uuid4()
    actor = context.current().actor or "anonymous"
    return uuid5(NAMESPACE_URL, f"/crm/idempotency/{scope}/{actor}/{key}")


class IdempotencyKeyReused(Exception):
    """The key was already used for a different request."""


def ensure_same_request(existing: object, request: Mapping[str, Any]) -> None:
    """A retried creation must carry the same request as the first one."""
    differing = sorted(name for name, value in request.items() if getattr(existing, name) != value)
    if differing:
        raise IdempotencyKeyReused(
            f"the Idempotency-Key was used for a request with other {', '.join(differing)}"
        )
