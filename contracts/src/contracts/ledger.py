"""Every points movement with its monetary value.

Topic ``crm.loyalty.ledger.v1``, key = account id.

The ERP books the programme's liability (points issued and not yet redeemed or
expired) and its cost from these events.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from contracts.envelope import IntegrationEvent


class _PointsMovement(IntegrationEvent):
    account_id: str
    customer_id: str
    points: int = Field(gt=0, description="Always positive; the event type gives the sign")
    monetary_value: Decimal = Field(ge=0, description="What the points are worth to the customer")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    balance_after: int
    occurred_at: datetime


class PointsIssued(_PointsMovement):
    event_type: ClassVar[str] = "PointsIssued"

    order_id: str | None = None
    reason: str


class PointsReversed(_PointsMovement):
    event_type: ClassVar[str] = "PointsReversed"

    order_id: str | None = None
    reason: str


class PointsRedeemed(_PointsMovement):
    event_type: ClassVar[str] = "PointsRedeemed"

    redemption_id: str
    reward_id: str | None = None


class PointsExpired(_PointsMovement):
    event_type: ClassVar[str] = "PointsExpired"


class PointsReturned(_PointsMovement):
    """A cancelled redemption's points, back on the balance at the value they left with:
    the ERP reverses the cost it booked for the PointsRedeemed of the same redemption."""

    event_type: ClassVar[str] = "PointsReturned"

    redemption_id: str
    reward_id: str | None = None
    reason: str
