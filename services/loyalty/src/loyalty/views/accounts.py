"""Every loyalty account, for the runs that visit them all (the expiry run).

Built from loyalty's own accounts topic, so it trails the event store by the
relay's and the consumer's delay: an account opened a moment ago may be visited
only by the next run, which is early enough for lots that take months to expire.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Column, Connection, String, Table, select

from contracts.loyalty import LoyaltyAccountOpened
from loyalty.views import metadata
from servicekit.upserts import upsert

accounts = Table(
    "accounts",
    metadata,
    Column("account_id", String(64), primary_key=True),
    Column("customer_id", String(64), nullable=False),
)


def project(connection: Connection, event: Any) -> None:
    if isinstance(event, LoyaltyAccountOpened):
        upsert(
            connection,
            accounts,
            {"account_id": event.account_id},
            {"customer_id": event.customer_id},
        )


def account_ids(connection: Connection) -> list[UUID]:
    query = select(accounts.c.account_id).order_by(accounts.c.account_id)
    return [UUID(account_id) for account_id in connection.scalars(query)]
