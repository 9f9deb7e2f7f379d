"""The reps' agendas: open activities by owner and due time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Boolean, Column, Connection, DateTime, String, Table, select, update

from acquisition.views import metadata
from contracts.activities import ActivityCompleted, ActivityScheduled
from servicekit.upserts import upsert

activities = Table(
    "activities",
    metadata,
    Column("activity_id", String(64), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("regarding", String(20), nullable=False),
    Column("regarding_id", String(64), nullable=False, index=True),
    Column("owner", String(200), nullable=False, index=True),
    Column("due_at", DateTime(timezone=True), index=True),
    Column("done", Boolean, nullable=False, default=False),
    Column("outcome", String(20)),
    Column("follow_up_of", String(64)),
    Column("happened_at", DateTime(timezone=True), nullable=False),
)


def project(connection: Connection, event: Any) -> None:
    match event:
        case ActivityScheduled():
            upsert(
                connection,
                activities,
                {"activity_id": event.activity_id},
                {
                    "kind": event.kind,
                    "subject": event.subject,
                    "regarding": event.regarding,
                    "regarding_id": event.regarding_id,
                    "owner": event.owner,
                    "due_at": event.due_at,
                    "done": False,
                    "follow_up_of": event.follow_up_of,
                    "happened_at": event.scheduled_at,
                },
            )
        case ActivityCompleted():
            connection.execute(
                update(activities)
                .where(activities.c.activity_id == event.activity_id)
                .values(done=True, outcome=event.outcome, happened_at=event.completed_at)
            )


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def agenda(connection: Connection, owner: str, day: date) -> list[dict[str, Any]]:
    """Open items due on ``day`` (UTC) or before it, overdue ones first, then by due time."""
    start = datetime.combine(day, time(), UTC)
    query = (
        select(activities)
        .where(activities.c.owner == owner)
        .where(activities.c.done.is_(False))
        .where(activities.c.due_at.is_not(None))
        .where(activities.c.due_at < start + timedelta(days=1))
        .order_by(activities.c.due_at, activities.c.activity_id)
    )
    rows = []
    for row in connection.execute(query).mappings():
        item = dict(row)
        item["due_at"] = _aware(item["due_at"])
        item["overdue"] = item["due_at"] < start
        rows.append(item)
    return rows
