"""One complete view of each customer, from every service's events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    MetaData,
    String,
    Table,
    select,
)

from contracts.cases import CaseOpened
from contracts.customers import CustomerProfileChanged, CustomerRegistered
from contracts.loyalty import LoyaltyAccountOpened
from servicekit.consumer import Delivery
from servicekit.handlers import Projection, upsert

metadata = MetaData()

profiles = Table(
    "customer_profiles",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("first_name", String(100)),
    Column("last_name", String(100)),
    Column("email", String(320)),
    Column("phone", String(40)),
    Column("company", String(200)),
    Column("birthday", Date),
    Column("source", String(40)),
    Column("lead_id", String(64)),
    Column("campaign_id", String(64)),
    Column("registered_at", DateTime(timezone=True)),
)

loyalty_accounts = Table(
    "loyalty_accounts",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("account_id", String(64), nullable=False),
    Column("tier", String(20), nullable=False),
    Column("points_balance", BigInteger, nullable=False),
    Column("opened_at", DateTime(timezone=True)),
)

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("customer_id", String(64), index=True),
    Column("status", String(20), nullable=False),
    Column("channel", String(20)),
    Column("case_type", String(20)),
    Column("priority", String(20)),
    Column("subject", String(200)),
    Column("opened_at", DateTime(timezone=True)),
)


class Customer360(Projection):
    topics = ("crm.customers.v1", "crm.loyalty.accounts.v1", "crm.cases.v1")

    def project(self, connection: Connection, delivery: Delivery) -> None:
        event = delivery.event
        if isinstance(event, CustomerRegistered):
            upsert(
                connection,
                profiles,
                {"customer_id": event.customer_id},
                event.model_dump(include=set(profiles.c.keys()) - {"customer_id"}),
            )
        elif isinstance(event, CustomerProfileChanged):
            changes = event.model_dump(
                include=set(profiles.c.keys()) - {"customer_id"}, exclude_none=True
            )
            upsert(connection, profiles, {"customer_id": event.customer_id}, changes)
        elif isinstance(event, LoyaltyAccountOpened):
            upsert(
                connection,
                loyalty_accounts,
                {"customer_id": event.customer_id},
                {
                    "account_id": event.account_id,
                    "tier": event.tier,
                    "points_balance": event.points_balance,
                    "opened_at": event.opened_at,
                },
            )
        elif isinstance(event, CaseOpened):
            upsert(
                connection,
                cases,
                {"case_id": event.case_id},
                {
                    "customer_id": event.customer_id,
                    "status": "new",
                    "channel": event.channel,
                    "case_type": event.case_type,
                    "priority": event.priority,
                    "subject": event.subject,
                    "opened_at": event.opened_at,
                },
            )

    def view(self, customer_id: str) -> dict[str, Any] | None:
        with self.store.reading() as connection:
            profile = (
                connection.execute(select(profiles).where(profiles.c.customer_id == customer_id))
                .mappings()
                .first()
            )
            account = (
                connection.execute(
                    select(loyalty_accounts).where(loyalty_accounts.c.customer_id == customer_id)
                )
                .mappings()
                .first()
            )
            customer_cases = (
                connection.execute(
                    select(cases)
                    .where(cases.c.customer_id == customer_id)
                    .order_by(cases.c.opened_at.desc())
                )
                .mappings()
                .all()
            )
        if profile is None and account is None and not customer_cases:
            return None
        open_cases = [
            case for case in customer_cases if case["status"] not in ("resolved", "closed")
        ]
        return {
            "customer_id": customer_id,
            "profile": dict(profile) if profile else None,
            "loyalty": dict(account) if account else None,
            "cases": {
                "open": len(open_cases),
                "total": len(customer_cases),
                "items": [dict(case) for case in customer_cases],
            },
        }
