"""What the programme owes: points available on every account and their money value.

Built from loyalty's own ledger topic: each movement carries the balance after
it and its monetary value, so the latest movement of an account says what the
account is worth; the tier comes from the accounts topic.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Numeric, String, Table, func, select

from contracts.ledger import (
    PointsExpired,
    PointsIssued,
    PointsRedeemed,
    PointsReturned,
    PointsReversed,
)
from contracts.loyalty import LoyaltyAccountOpened, TierChanged
from loyalty.views import metadata
from servicekit.upserts import upsert

accounts = Table(
    "account_liability",
    metadata,
    Column("account_id", String(64), primary_key=True),
    Column("customer_id", String(64)),
    Column("tier", String(20)),
    Column("points", BigInteger),
    Column("value_per_point", Numeric(14, 6)),
    Column("currency", String(3)),
)

CENT = Decimal("0.01")


def project(connection: Connection, event: Any) -> None:
    match event:
        case LoyaltyAccountOpened() | TierChanged():
            upsert(
                connection,
                accounts,
                {"account_id": event.account_id},
                {"customer_id": event.customer_id, "tier": event.tier},
            )
        case (
            PointsIssued()
            | PointsReversed()
            | PointsRedeemed()
            | PointsExpired()
            | PointsReturned()
        ):
            upsert(
                connection,
                accounts,
                {"account_id": event.account_id},
                {
                    "customer_id": event.customer_id,
                    "points": event.balance_after,
                    "value_per_point": event.monetary_value / event.points,
                    "currency": event.currency,
                },
            )


def summary(connection: Connection) -> dict[str, Any]:
    """Outstanding points and their value, in total and by tier (per currency)."""
    value = func.coalesce(accounts.c.points, 0) * func.coalesce(accounts.c.value_per_point, 0)
    rows = connection.execute(
        select(
            accounts.c.tier,
            accounts.c.currency,
            func.count().label("accounts"),
            func.coalesce(func.sum(accounts.c.points), 0).label("points"),
            func.coalesce(func.sum(value), 0).label("value"),
        ).group_by(accounts.c.tier, accounts.c.currency)
    ).all()
    by_tier = [
        {
            "tier": row.tier,
            "currency": row.currency,
            "accounts": row.accounts,
            "points": int(row.points),
            "value": str(Decimal(str(row.value)).quantize(CENT)),
        }
        for row in rows
    ]
    totals: dict[str, dict[str, Any]] = {}
    for row in by_tier:
        if row["currency"] is None:
            continue
        total = totals.setdefault(row["currency"], {"points": 0, "value": Decimal(0)})
        total["points"] += row["points"]
        total["value"] += Decimal(row["value"])
    return {
        "total": [
            {"currency": currency, "points": t["points"], "value": str(t["value"])}
            for currency, t in sorted(totals.items())
        ],
        "by_tier": by_tier,
    }
