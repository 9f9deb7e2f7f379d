"""Campaign routes: plan a campaign, book its costs, read its results."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from acquisition.api.common import App, Readers, Sales, Views, located, tagged
from acquisition.app import CampaignPlan
from acquisition.domain.campaign import Campaign, Channel
from acquisition.views.campaigns import CampaignResults
from servicekit.bounds import Day
from servicekit.idempotency import IdempotencyKey, new_id
from servicekit.preconditions import IfMatch, expected_version

routes = APIRouter(tags=["campaigns"])

Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    channel: Channel
    starts_on: Day
    ends_on: Day | None = None
    budget: Money = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")

    def plan(self) -> CampaignPlan:
        return CampaignPlan(**self.model_dump())


class CostIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Money = Field(gt=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    incurred_on: Day
    note: str | None = Field(default=None, max_length=2000)


class CampaignOut(BaseModel):
    campaign_id: UUID
    version: int
    name: str
    channel: Channel
    starts_on: date
    ends_on: date | None
    budget: Decimal
    actual_cost: Decimal
    currency: str
    over_budget: bool

    @classmethod
    def of(cls, campaign: Campaign) -> CampaignOut:
        return cls(
            campaign_id=campaign.id,
            version=campaign.version,
            name=campaign.name,
            channel=campaign.channel,
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
            budget=campaign.budget,
            actual_cost=campaign.actual_cost,
            currency=campaign.currency,
            over_budget=campaign.over_budget,
        )


class CampaignResultsOut(BaseModel):
    campaign_id: str
    name: str
    channel: str
    starts_on: date
    ends_on: date | None
    currency: str
    budget: Decimal
    actual_cost: Decimal
    leads: int
    qualified: int
    converted: int
    cost_per_lead: Decimal | None
    cost_per_acquired_customer: Decimal | None

    @classmethod
    def of(cls, results: CampaignResults) -> CampaignResultsOut:
        return cls(
            campaign_id=results.campaign_id,
            name=results.name,
            channel=results.channel,
            starts_on=results.starts_on,
            ends_on=results.ends_on,
            currency=results.currency,
            budget=results.budget,
            actual_cost=results.actual_cost,
            leads=results.leads,
            qualified=results.qualified,
            converted=results.converted,
            cost_per_lead=results.cost_per_lead,
            cost_per_acquired_customer=results.cost_per_acquired_customer,
        )


@routes.post("/campaigns", status_code=status.HTTP_201_CREATED)
def launch_campaign(
    body: CampaignIn, app: App, _: Sales, response: Response, key: IdempotencyKey = None
) -> CampaignOut:
    """Leads captured with this campaign's id as ``campaign_id`` are attributed to it."""
    campaign = app.launch_campaign(new_id("campaign", key), body.plan())
    located(response, f"/campaigns/{campaign.id}", campaign.version)
    return CampaignOut.of(campaign)


@routes.get("/campaigns/{campaign_id}")
def get_campaign(campaign_id: UUID, app: App, _: Readers, response: Response) -> CampaignOut:
    campaign = app.campaign(campaign_id)
    tagged(response, campaign.version)
    return CampaignOut.of(campaign)


@routes.post("/campaigns/{campaign_id}/costs")
def record_cost(
    campaign_id: UUID,
    body: CostIn,
    app: App,
    _: Sales,
    response: Response,
    key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> CampaignOut:
    """Book an invoice or expense; the actual cost is the sum of those booked."""
    campaign = app.record_campaign_cost(
        campaign_id,
        body.amount,
        body.currency,
        body.incurred_on,
        body.note,
        key,
        expected_version(if_match),
    )
    tagged(response, campaign.version)
    return CampaignOut.of(campaign)


@routes.get("/campaigns/{campaign_id}/results")
def campaign_results(
    campaign_id: UUID,
    app: App,
    views: Views,
    _: Readers,
    wait_ms: Annotated[int, Query(ge=0, le=30_000, description="wait for the read model")] = 0,
) -> CampaignResultsOut:
    """Leads, qualified, converted, cost per lead and per acquired customer (a read model)."""
    app.campaign(campaign_id)  # 404 for a campaign nobody launched
    key = str(campaign_id)
    found = views.wait_for(key, lambda: views.campaign_results(key), wait_ms / 1000)
    if found is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            "the campaign is not in the results yet; retry, or ask with wait_ms",
        )
    return CampaignResultsOut.of(found)
