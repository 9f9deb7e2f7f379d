"""The programme's outstanding liability, for finance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from loyalty.views.projection import LoyaltyViews
from servicekit.auth import Principal, require
from servicekit.service import handler

routes = APIRouter(tags=["finance"])

Finance = Annotated[Principal, Depends(require("analyst", "marketing"))]
View = Annotated[LoyaltyViews, Depends(handler(LoyaltyViews))]


class CurrencyLiability(BaseModel):
    currency: str
    points: int
    value: str = Field(description="An amount: the points at what each costs the programme")


class TierLiability(BaseModel):
    tier: str | None
    currency: str | None = Field(description="None for accounts without an earning rule yet")
    accounts: int
    points: int
    value: str


class LiabilityOut(BaseModel):
    total: list[CurrencyLiability]
    by_tier: list[TierLiability]


@routes.get("/liability")
def liability(view: View, _: Finance) -> LiabilityOut:
    """Points available on every account, valued at what each point costs the programme."""
    return LiabilityOut.model_validate(view.summary())
