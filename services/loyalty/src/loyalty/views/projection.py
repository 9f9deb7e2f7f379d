"""Loyalty's one consumer of read models: what the programme owes, every account, and
customers by birthday."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

from sqlalchemy import Connection

from loyalty.views import accounts, birthdays, liability
from servicekit.consumer import Delivery
from servicekit.handlers import Projection


class LoyaltyViews(Projection):
    topics = ("crm.loyalty.ledger.v1", "crm.loyalty.accounts.v1", "crm.customers.v1")

    def project(self, connection: Connection, delivery: Delivery) -> None:
        if delivery.topic == "crm.customers.v1":
            birthdays.project(connection, delivery.event)
            return
        liability.project(connection, delivery.event)
        accounts.project(connection, delivery.event)

    def summary(self) -> dict[str, Any]:
        """Outstanding points and their value, in total and by tier (per currency)."""
        with self.store.reading() as connection:
            return liability.summary(connection)

    def account_ids(self) -> list[UUID]:
        with self.store.reading() as connection:
            return accounts.account_ids(connection)

    def born_on(self, month_days: Collection[str]) -> list[str]:
        with self.store.reading() as connection:
            return birthdays.born_on(connection, month_days)
