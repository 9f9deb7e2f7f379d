"""Optimistic concurrency over HTTP: ETag is the aggregate version, If-Match guards a command."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        description="The ETag (version) the client last read; the command fails with 409 "
        "if the resource changed since.",
    ),
]


class VersionMismatch(Exception):
    """The command was decided on a stale read of the aggregate."""


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header asks for, or None when it asks for none."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.split(",")[0].strip().removeprefix("W/").strip('"')
    try:
        return int(tag)
    except ValueError:
        raise VersionMismatch(f"If-Match {if_match!r} is not an ETag of this API") from None


def check_version(current: int, expected: int | None) -> None:
    if expected is not None and current != expected:
        raise VersionMismatch(
            f"the resource is at version {current}, not {expected}: read it again"
        )
