"""The rewards catalogue and redemptions over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from loyalty.api import MOST_POINTS, Agents, App, Marketing, Readers
from loyalty.app import utc_now
from loyalty.domain.account import InsufficientPoints
from loyalty.domain.rewards import (
    IllegalTransition,
    OutOfStock,
    Redemption,
    RedemptionStatus,
    Reward,
    RewardUnavailable,
)
from servicekit.bounds import Moment, Position
from servicekit.idempotency import IdempotencyKey, new_id
from servicekit.problems import Problem

routes = APIRouter()

#: units of a reward catalogued or restocked at once
MOST_UNITS = 1_000_000


class RewardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    points_cost: int = Field(gt=0, le=MOST_POINTS, description="Points one unit costs")
    stock: int = Field(ge=0, le=MOST_UNITS, description="Units that can be redeemed")
    valid_from: Moment | None = None
    valid_until: Moment | None = None

    @model_validator(mode="after")
    def ends_after_it_starts(self) -> RewardIn:
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        return self


class RewardOut(BaseModel):
    reward_id: UUID
    version: int
    name: str
    description: str
    points_cost: int
    stock: int = Field(description="Units free to redeem now")
    reserved: int = Field(description="Units held by redemptions not fulfilled yet")
    handed_over: int
    valid_from: datetime | None
    valid_until: datetime | None
    available: bool = Field(description="Valid now and in stock")

    @classmethod
    def of(cls, reward: Reward) -> RewardOut:
        return cls(
            reward_id=reward.id,
            version=reward.version,
            name=reward.name,
            description=reward.description,
            points_cost=reward.points_cost,
            stock=reward.stock,
            reserved=sum(reward.reserved.values()),
            handed_over=reward.handed_over,
            valid_from=reward.valid_from,
            valid_until=reward.valid_until,
            available=reward.stock > 0 and reward.is_valid_at(utc_now()),
        )


class RewardPage(BaseModel):
    rewards: list[RewardOut]
    next_cursor: int | None = Field(description="Pass as ?cursor= for the next page")


class RestockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: int = Field(gt=0, le=MOST_UNITS)


class RedemptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reward_id: UUID
    quantity: int = Field(default=1, gt=0, le=100)


class CancellationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="cancelled", min_length=3, max_length=500)


class RedemptionOut(BaseModel):
    redemption_id: UUID
    version: int
    customer_id: str
    reward_id: UUID
    quantity: int
    points: int
    status: RedemptionStatus
    requested_at: datetime
    requested_by: str | None
    closed_at: datetime | None
    closed_by: str | None
    cancel_reason: str | None

    @classmethod
    def of(cls, redemption: Redemption) -> RedemptionOut:
        return cls(
            redemption_id=redemption.id,
            version=redemption.version,
            customer_id=redemption.customer_id,
            reward_id=UUID(redemption.reward_id),
            quantity=redemption.quantity,
            points=redemption.points,
            status=redemption.status,
            requested_at=redemption.requested_at,
            requested_by=redemption.requested_by,
            closed_at=redemption.closed_at,
            closed_by=redemption.closed_by,
            cancel_reason=redemption.cancel_reason,
        )


def _tagged(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


@routes.post("/rewards", status_code=status.HTTP_201_CREATED, tags=["rewards"])
def catalogue_reward(
    body: RewardIn, app: App, _: Marketing, response: Response, key: IdempotencyKey = None
) -> RewardOut:
    reward = app.catalogue_reward(new_id("reward", key), **body.model_dump())
    _tagged(response, reward.version)
    return RewardOut.of(reward)


@routes.get("/rewards", tags=["rewards"])
def list_rewards(
    app: App,
    _: Readers,
    available: Annotated[bool | None, Query(description="Only those redeemable now")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[Position | None, Query(description="A next_cursor from a page")] = None,
) -> RewardPage:
    page = app.rewards(cursor, limit)
    shown = [RewardOut.of(reward) for _, reward in page]
    if available is not None:
        shown = [reward for reward in shown if reward.available is available]
    return RewardPage(rewards=shown, next_cursor=page[-1][0] if len(page) == limit else None)


@routes.get("/rewards/{reward_id}", tags=["rewards"])
def get_reward(reward_id: UUID, app: App, _: Readers, response: Response) -> RewardOut:
    reward = app.reward(reward_id)
    _tagged(response, reward.version)
    return RewardOut.of(reward)


@routes.post("/rewards/{reward_id}/restock", tags=["rewards"])
def restock_reward(
    reward_id: UUID, body: RestockIn, app: App, _: Marketing, response: Response
) -> RewardOut:
    reward = app.restock(reward_id, body.quantity)
    _tagged(response, reward.version)
    return RewardOut.of(reward)


@routes.post(
    "/accounts/{customer_id}/redemptions",
    status_code=status.HTTP_201_CREATED,
    tags=["rewards"],
)
def redeem(
    customer_id: str,
    body: RedemptionIn,
    app: App,
    principal: Agents,
    response: Response,
    key: IdempotencyKey = None,
) -> RedemptionOut:
    """Reserve the customer's points and the reward's stock; 409 when either falls short."""
    try:
        redemption = app.redeem(
            new_id("redemption", key), customer_id, body.reward_id, body.quantity, principal.subject
        )
    except InsufficientPoints as refusal:
        raise Problem(409, "Not enough points", str(refusal)) from None
    except OutOfStock as refusal:
        raise Problem(409, "Out of stock", str(refusal)) from None
    except RewardUnavailable as refusal:
        raise Problem(409, "Reward not available", str(refusal)) from None
    _tagged(response, redemption.version)
    return RedemptionOut.of(redemption)


@routes.get("/redemptions/{redemption_id}", tags=["rewards"])
def get_redemption(redemption_id: UUID, app: App, _: Readers, response: Response) -> RedemptionOut:
    redemption = app.redemption(redemption_id)
    _tagged(response, redemption.version)
    return RedemptionOut.of(redemption)


@routes.post("/redemptions/{redemption_id}/fulfil", tags=["rewards"])
def fulfil_redemption(
    redemption_id: UUID, app: App, principal: Agents, response: Response
) -> RedemptionOut:
    """The customer has the reward; fulfilling again changes nothing."""
    try:
        redemption = app.fulfil_redemption(redemption_id, principal.subject)
    except IllegalTransition as refusal:
        raise Problem(409, "Illegal transition", str(refusal)) from None
    _tagged(response, redemption.version)
    return RedemptionOut.of(redemption)


@routes.post("/redemptions/{redemption_id}/cancel", tags=["rewards"])
def cancel_redemption(
    redemption_id: UUID,
    app: App,
    principal: Agents,
    response: Response,
    body: CancellationIn | None = None,
) -> RedemptionOut:
    """Points back to the customer, units back to the stock; cancelling again changes nothing."""
    reason = (body or CancellationIn()).reason
    try:
        redemption = app.cancel_redemption(redemption_id, reason, principal.subject)
    except IllegalTransition as refusal:
        raise Problem(409, "Illegal transition", str(refusal)) from None
    _tagged(response, redemption.version)
    return RedemptionOut.of(redemption)
