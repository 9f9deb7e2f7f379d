"""Every event about a customer, as it was delivered: the customer's own event log.

The projection stores each envelope that concerns a customer here, in the same
transaction as its effect on the other read models, so the timeline is exactly
what the 360 was built from. Entries are numbered in the order they were
applied; replaying a customer's entries in that order through the projection
rebuilds the customer's 360 at any earlier moment (time travel).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    and_,
    or_,
    select,
)

from analytics.views import metadata
from contracts import Envelope, decode
from servicekit.consumer import Delivery
from servicekit.staging import Staged

timeline = Table(
    "timeline",
    metadata,
    Column("entry_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("customer_id", String(64), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("event_id", String(100), nullable=False),
    Column("type", String(100), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("source", String(200), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("data", JSON, nullable=False),
    Index("timeline_newest_first", "customer_id", "time", "entry_id"),
)


def utc(moment: datetime) -> datetime:
    """The same instant in UTC without a zone: how both databases compare stored times.

    SQLite keeps no zone, so every time is stored and compared as naive UTC.
    """
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def record(staged: Staged, customer_id: str, delivery: Delivery) -> None:
    envelope = delivery.envelope
    staged.append(
        timeline,
        {
            "customer_id": customer_id,
            "topic": delivery.topic,
            "partition": delivery.partition,
            "offset": delivery.offset,
            "event_id": envelope.id,
            "type": envelope.type,
            "schema_version": envelope.schemaversion,
            "time": utc(envelope.time),
            "source": envelope.source,
            "subject": envelope.subject,
            "data": envelope.data,
        },
    )


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next: str | None


def page(
    connection: Connection,
    customer_id: str,
    *,
    until: datetime | None = None,
    after: str | None = None,
    limit: int = 50,
) -> Page:
    """The customer's events, newest first, from after the cursor ``after``.

    The cursor is the last entry seen; ordering by (time, entry) keeps pages
    stable while new events arrive, since new events sort before the cursor.
    """
    query = select(timeline).where(timeline.c.customer_id == customer_id)
    if until is not None:
        query = query.where(timeline.c.time <= utc(until))
    if after is not None:
        seen = connection.execute(
            select(timeline.c.time, timeline.c.entry_id).where(
                timeline.c.customer_id == customer_id, timeline.c.entry_id == int(after)
            )
        ).first()
        if seen is not None:
            query = query.where(
                or_(
                    timeline.c.time < seen.time,
                    and_(timeline.c.time == seen.time, timeline.c.entry_id < seen.entry_id),
                )
            )
    rows = connection.execute(
        query.order_by(timeline.c.time.desc(), timeline.c.entry_id.desc()).limit(limit)
    ).all()
    items = [
        {
            "id": row.event_id,
            "type": row.type,
            "time": aware(row.time),
            "source": row.source,
            "subject": row.subject,
            "topic": row.topic,
            "data": row.data,
        }
        for row in rows
    ]
    return Page(items, str(rows[-1].entry_id) if len(rows) == limit else None)


def replayable(connection: Connection, customer_id: str, until: datetime) -> Sequence[Delivery]:
    """The customer's deliveries that happened by ``until``, in the order they were applied."""
    rows = connection.execute(
        select(timeline)
        .where(timeline.c.customer_id == customer_id)
        .where(timeline.c.time <= utc(until))
        .order_by(timeline.c.entry_id)
    ).all()
    deliveries = []
    for row in rows:
        wire = Envelope(
            id=row.event_id,
            source=row.source,
            type=row.type,
            time=aware(row.time),
            subject=row.subject,
            schemaversion=row.schema_version,
            data=row.data,
        )
        envelope, event = decode(row.topic, wire.to_bytes())
        deliveries.append(
            Delivery(row.topic, row.partition, row.offset, row.subject, envelope, event)
        )
    return deliveries
