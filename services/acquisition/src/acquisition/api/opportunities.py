"""Opportunity routes: open a deal, move it through its pipeline, win or lose it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from acquisition.api.common import App, Readers, Sales, located, tagged
from acquisition.app import OpportunityDraft
from acquisition.domain.opportunity import LossReason, Opportunity, Outcome
from servicekit.bounds import Day
from servicekit.idempotency import IdempotencyKey, new_id
from servicekit.preconditions import IfMatch, expected_version

routes = APIRouter(tags=["opportunities"])


class OpportunityOpenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: UUID
    title: str = Field(min_length=1, max_length=200)
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    owner: str | None = Field(default=None, max_length=200)
    pipeline: str | None = Field(default=None, max_length=60)
    stage: str | None = Field(default=None, max_length=60)
    expected_close: Day | None = None


class StageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: str = Field(min_length=1, max_length=60)


class LostIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: LossReason
    note: str | None = Field(default=None, max_length=2000)


class OpportunityOut(BaseModel):
    opportunity_id: UUID
    version: int
    title: str
    customer_id: UUID | None
    lead_id: UUID | None
    pipeline: str
    stage: str
    probability: int
    amount: Decimal
    currency: str
    expected_close: date | None
    owner: str
    outcome: Outcome
    loss_reason: str | None
    opened_at: datetime

    @classmethod
    def of(cls, deal: Opportunity) -> OpportunityOut:
        return cls(
            opportunity_id=deal.id,
            version=deal.version,
            title=deal.title,
            customer_id=deal.customer_id,
            lead_id=deal.lead_id,
            pipeline=deal.pipeline,
            stage=deal.stage,
            probability=deal.probability,
            amount=deal.amount,
            currency=deal.currency,
            expected_close=deal.expected_close,
            owner=deal.owner,
            outcome=deal.outcome,
            loss_reason=deal.loss_reason,
            opened_at=deal.created_on,
        )


@routes.post("/opportunities", status_code=status.HTTP_201_CREATED)
def open_opportunity(
    body: OpportunityOpenIn, app: App, who: Sales, response: Response, key: IdempotencyKey = None
) -> OpportunityOut:
    draft = OpportunityDraft(**body.model_dump(exclude={"customer_id"}))
    deal = app.open_opportunity(
        new_id("opportunity", key), body.customer_id, draft, owner=who.subject
    )
    located(response, f"/opportunities/{deal.id}", deal.version)
    return OpportunityOut.of(deal)


@routes.get("/opportunities/{opportunity_id}")
def get_opportunity(
    opportunity_id: UUID, app: App, _: Readers, response: Response
) -> OpportunityOut:
    deal = app.opportunity(opportunity_id)
    tagged(response, deal.version)
    return OpportunityOut.of(deal)


@routes.post("/opportunities/{opportunity_id}/stage")
def move_stage(
    opportunity_id: UUID,
    body: StageIn,
    app: App,
    _: Sales,
    response: Response,
    key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> OpportunityOut:
    deal = app.move_opportunity(opportunity_id, body.stage, key, expected_version(if_match))
    tagged(response, deal.version)
    return OpportunityOut.of(deal)


@routes.post("/opportunities/{opportunity_id}/won")
def win(
    opportunity_id: UUID,
    app: App,
    _: Sales,
    response: Response,
    key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> OpportunityOut:
    """Won: published on crm.opportunities.v1 for the ERP to raise the sales order."""
    deal = app.win_opportunity(opportunity_id, key, expected_version(if_match))
    tagged(response, deal.version)
    return OpportunityOut.of(deal)


@routes.post("/opportunities/{opportunity_id}/lost")
def lose(
    opportunity_id: UUID,
    body: LostIn,
    app: App,
    _: Sales,
    response: Response,
    key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> OpportunityOut:
    deal = app.lose_opportunity(
        opportunity_id, body.reason, body.note, key, expected_version(if_match)
    )
    tagged(response, deal.version)
    return OpportunityOut.of(deal)
