"""Contribution margins per customer and per promotion, for finance and marketing.

How each part is reckoned is in :mod:`loyalty.domain.margins`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from loyalty.api import App
from loyalty.domain.margins import Margin
from loyalty.domain.promotions import Promotion
from servicekit.auth import Principal, require

routes = APIRouter(tags=["finance"])

Finance = Annotated[Principal, Depends(require("analyst", "marketing"))]
CENT = Decimal("0.01")


class MarginOut(BaseModel):
    currency: str
    orders: int = Field(description="Orders counted: not cancelled, in the currency")
    revenue: Decimal = Field(description="Order lines at the ERP's prices, net of returns")
    product_cost: Decimal = Field(description="Units kept at the ERP's unit cost of the sku")
    points_cost: Decimal = Field(description="Points given, less those reversed, at their value")
    discounts: Decimal = Field(description="What promotions took off the orders")
    gift_cost: Decimal = Field(description="Gifts given with a purchase, at their unit cost")
    margin: Decimal = Field(
        description="revenue - product_cost - points_cost - discounts - gift_cost"
    )
    lines_without_cost: int = Field(
        description="Lines whose sku has no known unit cost: they add no product cost, "
        "so the margin is overstated by their cost"
    )
    skus_without_cost: list[str]
    orders_in_other_currencies: int = Field(description="Left out: not in the currency")

    @classmethod
    def of(cls, margin: Margin) -> MarginOut:
        return cls(
            currency=margin.currency,
            orders=margin.orders,
            revenue=margin.revenue.quantize(CENT),
            product_cost=margin.product_cost.quantize(CENT),
            points_cost=margin.points_cost.quantize(CENT),
            discounts=margin.discounts.quantize(CENT),
            gift_cost=margin.gift_cost.quantize(CENT),
            margin=margin.margin.quantize(CENT),
            lines_without_cost=margin.lines_without_cost,
            skus_without_cost=list(margin.skus_without_cost),
            orders_in_other_currencies=margin.orders_in_other_currencies,
        )


class CustomerMarginOut(MarginOut):
    customer_id: str


class PromotionMarginOut(MarginOut):
    promotion_id: UUID
    name: str


def _promotion_out(promotion: Promotion, margin: Margin) -> PromotionMarginOut:
    return PromotionMarginOut(
        promotion_id=promotion.id, name=promotion.name, **MarginOut.of(margin).model_dump()
    )


@routes.get("/margins/customers/{customer_id}")
def customer_margin(customer_id: str, app: App, _: Finance) -> CustomerMarginOut:
    """What the customer's orders left once the goods, points, discounts and gifts are paid."""
    margin = app.customer_margin(customer_id)
    return CustomerMarginOut(customer_id=customer_id, **MarginOut.of(margin).model_dump())


@routes.get("/margins/promotions")
def promotion_margins(app: App, _: Finance) -> list[PromotionMarginOut]:
    """Every promotion, in the order drafted: the orders it was applied to and what it cost."""
    return [_promotion_out(p, m) for p, m in app.promotion_margins(app.promotions())]


@routes.get("/margins/promotions/{promotion_id}")
def promotion_margin(promotion_id: UUID, app: App, _: Finance) -> PromotionMarginOut:
    [(promotion, margin)] = app.promotion_margins([app.promotion(promotion_id)])
    return _promotion_out(promotion, margin)
