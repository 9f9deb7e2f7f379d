"""A service's own log delivered to its own projection, without the broker in between.

What the relay and the consumer do over Kafka, done in-process: each stored
event is translated to its contract event, encoded and decoded as on the wire,
and applied with a tracking record. Tests of read models use it, so they run
the real outbox, contracts and projection without a broker.
"""

from __future__ import annotations

from eventsourcing.persistence import Tracking

from contracts import Envelope, decode, topic_of
from servicekit.consumer import Delivery
from servicekit.eventstore import ServiceApplication
from servicekit.handlers import Projection
from servicekit.relay import Translator

TRACKING = "loopback"


def deliver_log(
    app: ServiceApplication, translate: Translator, projection: Projection, source: str
) -> int:
    """Apply every event stored since the last delivery; return how many were applied."""
    applied = 0
    start = (projection.position(TRACKING, 0) or 0) + 1
    while batch := app.recorder.select_notifications(start=start, limit=100):
        start = batch[-1].id + 1
        for notification in batch:
            tracking = Tracking(f"{TRACKING}:0", notification.id)
            event = translate(app.mapper.to_domain_event(notification))
            topic = topic_of(type(event)).name if event is not None else None
            if event is None or topic not in projection.topics:
                projection.apply([], tracking)
                continue
            subject = str(notification.originator_id)
            envelope, decoded = decode(
                topic, Envelope.wrap(event, source=source, subject=subject).to_bytes()
            )
            projection.apply(
                [Delivery(topic, 0, notification.id, subject, envelope, decoded)], tracking
            )
            applied += 1
    return applied
