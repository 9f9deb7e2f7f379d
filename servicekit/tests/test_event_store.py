"""The event store every service uses, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError, Tracking

from servicekit import context
from servicekit.eventstore import CausedEvents, ServiceApplication, store_environment


class Dog(Aggregate):
    class Registered(Aggregate.Created):
        TOPIC = "test:Dog.Registered"
        name: str

    class TrickAdded(Aggregate.Event):
        TOPIC = "test:Dog.TrickAdded"
        trick: str

    @event(Registered)
    def __init__(self, name: str) -> None:
        self.name = name
        self.tricks: list[str] = []

    @event(TrickAdded)
    def add_trick(self, trick: str) -> None:
        self.tricks.append(trick)


def test_events_are_stored_with_who_caused_them(store_settings) -> None:
    app = ServiceApplication(store_environment(store_settings("kennel")))
    with context.caused_by("alice", "conversation-1", "command-7"):
        dog = Dog("Fido")
        dog.add_trick("roll over")
        app.save(dog)

    notifications = app.recorder.select_notifications(start=None, limit=10)
    stored = [app.mapper.to_domain_event_with_causality(n) for n in notifications]

    assert [type(event) for event, _ in stored] == [Dog.Registered, Dog.TrickAdded]
    assert all(
        causality
        == {"actor": "alice", "correlation_id": "conversation-1", "causation_id": "command-7"}
        for _, causality in stored
    )
    assert app.repository.get(dog.id).tricks == ["roll over"]
    app.close()


def test_an_effect_is_stored_once_for_one_tracked_message(store_settings) -> None:
    app = ServiceApplication(store_environment(store_settings("kennel")))
    app.save_tracked(Tracking("dogs:0", 5), caused(Dog("Fido")))

    second = Dog("Rex")
    with pytest.raises(IntegrityError):
        app.save_tracked(Tracking("dogs:0", 5), caused(second))

    assert second.id not in app.repository
    assert app.position("dogs:0") == 5
    app.close()


def caused(dog: Dog, causality: context.Causality | None = None) -> CausedEvents:
    events = CausedEvents()
    events.collect(dog, causality or context.Causality("system"))
    return events


def test_events_caused_by_messages_remember_each_its_own_cause(store_settings) -> None:
    app = ServiceApplication(store_environment(store_settings("kennel")))
    events = CausedEvents()
    events.collect(Dog("Fido"), context.Causality("alice", "conversation-1", "message-1"))
    events.collect(Dog("Rex"), context.Causality("bob", "conversation-2", "message-2"))

    app.save_tracked(Tracking("dogs:0", 1), events)

    notifications = app.recorder.select_notifications(start=None, limit=10)
    causes = [app.mapper.to_domain_event_with_causality(n)[1] for n in notifications]
    assert [c["causation_id"] for c in causes] == ["message-1", "message-2"]
    assert [c["actor"] for c in causes] == ["alice", "bob"]
    app.close()


def test_a_message_without_effect_is_still_tracked(store_settings) -> None:
    app = ServiceApplication(store_environment(store_settings("kennel")))

    app.save_tracked(Tracking("dogs:1", 3))

    assert app.position("dogs:1") == 3
    assert app.recorder.max_notification_id() in (None, 0)
    app.close()
