"""Snapshots of long-lived aggregates: taken as they cross their interval, read back whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

import pytest
from eventsourcing.application import project_aggregate
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import Tracking

from servicekit import context
from servicekit.eventstore import CausedEvents, ServiceApplication, store_environment
from servicekit.snapshots import from_plain, to_plain


class Mood(StrEnum):
    CALM = "calm"
    EAGER = "eager"


@dataclass
class Visit:
    vet: str
    cost: Decimal
    at: datetime
    tags: frozenset[str] = frozenset()
    seen: set[int] = field(default_factory=set)


class Dog(Aggregate):
    class Registered(Aggregate.Created):
        name: str

    class Visited(Aggregate.Event):
        vet: str
        cost: Decimal
        at: datetime

    @event(Registered)
    def __init__(self, name: str) -> None:
        self.name = name
        self.mood = Mood.CALM
        self.visits: dict[str, Visit] = {}
        self.by_day: dict[int, tuple[str, int]] = {}
        self.spent = Decimal(0)

    @event(Visited)
    def visit(self, vet: str, cost: Decimal, at: datetime) -> None:
        self.visits[f"{vet}-{len(self.visits)}"] = Visit(vet, cost, at, frozenset({vet}), {1})
        self.by_day[at.day] = (vet, len(self.visits))
        self.spent += cost
        self.mood = Mood.EAGER if self.mood is Mood.CALM else Mood.CALM


class Kennel(ServiceApplication):
    snapshotting_intervals: ClassVar = {Dog: 3}


def replayed(app: Kennel, dog_id: UUID) -> Dog:
    whole: Dog | None = project_aggregate(None, app.events.get(dog_id))
    assert whole is not None
    return whole


def test_a_long_lived_aggregate_is_snapshotted_every_interval_and_reads_back_as_replayed(
    store_settings,
) -> None:
    app = Kennel(store_environment(store_settings("kennel")))
    dog = Dog("Fido")
    app.save(dog)
    for day in range(1, 8):
        dog.visit("Dr Who", Decimal("10.50"), datetime(2026, 3, day, tzinfo=UTC))
        app.save(dog)

    snapshots = list(app.snapshots.get(dog.id)) if app.snapshots else []
    assert [snapshot.originator_version for snapshot in snapshots] == [3, 6]

    loaded: Dog = app.repository.get(dog.id)
    assert loaded.__dict__ == replayed(app, dog.id).__dict__
    assert loaded.mood is Mood.EAGER
    assert loaded.spent == Decimal("73.50")
    assert loaded.by_day[7] == ("Dr Who", 7)
    app.close()


def test_aggregates_saved_by_a_consumed_message_are_snapshotted_too(store_settings) -> None:
    app = Kennel(store_environment(store_settings("kennel")))
    dog = Dog("Rex")
    for day in range(1, 6):
        dog.visit("Dr No", Decimal(1), datetime(2026, 4, day, tzinfo=UTC))
    caused = CausedEvents()
    caused.collect(dog, context.Causality("system"))

    app.save_tracked(Tracking("vets:0", 1), caused)

    snapshots = list(app.snapshots.get(dog.id)) if app.snapshots else []
    assert [snapshot.originator_version for snapshot in snapshots] == [6]
    assert app.repository.get(dog.id).__dict__ == replayed(app, dog.id).__dict__
    app.close()


def test_a_snapshot_cannot_name_a_class_outside_its_service() -> None:
    forged = {"__type__": "dataclass", "topic": "subprocess:Popen", "fields": {}}

    with pytest.raises(TypeError, match="cannot name"):
        from_plain(forged, "loyalty")


def test_plain_values_keep_their_types_through_a_snapshot() -> None:
    value = {"mood": Mood.CALM, "keys": {(1, "a"): [Visit("x", Decimal(2), datetime.now(UTC))]}}

    assert from_plain(to_plain(value), "test_snapshots") == value
