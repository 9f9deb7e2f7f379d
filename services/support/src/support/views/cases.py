"""Cases as agents and managers look at them: queues, history, SLA dashboard, CSAT."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    and_,
    func,
    or_,
    select,
    update,
)

from contracts.cases import (
    CaseAssigned,
    CaseCustomerLinked,
    CaseOpened,
    CasePriorityRaised,
    CaseReplied,
    CaseSlaBreached,
    CaseStatusChanged,
    SatisfactionRecorded,
)
from servicekit.upserts import upsert
from support.views import metadata

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("customer_id", String(64), index=True),
    Column("status", String(20), nullable=False, index=True),
    Column("priority", String(20), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("case_type", String(20), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("team", String(64), index=True),
    Column("agent", String(200), index=True),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("first_response_at", DateTime(timezone=True)),
    Column("first_response_seconds", Float),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolution_seconds", Float),
    Column("first_response_breached", Boolean, nullable=False, default=False),
    Column("resolution_breached", Boolean, nullable=False, default=False),
    Column("satisfaction", Integer),
)

tiers = Table(
    "customer_tiers",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("tier", String(20), nullable=False),
)

CaseEvent = (
    CaseOpened
    | CaseAssigned
    | CaseCustomerLinked
    | CaseReplied
    | CaseStatusChanged
    | CasePriorityRaised
    | CaseSlaBreached
    | SatisfactionRecorded
)


def _seconds(since: datetime, until: datetime) -> float:
    """SQLite gives back naive datetimes: they were stored in UTC."""
    return (_in_utc(until) - _in_utc(since)).total_seconds()


def _in_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def project(connection: Connection, event: CaseEvent) -> None:
    where = cases.c.case_id == event.case_id
    match event:
        case CaseOpened():
            upsert(
                connection,
                cases,
                {"case_id": event.case_id},
                {
                    "customer_id": event.customer_id,
                    "status": "new",
                    "priority": event.priority,
                    "channel": event.channel,
                    "case_type": event.case_type,
                    "subject": event.subject,
                    "opened_at": event.opened_at,
                    "first_response_breached": False,
                    "resolution_breached": False,
                },
            )
        case CaseAssigned():
            connection.execute(
                update(cases).where(where).values(agent=event.agent, team=event.team)
            )
        case CaseCustomerLinked():
            connection.execute(update(cases).where(where).values(customer_id=event.customer_id))
        case CaseReplied() if event.first_response:
            opened = connection.scalar(select(cases.c.opened_at).where(where))
            connection.execute(
                update(cases)
                .where(where)
                .values(
                    first_response_at=event.replied_at,
                    first_response_seconds=_seconds(opened, event.replied_at) if opened else None,
                )
            )
        case CaseStatusChanged():
            changes: dict[str, Any] = {"status": event.status}
            if event.status == "resolved":
                opened = connection.scalar(select(cases.c.opened_at).where(where))
                changes["resolved_at"] = event.changed_at
                changes["resolution_seconds"] = (
                    _seconds(opened, event.changed_at) if opened else None
                )
            connection.execute(update(cases).where(where).values(**changes))
        case CasePriorityRaised():
            connection.execute(update(cases).where(where).values(priority=event.priority))
        case CaseSlaBreached():
            column = f"{event.clock}_breached"
            connection.execute(update(cases).where(where).values(**{column: True}))
        case SatisfactionRecorded():
            connection.execute(update(cases).where(where).values(satisfaction=event.score))


def _cursor(row: Any) -> str:
    return base64.urlsafe_b64encode(f"{row.opened_at.isoformat()}|{row.case_id}".encode()).decode()


def listing(
    connection: Connection,
    *,
    status: str | None = None,
    customer_id: str | None = None,
    team: str | None = None,
    agent: str | None = None,
    breached: bool | None = None,
    after: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """Newest first, filtered, one page; ``next`` is the cursor of the following page."""
    query = select(cases)
    for column, value in (
        (cases.c.status, status),
        (cases.c.customer_id, customer_id),
        (cases.c.team, team),
        (cases.c.agent, agent),
    ):
        if value is not None:
            query = query.where(column == value)
    if breached is not None:
        either = or_(cases.c.first_response_breached, cases.c.resolution_breached)
        query = query.where(either if breached else ~either)
    if after:
        opened, case_id = base64.urlsafe_b64decode(after.encode()).decode().split("|")
        at = datetime.fromisoformat(opened)
        query = query.where(
            or_(cases.c.opened_at < at, and_(cases.c.opened_at == at, cases.c.case_id < case_id))
        )
    rows = connection.execute(
        query.order_by(cases.c.opened_at.desc(), cases.c.case_id.desc()).limit(limit + 1)
    ).all()
    page = rows[:limit]
    return {
        "items": [dict(row._mapping) for row in page],
        "next": _cursor(page[-1]) if len(rows) > limit else None,
    }


def open_cases_by_agent(connection: Connection, agents: list[str]) -> dict[str, int]:
    rows = connection.execute(
        select(cases.c.agent, func.count())
        .where(cases.c.agent.in_(agents))
        .where(cases.c.status.in_(["new", "open", "pending"]))
        .group_by(cases.c.agent)
    ).all()
    return {agent: count for agent, count in rows}


def unfinished_case_ids(connection: Connection) -> list[str]:
    rows = connection.execute(
        select(cases.c.case_id).where(cases.c.status.in_(["new", "open", "pending"]))
    ).all()
    return [row.case_id for row in rows]


def sla_dashboard(connection: Connection) -> dict[str, Any]:
    """Per clock: met, breached, in progress."""
    board = {}
    for clock, stopped in (
        ("first_response", cases.c.first_response_at),
        ("resolution", cases.c.resolved_at),
    ):
        breached = cases.c[f"{clock}_breached"]
        count = func.count()
        board[clock] = {
            "met": connection.scalar(select(count).where(stopped.is_not(None), ~breached)),
            "breached": connection.scalar(select(count).where(breached)),
            "in_progress": connection.scalar(select(count).where(stopped.is_(None), ~breached)),
        }
    return board


def performance(connection: Connection, by: str) -> list[dict[str, Any]]:
    """CSAT and average first-response and resolution times by agent, team or channel."""
    column = cases.c[by]
    rows = connection.execute(
        select(
            column.label(by),
            func.count().label("cases"),
            func.avg(cases.c.satisfaction).label("csat"),
            func.avg(cases.c.first_response_seconds).label("first_response_seconds"),
            func.avg(cases.c.resolution_seconds).label("resolution_seconds"),
        )
        .group_by(column)
        .order_by(column)
    ).all()
    return [dict(row._mapping) for row in rows]


def set_tier(connection: Connection, customer_id: str, tier: str) -> None:
    upsert(connection, tiers, {"customer_id": customer_id}, {"tier": tier})


def tier_of(connection: Connection, customer_id: str) -> str | None:
    return connection.scalar(select(tiers.c.tier).where(tiers.c.customer_id == customer_id))
