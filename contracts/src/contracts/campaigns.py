"""Marketing campaigns, their budgets and actual costs (topic ``crm.campaigns.v1``).

Acquisition joins them with the leads they brought into campaign results;
analytics can do the same for marketing return on investment.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from contracts.envelope import IntegrationEvent


class CampaignLaunched(IntegrationEvent):
    """A campaign was planned: its channel, period and budget."""

    event_type: ClassVar[str] = "CampaignLaunched"

    campaign_id: str
    name: str
    channel: str
    starts_on: date
    ends_on: date | None = None
    budget: Decimal = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    launched_at: datetime


class CampaignCostRecorded(IntegrationEvent):
    """A cost was booked on a campaign; ``actual_cost`` is the running total after it."""

    event_type: ClassVar[str] = "CampaignCostRecorded"

    campaign_id: str
    amount: Decimal = Field(gt=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    incurred_on: date
    actual_cost: Decimal = Field(ge=0)
    recorded_at: datetime
