"""A customer's loyalty account: the points ledger and the tier."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


class Tier(StrEnum):
    STANDARD = "standard"
    SILVER = "silver"
    GOLD = "gold"
    PREMIUM = "premium"


class LoyaltyAccount(Aggregate):
    TOPIC = (
        "loyalty:LoyaltyAccount"  # pinned, like every event below: stored events survive renames
    )

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "loyalty:LoyaltyAccount.Created"

    class Opened(Aggregate.Created):
        TOPIC = "loyalty:LoyaltyAccount.Opened"
        customer_id: str

    @staticmethod
    def create_id(customer_id: str, **_: Any) -> UUID:
        """One account per customer, found from the customer id alone."""
        return uuid5(NAMESPACE_URL, f"/crm/loyalty/accounts/{customer_id}")

    @event(Opened)
    def __init__(self, customer_id: str) -> None:
        self.customer_id = customer_id
        self.tier = Tier.STANDARD
        self.points_balance = 0
