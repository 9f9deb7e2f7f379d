"""Analytics' signals about customers (topic ``crm.analytics.signals.v1``, key = customer id).

Analytics publishes when its view of a customer changes materially, so loyalty
can make win-back and cross-sell offers and acquisition can prioritize. Each
signal is published once per change, not on every assessment.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from contracts.envelope import IntegrationEvent


class SegmentChanged(IntegrationEvent):
    """The customer moved to another RFM segment (e.g. from Loyal to At risk)."""

    event_type: ClassVar[str] = "SegmentChanged"

    customer_id: str
    segment: str = Field(description="e.g. Champions, Loyal, At risk, Hibernating, Lost")
    previous_segment: str | None = Field(description="None on the first assessment")
    rfm_score: str = Field(description="Recency, frequency and monetary quintiles, e.g. 545")
    assessed_at: datetime


class ChurnRiskRaised(IntegrationEvent):
    """The probability that the customer stopped buying crossed the threshold upwards."""

    event_type: ClassVar[str] = "ChurnRiskRaised"

    customer_id: str
    churn_risk: float = Field(ge=0, le=1, description="1 - P(alive) under the BG/NBD model")
    threshold: float = Field(gt=0, lt=1)
    assessed_at: datetime


class ChurnRiskCleared(IntegrationEvent):
    """A customer at risk bought again: the churn risk fell back below the threshold."""

    event_type: ClassVar[str] = "ChurnRiskCleared"

    customer_id: str
    churn_risk: float = Field(ge=0, le=1)
    threshold: float = Field(gt=0, lt=1)
    assessed_at: datetime


class ClvUpdated(IntegrationEvent):
    """The customer's predicted lifetime value moved materially."""

    event_type: ClassVar[str] = "ClvUpdated"

    customer_id: str
    lifetime_value: float = Field(ge=0, description="Discounted value of expected purchases")
    previous_lifetime_value: float | None = None
    expected_purchases: float = Field(ge=0, description="Over the same horizon")
    probability_alive: float = Field(ge=0, le=1)
    horizon_weeks: float = Field(gt=0)
    assessed_at: datetime
