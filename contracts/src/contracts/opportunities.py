"""Won deals, for the ERP to raise the sales order (topic ``crm.opportunities.v1``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from contracts.envelope import IntegrationEvent


class OpportunityLine(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    sku: str
    quantity: int = Field(gt=0)
    unit_price: Decimal = Field(ge=0)


class OpportunityWon(IntegrationEvent):
    event_type: ClassVar[str] = "OpportunityWon"

    opportunity_id: str
    customer_id: str
    erp_customer_number: str | None = None
    title: str
    amount: Decimal = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    owner: str
    lines: list[OpportunityLine] = Field(default_factory=list)
    expected_delivery: date | None = None
    won_at: datetime


class OpportunityLost(IntegrationEvent):
    event_type: ClassVar[str] = "OpportunityLost"

    opportunity_id: str
    customer_id: str | None = None
    reason: str
    lost_at: datetime


class OpportunityOpened(IntegrationEvent):
    """A deal entered a pipeline: the board and the forecast start counting it."""

    event_type: ClassVar[str] = "OpportunityOpened"

    opportunity_id: str
    customer_id: str | None = None
    lead_id: str | None = None
    campaign_id: str | None = None
    title: str
    pipeline: str
    stage: str
    probability: int = Field(ge=0, le=100)
    amount: Decimal = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    expected_close: date | None = None
    owner: str
    opened_at: datetime


class OpportunityStageChanged(IntegrationEvent):
    event_type: ClassVar[str] = "OpportunityStageChanged"

    opportunity_id: str
    stage: str
    probability: int = Field(ge=0, le=100)
    changed_at: datetime
