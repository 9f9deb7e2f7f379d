"""Snapshots of long-lived aggregates, in plain JSON.

An aggregate whose history grows with business volume (an account, a promotion's
budget, a team's round-robin) would otherwise replay every event on each load:
the cost of the next order would grow with every order before it. eventsourcing
stores a snapshot every so many events and replays only the events after it.

Its own snapshot keeps the aggregate's attributes as they are, which JSON cannot
carry faithfully (an enum comes back a plain string, a set a list, a dataclass
not at all). This one writes them down tagged with their type and reads them back
as they were. Only dataclasses and enums of the service's own packages are
rebuilt from their topic, so a snapshot row cannot name an arbitrary class.

Snapshots are a cache of the events: deleting them (the ``snapshots`` table)
loses nothing. An aggregate whose attributes change shape either bumps its
``class_version`` with an upcaster or has its snapshots deleted on deployment.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, Self
from uuid import UUID

from eventsourcing.domain import MutableOrImmutableAggregate, Snapshot
from eventsourcing.utils import get_topic, resolve_topic

TYPE = "__type__"
ENUM = "enum"
DATACLASS = "dataclass"
SET = "set"
FROZENSET = "frozenset"
TUPLE = "tuple"
MAPPING = "mapping"  # a dict whose keys are not all strings


class PlainSnapshot(Snapshot):
    """A snapshot whose state is plain JSON (with the transcoder's own types)."""

    @classmethod
    def take(cls, aggregate: MutableOrImmutableAggregate[Any]) -> Self:
        taken = super().take(aggregate)
        plain = {name: to_plain(value) for name, value in taken.state.items()}
        object.__setattr__(taken, "state", plain)
        return taken

    def mutate(self, _: None) -> Any:
        root = self.topic.split(":")[0].split(".")[0]
        state = {name: from_plain(value, root) for name, value in self.state.items()}
        return Snapshot.mutate(dataclasses.replace(self, state=state), None)


def to_plain(value: Any) -> Any:
    """``value`` as JSON the transcoder can write: containers and domain values tagged."""
    kind: Any = type(value)
    if kind in ATOMS:
        return value
    if kind is list:
        return [to_plain(item) for item in value]
    if kind is dict:
        if TYPE not in value and all(type(key) is str for key in value):
            return {key: to_plain(item) for key, item in value.items()}
        pairs = [[to_plain(key), to_plain(item)] for key, item in value.items()]
        return {TYPE: MAPPING, "items": pairs}
    if isinstance(value, Enum):
        return {TYPE: ENUM, "topic": get_topic(kind), "value": value.value}
    names = _field_names(kind)
    if names is not None:
        fields = {name: to_plain(getattr(value, name)) for name in names}
        return {TYPE: DATACLASS, "topic": get_topic(kind), "fields": fields}
    if isinstance(value, frozenset | set):
        tag = FROZENSET if isinstance(value, frozenset) else SET
        return {TYPE: tag, "items": [to_plain(item) for item in _in_order(value)]}
    if isinstance(value, tuple):
        return {TYPE: TUPLE, "items": [to_plain(item) for item in value]}
    return value


def from_plain(value: Any, root: str) -> Any:
    """The value :func:`to_plain` wrote; types are looked up only under package ``root``."""
    kind = type(value)
    if kind is list:
        return [from_plain(item, root) for item in value]
    if kind is not dict:
        return value
    tag = value.get(TYPE)
    if tag is None:
        return {key: from_plain(item, root) for key, item in value.items()}
    if tag == DATACLASS:
        cls, given = _dataclass(value["topic"], root)
        fields = {name: from_plain(item, root) for name, item in value["fields"].items()}
        made = cls(**{name: item for name, item in fields.items() if name in given})
        for name, item in fields.items():
            if name not in given:
                object.__setattr__(made, name, item)
        return made
    if tag == ENUM:
        return _enum(value["topic"], root)(value["value"])
    items = [from_plain(item, root) for item in value["items"]]
    if tag == SET:
        return set(items)
    if tag == FROZENSET:
        return frozenset(items)
    if tag == TUPLE:
        return tuple(items)
    if tag == MAPPING:
        return {_hashable(key): item for key, item in items}
    raise TypeError(f"unknown snapshot value type {tag!r}")


ATOMS = frozenset({str, int, float, bool, type(None), Decimal, datetime, date, UUID})


@cache
def _field_names(kind: Any) -> tuple[str, ...] | None:
    """A dataclass's fields, or None for any other type."""
    if not dataclasses.is_dataclass(kind):
        return None
    return tuple(f.name for f in dataclasses.fields(kind))


@cache
def _dataclass(topic: str, root: str) -> tuple[type, frozenset[str]]:
    cls = _resolve(topic, root)
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise TypeError(f"{topic} is not a dataclass")
    return cls, frozenset(f.name for f in dataclasses.fields(cls) if f.init)


@cache
def _enum(topic: str, root: str) -> type[Enum]:
    enum = _resolve(topic, root)
    if not (isinstance(enum, type) and issubclass(enum, Enum)):
        raise TypeError(f"{topic} is not an enum")
    return enum


def _resolve(topic: str, root: str) -> Any:
    package = topic.split(":")[0].split(".")[0]
    if package not in (root, "servicekit", "contracts"):
        raise TypeError(f"a {root} snapshot cannot name {topic}")
    return resolve_topic(topic)


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def _in_order(items: set[Any] | frozenset[Any]) -> list[Any]:
    """Sets in a stable order, so the same state always writes the same snapshot."""
    try:
        return sorted(items)
    except TypeError:
        return list(items)
