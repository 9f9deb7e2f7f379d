"""Loyalty accounts, published by loyalty."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from contracts.envelope import IntegrationEvent


class LoyaltyAccountOpened(IntegrationEvent):
    event_type: ClassVar[str] = "LoyaltyAccountOpened"

    account_id: str
    customer_id: str
    tier: str
    points_balance: int
    opened_at: datetime


class TierChanged(IntegrationEvent):
    """A customer moved up or down the tiers (support uses it for SLAs)."""

    event_type: ClassVar[str] = "TierChanged"

    account_id: str
    customer_id: str
    tier: str
    previous_tier: str
    qualifying_purchases: Decimal = Field(ge=0, description="Rolling 12-month purchases")
    changed_at: datetime
