"""Loyalty's HTTP routes: translate requests to commands and aggregates to JSON."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from loyalty.app import Loyalty, utc_now
from loyalty.domain.account import InsufficientPoints, LoyaltyAccount, Tier
from loyalty.domain.ledger import Movement, MovementKind
from loyalty.domain.rules import EarningRules, ProgrammeRules
from loyalty.domain.tiers import DowngradePolicy, TierRules
from servicekit import jobs
from servicekit.auth import Principal, require
from servicekit.bounds import LONGEST_DAYS, Moment, Position
from servicekit.idempotency import IdempotencyKey
from servicekit.jobs import Job, Progress
from servicekit.problems import Problem
from servicekit.service import application

routes = APIRouter()

Readers = Annotated[Principal, Depends(require("marketing", "sales", "support", "analyst"))]
Agents = Annotated[Principal, Depends(require("marketing", "support"))]
Admins = Annotated[Principal, Depends(require("admin"))]
Marketing = Annotated[Principal, Depends(require("marketing"))]


App = Annotated[Loyalty, Depends(application(Loyalty))]

#: the most points one command moves: a manual correction, a reward's cost, a bonus
MOST_POINTS = 10_000_000
#: multipliers and points per unit of currency: generous, and far from overflowing a ledger
Rate = Annotated[Decimal, Field(ge=0, le=1000, max_digits=12, decimal_places=4)]
Name = Annotated[str, Field(min_length=1, max_length=64)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class AccountOut(BaseModel):
    account_id: UUID
    customer_id: str
    version: int
    tier: Tier
    tier_since: datetime
    points_balance: int = Field(description="Available points (the same as available_points)")
    available_points: int
    pending_points: int = Field(description="Earned on orders not paid yet")
    points_owed: int = Field(description="Taken back on returns beyond the balance")
    qualifying_purchases: Decimal = Field(description="Rolling purchases the tier is based on")
    opened_at: datetime

    @classmethod
    def of(cls, account: LoyaltyAccount, rules: TierRules) -> AccountOut:
        return cls(
            account_id=account.id,
            customer_id=account.customer_id,
            version=account.version,
            tier=account.tier,
            tier_since=account.tier_since,
            points_balance=account.points_balance,
            available_points=account.points_balance,
            pending_points=account.pending_points,
            points_owed=account.points_owed,
            qualifying_purchases=account.qualifying_purchases(utc_now(), rules),
            opened_at=account.created_on,
        )


class MovementOut(BaseModel):
    sequence: int
    kind: MovementKind
    points: int = Field(description="Signed: what the movement did to the balance")
    balance_after: int
    occurred_at: datetime
    reason: str
    order_id: str | None
    actor: str | None

    @classmethod
    def of(cls, movement: Movement) -> MovementOut:
        return cls(
            sequence=movement.sequence,
            kind=movement.kind,
            points=movement.points,
            balance_after=movement.balance_after,
            occurred_at=movement.occurred_at,
            reason=movement.reason,
            order_id=movement.order_id,
            actor=movement.actor,
        )


class StatementOut(BaseModel):
    customer_id: str
    available_points: int
    pending_points: int
    movements: list[MovementOut]
    next_cursor: int | None = Field(description="Pass as ?cursor= for the next page")


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points: int = Field(
        ge=-MOST_POINTS,
        le=MOST_POINTS,
        description="Positive to credit, negative to debit; never zero",
    )
    reason: str = Field(min_length=3, max_length=500)


class EarningRulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points_per_unit: Rate
    category_multipliers: dict[Name, Rate] = Field(default={}, max_length=1000)
    sku_multipliers: dict[Name, Rate] = Field(default={}, max_length=10_000)
    tier_multipliers: dict[Tier, Rate] = {}
    pending_until_paid: bool = True
    expiry_days: int | None = Field(default=365, gt=0, le=LONGEST_DAYS)
    point_value: Rate = Decimal("0.01")
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")

    def rules(self) -> EarningRules:
        defaults = EarningRules()
        return EarningRules(
            points_per_unit=self.points_per_unit,
            category_multipliers=self.category_multipliers,
            sku_multipliers=self.sku_multipliers,
            tier_multipliers={**defaults.tier_multipliers, **self.tier_multipliers},
            pending_until_paid=self.pending_until_paid,
            expiry_days=self.expiry_days,
            point_value=self.point_value,
            currency=self.currency,
        )

    @classmethod
    def of(cls, rules: EarningRules) -> EarningRulesIn:
        return cls(
            points_per_unit=rules.points_per_unit,
            category_multipliers=dict(rules.category_multipliers),
            sku_multipliers=dict(rules.sku_multipliers),
            tier_multipliers=dict(rules.tier_multipliers),
            pending_until_paid=rules.pending_until_paid,
            expiry_days=rules.expiry_days,
            point_value=rules.point_value,
            currency=rules.currency,
        )


class TierRulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    silver_above: Money
    gold_above: Money
    premium_above: Money
    window_days: int = Field(default=365, gt=0, le=LONGEST_DAYS)
    downgrade: DowngradePolicy = DowngradePolicy.AT_ANNIVERSARY
    days_below: int = Field(default=90, ge=0, le=LONGEST_DAYS)

    def rules(self) -> TierRules:
        return TierRules(**self.model_dump())

    @classmethod
    def of(cls, rules: TierRules) -> TierRulesIn:
        return cls(**rules.to_dict())


class ExpiryOut(BaseModel):
    as_of: datetime
    points_expired: int


def _invalid(error: ValueError) -> Problem:
    return Problem(422, "Invalid rules", str(error))


@routes.get("/accounts/{customer_id}", tags=["accounts"])
def get_account(customer_id: str, app: App, _: Readers, response: Response) -> AccountOut:
    account = app.account_of(customer_id)
    response.headers["ETag"] = f'"{account.version}"'
    return AccountOut.of(account, app.programme_rules().tiers)


@routes.get("/accounts/{customer_id}/statement", tags=["accounts"])
def get_statement(
    customer_id: str,
    app: App,
    _: Readers,
    order: Literal["newest", "oldest"] = "newest",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[Position | None, Query(description="A next_cursor from a page")] = None,
) -> StatementOut:
    """Every movement with the balance after it, as the customer sees it online."""
    account = app.account_of(customer_id)
    movements = account.movements
    if order == "newest":
        start = len(movements) if cursor is None else cursor
        page = movements[max(start - limit, 0) : start][::-1]
        next_cursor = page[-1].sequence - 1 if page and page[-1].sequence > 1 else None
    else:
        start = cursor or 0
        page = movements[start : start + limit]
        next_cursor = page[-1].sequence if page and page[-1].sequence < len(movements) else None
    return StatementOut(
        customer_id=account.customer_id,
        available_points=account.points_balance,
        pending_points=account.pending_points,
        movements=[MovementOut.of(m) for m in page],
        next_cursor=next_cursor,
    )


@routes.post(
    "/accounts/{customer_id}/adjustments", status_code=status.HTTP_201_CREATED, tags=["accounts"]
)
def adjust_points(
    customer_id: str,
    body: AdjustmentIn,
    app: App,
    principal: Agents,
    response: Response,
    key: IdempotencyKey = None,
) -> AccountOut:
    """A manual correction, recorded with its reason and the employee who made it."""
    if body.points == 0:
        raise Problem(422, "Invalid adjustment", "An adjustment moves at least one point.")
    request_id = None if key is None else f"{principal.subject}:{key}"
    try:
        account = app.adjust(customer_id, body.points, body.reason, principal.subject, request_id)
    except InsufficientPoints as refusal:
        raise Problem(409, "Not enough points", str(refusal)) from None
    response.headers["ETag"] = f'"{account.version}"'
    return AccountOut.of(account, app.programme_rules().tiers)


@routes.post("/accounts/expire", tags=["accounts"], status_code=status.HTTP_202_ACCEPTED)
def expire_points(
    request: Request,
    response: Response,
    app: App,
    principal: Admins,
    as_of: Annotated[
        Moment | None, Query(description="Expire as of this time (default: now), with a zone")
    ] = None,
) -> Job:
    """Housekeeping: expire due lots and review tiers on every account.

    Answers 202 with a job to follow at its Location; its result is an ExpiryOut."""
    moment = as_of or utc_now()

    def expire(progress: Progress) -> ExpiryOut:
        return ExpiryOut(as_of=moment, points_expired=app.expire_all(moment, progress))

    return jobs.start(request, response, "points-expiry", expire, principal)


@routes.get("/programme/earning", tags=["programme"])
def get_earning_rules(app: App, _: Readers) -> EarningRulesIn:
    return EarningRulesIn.of(app.programme_rules().earning)


@routes.put("/programme/earning", tags=["programme"])
def put_earning_rules(body: EarningRulesIn, app: App, _: Marketing) -> EarningRulesIn:
    try:
        rules: ProgrammeRules = app.change_earning_rules(body.rules())
    except ValueError as error:
        raise _invalid(error) from None
    return EarningRulesIn.of(rules.earning)


@routes.get("/tiers", tags=["programme"])
def get_tier_rules(app: App, _: Readers) -> TierRulesIn:
    return TierRulesIn.of(app.programme_rules().tiers)


@routes.put("/tiers", tags=["programme"])
def put_tier_rules(body: TierRulesIn, app: App, _: Marketing) -> TierRulesIn:
    try:
        rules = app.change_tier_rules(body.rules())
    except ValueError as error:
        raise _invalid(error) from None
    return TierRulesIn.of(rules.tiers)
