"""Loyalty accounts, published by loyalty."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from contracts.envelope import IntegrationEvent


class LoyaltyAccountOpened(IntegrationEvent):
    event_type: ClassVar[str] = "LoyaltyAccountOpened"

    account_id: str
    customer_id: str
    tier: str
    points_balance: int
    opened_at: datetime
