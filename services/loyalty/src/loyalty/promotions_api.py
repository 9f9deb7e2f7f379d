"""Promotions over HTTP: draft, activate, pause, and evaluate a cart before checkout."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from loyalty.api import MOST_POINTS, App, Marketing, Money, Name, Readers
from loyalty.app import Loyalty, utc_now
from loyalty.domain.promotions import (
    Cart,
    CartLine,
    Effect,
    Promotion,
    PromotionKind,
    PromotionStatus,
    Terms,
)
from loyalty.domain.rewards import IllegalTransition
from servicekit.bounds import Moment
from servicekit.idempotency import IdempotencyKey, new_id
from servicekit.problems import Problem

routes = APIRouter()

#: units of one line of a cart, or bought and given by a promotion
MOST_UNITS = 10_000
Names = Annotated[list[Name], Field(max_length=1000)]
Price = Annotated[Decimal, Field(ge=0, le=10**9, max_digits=14, decimal_places=4)]


class TermsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_method: Name | None = None
    discount_percent: Decimal = Field(default=Decimal(0), ge=0, le=100, decimal_places=2)
    bonus_points: int = Field(default=0, ge=0, le=MOST_POINTS)
    multiplier: Decimal = Field(default=Decimal(1), ge=1, le=100, decimal_places=2)
    skus: Names = []
    categories: Names = []
    buy_sku: Name | None = None
    buy_quantity: int = Field(default=1, ge=1, le=MOST_UNITS)
    gift_sku: Name | None = None
    gift_quantity: int = Field(default=1, ge=1, le=MOST_UNITS)
    gift_cost: Money = Decimal(0)


class PromotionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: PromotionKind
    terms: TermsIn = TermsIn()
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    tiers: Names = []
    segments: Names = []
    channels: Names = []
    budget: Money | None = None
    per_customer_limit: int | None = Field(default=None, ge=1, le=MOST_UNITS)


class PromotionOut(BaseModel):
    promotion_id: UUID
    version: int
    name: str
    kind: PromotionKind
    status: PromotionStatus
    starts_at: datetime | None
    ends_at: datetime | None
    budget: Decimal | None
    spent: Decimal
    per_customer_limit: int | None

    @classmethod
    def of(cls, promotion: Promotion, spent: Decimal) -> PromotionOut:
        return cls(
            promotion_id=promotion.id,
            version=promotion.version,
            name=promotion.name,
            kind=promotion.kind,
            status=promotion.status,
            starts_at=promotion.starts_at,
            ends_at=promotion.ends_at,
            budget=promotion.budget,
            spent=spent,
            per_customer_limit=promotion.per_customer_limit,
        )


def _out(app: Loyalty, promotion: Promotion) -> PromotionOut:
    return PromotionOut.of(promotion, app.promotion_budget(promotion.id).spent)


class CartLineIn(BaseModel):
    sku: Name
    category: Name = "general"
    quantity: int = Field(gt=0, le=MOST_UNITS)
    unit_price: Price


class CartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: Name | None = None
    tier: Name | None = Field(default=None, description="Default: the customer's tier")
    segments: Names | None = Field(
        default=None, description="Default: the customer's current segment, as analytics said"
    )
    channel: Name
    payment_method: Name | None = None
    lines: list[CartLineIn] = Field(min_length=1, max_length=1000)
    at: Moment | None = None


class EffectOut(BaseModel):
    promotion_id: UUID
    name: str
    kind: PromotionKind
    discount: Decimal
    bonus_points: int
    points_multiplier: Decimal
    gift_sku: str | None
    gift_quantity: int

    @classmethod
    def of(cls, effect: Effect) -> EffectOut:
        return cls(**{k: v for k, v in effect.__dict__.items() if k != "cost"})


class EvaluationOut(BaseModel):
    effects: list[EffectOut]
    total_discount: Decimal
    bonus_points: int


@routes.post("/promotions", status_code=status.HTTP_201_CREATED, tags=["promotions"])
def draft_promotion(
    body: PromotionIn, app: App, _: Marketing, response: Response, key: IdempotencyKey = None
) -> PromotionOut:
    terms = Terms(
        **{
            **body.terms.model_dump(),
            "skus": frozenset(body.terms.skus),
            "categories": frozenset(body.terms.categories),
        }
    )
    request = {**body.model_dump(exclude={"terms"}), "terms": terms.to_dict()}
    try:
        promotion = app.draft_promotion(new_id("promotion", key), request)
    except ValueError as error:
        raise Problem(422, "Invalid promotion", str(error)) from None
    response.headers["ETag"] = f'"{promotion.version}"'
    return _out(app, promotion)


@routes.get("/promotions/{promotion_id}", tags=["promotions"])
def get_promotion(promotion_id: UUID, app: App, _: Readers) -> PromotionOut:
    return _out(app, app.promotion(promotion_id))


@routes.get("/promotions", tags=["promotions"])
def list_promotions(
    app: App, _: Readers, status: PromotionStatus | None = None
) -> list[PromotionOut]:
    """Every promotion in the order it was drafted; ``status`` keeps only those in it."""
    return [
        _out(app, promotion)
        for promotion in app.promotions()
        if status is None or promotion.status is status
    ]


class PerformanceOut(BaseModel):
    promotion_id: UUID
    name: str
    uses: int = Field(description="Orders it was applied to, less the cancelled ones")
    customers: int
    points: int = Field(
        description="Points it gave, net of what returns and cancellations took back"
    )
    points_given_back: int
    cost: Decimal = Field(description="What it costs: discounts, gifts and points at their value")
    revenue: Decimal = Field(description="The amount of the orders it was applied to")
    budget: Decimal | None
    budget_left: Decimal | None


@routes.get("/promotions/{promotion_id}/performance", tags=["promotions"])
def promotion_performance(promotion_id: UUID, app: App, _: Readers) -> PerformanceOut:
    promotion = app.promotion(promotion_id)
    budget = app.promotion_budget(promotion_id)
    return PerformanceOut(
        promotion_id=promotion.id,
        name=promotion.name,
        budget=promotion.budget,
        budget_left=budget.left(promotion),
        **budget.performance().__dict__,
    )


@routes.post("/promotions/{promotion_id}/activate", tags=["promotions"])
def activate_promotion(promotion_id: UUID, app: App, who: Marketing) -> PromotionOut:
    return _out(app, app.activate_promotion(promotion_id, who.subject))


@routes.post("/promotions/{promotion_id}/pause", tags=["promotions"])
def pause_promotion(promotion_id: UUID, app: App, who: Marketing) -> PromotionOut:
    try:
        return _out(app, app.pause_promotion(promotion_id, who.subject))
    except IllegalTransition as refusal:
        raise Problem(409, "Illegal transition", str(refusal)) from None


@routes.post("/promotions/evaluate", tags=["promotions"])
def evaluate_cart(body: CartIn, app: App, _: Readers) -> EvaluationOut:
    """The effects the running promotions would give this cart at checkout."""
    known = body.customer_id is not None and app.has_account(body.customer_id)
    account = app.account_of(str(body.customer_id)) if known else None
    tier = body.tier if body.tier is not None else (account.tier.value if account else "standard")
    if body.segments is not None:
        segments = frozenset(body.segments)
    else:
        segments = account.segments if account else frozenset()
    cart = Cart(
        customer_id=body.customer_id,
        tier=tier,
        segments=segments,
        channel=body.channel,
        payment_method=body.payment_method,
        lines=tuple(CartLine(**line.model_dump()) for line in body.lines),
        at=body.at or utc_now(),
    )
    effects = app.evaluate_cart(cart)
    return EvaluationOut(
        effects=[EffectOut.of(e) for e in effects],
        total_discount=sum((e.discount for e in effects), Decimal(0)),
        bonus_points=sum(e.bonus_points for e in effects),
    )
