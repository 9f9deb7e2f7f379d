"""Loyalty's HTTP routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel

from loyalty.app import Loyalty
from loyalty.domain.account import LoyaltyAccount, Tier
from servicekit.auth import Principal, require
from servicekit.service import application

routes = APIRouter()

Readers = Annotated[Principal, Depends(require("marketing", "sales", "support", "analyst"))]


App = Annotated[Loyalty, Depends(application(Loyalty))]


class AccountOut(BaseModel):
    account_id: UUID
    customer_id: str
    version: int
    tier: Tier
    points_balance: int
    opened_at: datetime

    @classmethod
    def of(cls, account: LoyaltyAccount) -> AccountOut:
        return cls(
            account_id=account.id,
            customer_id=account.customer_id,
            version=account.version,
            tier=account.tier,
            points_balance=account.points_balance,
            opened_at=account.created_on,
        )


@routes.get("/accounts/{customer_id}", tags=["accounts"])
def get_account(customer_id: str, app: App, _: Readers, response: Response) -> AccountOut:
    account = app.account_of(customer_id)
    response.headers["ETag"] = f'"{account.version}"'
    return AccountOut.of(account)
