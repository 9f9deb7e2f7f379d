"""Deals as the sales team sees them: the board, the weighted forecast and the stale ones.

Amounts are kept in cents (integers) so sums are exact on SQLite and PostgreSQL
alike; a weighted amount is the amount times the stage's probability.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Integer,
    String,
    Table,
    func,
    select,
    update,
)

from acquisition.views import metadata
from acquisition.views.activities import activities
from contracts.opportunities import (
    OpportunityLost,
    OpportunityOpened,
    OpportunityStageChanged,
    OpportunityWon,
)
from servicekit.upserts import upsert

deals = Table(
    "deals",
    metadata,
    Column("opportunity_id", String(64), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("customer_id", String(64)),
    Column("campaign_id", String(100)),
    Column("pipeline", String(60), nullable=False, index=True),
    Column("stage", String(60), nullable=False),
    Column("probability", Integer, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("expected_close", Date),
    Column("owner", String(200), nullable=False, index=True),
    Column("outcome", String(10), nullable=False, index=True),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
)


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def _money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _weighted(cents_times_percent: int) -> Decimal:
    return (Decimal(cents_times_percent) / 10_000).quantize(Decimal("0.01"))


def project(connection: Connection, event: Any) -> None:
    match event:
        case OpportunityOpened():
            upsert(
                connection,
                deals,
                {"opportunity_id": event.opportunity_id},
                {
                    "title": event.title,
                    "customer_id": event.customer_id,
                    "campaign_id": event.campaign_id,
                    "pipeline": event.pipeline,
                    "stage": event.stage,
                    "probability": event.probability,
                    "amount_cents": _cents(event.amount),
                    "currency": event.currency,
                    "expected_close": event.expected_close,
                    "owner": event.owner,
                    "outcome": "open",
                    "opened_at": event.opened_at,
                },
            )
        case OpportunityStageChanged():
            _set(connection, event.opportunity_id, stage=event.stage, probability=event.probability)
        case OpportunityWon():
            _set(
                connection,
                event.opportunity_id,
                outcome="won",
                probability=100,
                amount_cents=_cents(event.amount),
                closed_at=event.won_at,
            )
        case OpportunityLost():
            _set(
                connection,
                event.opportunity_id,
                outcome="lost",
                probability=0,
                closed_at=event.lost_at,
            )


def _set(connection: Connection, opportunity_id: str, **values: Any) -> None:
    connection.execute(
        update(deals).where(deals.c.opportunity_id == opportunity_id).values(**values)
    )


@dataclass(frozen=True)
class Total:
    """Deals of one currency: amounts in different currencies are never added up."""

    currency: str
    deals: int
    amount: Decimal
    weighted_amount: Decimal


def _totals(rows: Sequence[Any]) -> list[Total]:
    return [
        Total(row.currency, row.deals, _money(row.cents), _weighted(row.weighted)) for row in rows
    ]


_deal_count = func.count().label("deals")
_cents_sum = func.sum(deals.c.amount_cents).label("cents")
_weighted_sum = func.sum(deals.c.amount_cents * deals.c.probability).label("weighted")


def board(connection: Connection, pipeline: str) -> dict[str, list[Total]]:
    """Open deals of a pipeline by stage, then currency."""
    query = (
        select(deals.c.stage, deals.c.currency, _deal_count, _cents_sum, _weighted_sum)
        .where(deals.c.pipeline == pipeline)
        .where(deals.c.outcome == "open")
        .group_by(deals.c.stage, deals.c.currency)
        .order_by(deals.c.stage, deals.c.currency)
    )
    by_stage: dict[str, list[Total]] = {}
    for row in connection.execute(query):
        by_stage.setdefault(row.stage, []).extend(_totals([row]))
    return by_stage


def open_deals(connection: Connection, pipeline: str, limit: int) -> list[dict[str, Any]]:
    """The cards on the board: biggest first within each stage."""
    query = (
        select(deals)
        .where(deals.c.pipeline == pipeline)
        .where(deals.c.outcome == "open")
        .order_by(deals.c.stage, deals.c.amount_cents.desc(), deals.c.opportunity_id)
        .limit(limit)
    )
    return [_card(dict(row)) for row in connection.execute(query).mappings()]


def _card(row: dict[str, Any]) -> dict[str, Any]:
    row["amount"] = _money(row.pop("amount_cents"))
    row["opened_at"] = _aware(row["opened_at"])
    row.pop("closed_at", None)
    return row


@dataclass(frozen=True)
class ForecastLine:
    month: str | None
    owner: str
    total: Total


def forecast(connection: Connection, owner: str | None = None) -> list[ForecastLine]:
    """Open deals by expected-close month (``None``: no date yet) and owner, weighted."""
    month = func.substr(func.cast(deals.c.expected_close, String), 1, 7).label("month")
    query = (
        select(month, deals.c.owner, deals.c.currency, _deal_count, _cents_sum, _weighted_sum)
        .where(deals.c.outcome == "open")
        .group_by(month, deals.c.owner, deals.c.currency)
        .order_by(month.is_(None), month, deals.c.owner, deals.c.currency)
    )
    if owner is not None:
        query = query.where(deals.c.owner == owner)
    return [
        ForecastLine(row.month, row.owner, _totals([row])[0]) for row in connection.execute(query)
    ]


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def stale(connection: Connection, since: datetime, limit: int) -> list[dict[str, Any]]:
    """Open deals with no activity (planned or done) since ``since``, quietest first.

    A deal nobody has logged anything on counts from the day it was opened.
    """
    last_touch = (
        select(
            activities.c.regarding_id.label("opportunity_id"),
            func.max(activities.c.happened_at).label("last_activity_at"),
        )
        .where(activities.c.regarding == "opportunity")
        .group_by(activities.c.regarding_id)
        .subquery()
    )
    quiet_since = func.coalesce(last_touch.c.last_activity_at, deals.c.opened_at)
    query = (
        select(deals, last_touch.c.last_activity_at)
        .select_from(
            deals.outerjoin(last_touch, last_touch.c.opportunity_id == deals.c.opportunity_id)
        )
        .where(deals.c.outcome == "open")
        .where(quiet_since < since.astimezone(UTC))
        .order_by(quiet_since, deals.c.opportunity_id)
        .limit(limit)
    )
    rows = []
    for row in connection.execute(query).mappings():
        card = _card(dict(row))
        card["last_activity_at"] = _aware(card["last_activity_at"])
        rows.append(card)
    return rows


@dataclass(frozen=True)
class Board:
    """A pipeline's open deals: totals by stage (and currency) and the cards themselves."""

    totals: dict[str, list[Total]]
    cards: list[dict[str, Any]]
