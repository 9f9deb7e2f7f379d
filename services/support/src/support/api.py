"""Support's HTTP routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, ConfigDict, Field

from servicekit.auth import Principal, require
from servicekit.idempotency import IdempotencyKey, new_id
from servicekit.problems import Problem
from servicekit.service import application, handler
from support.app import Support
from support.domain.case import Case, CaseStatus, CaseType, Channel, Priority
from support.views.projection import SupportViews

routes = APIRouter()

Agents = Annotated[Principal, Depends(require("support"))]
Readers = Annotated[Principal, Depends(require("support", "sales", "analyst"))]


App = Annotated[Support, Depends(application(Support))]
Views = Annotated[SupportViews, Depends(handler(SupportViews))]


class CaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str | None = Field(default=None, max_length=64)
    channel: Channel
    case_type: CaseType
    priority: Priority = Priority.NORMAL
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    order_id: str | None = Field(default=None, max_length=64)


class CaseOut(BaseModel):
    case_id: UUID
    version: int
    status: CaseStatus
    customer_id: str | None
    customer: dict[str, Any] | None
    channel: Channel
    case_type: CaseType
    priority: Priority
    subject: str
    description: str
    order_id: str | None
    opened_at: datetime

    @classmethod
    def of(cls, case: Case, customer: dict[str, Any] | None) -> CaseOut:
        return cls(
            case_id=case.id,
            version=case.version,
            status=case.status,
            customer_id=case.customer_id,
            customer=customer,
            channel=case.channel,
            case_type=case.case_type,
            priority=case.priority,
            subject=case.subject,
            description=case.description,
            order_id=case.order_id,
            opened_at=case.created_on,
        )


@routes.post("/cases", status_code=status.HTTP_201_CREATED, tags=["cases"])
def open_case(
    body: CaseIn,
    app: App,
    views: Views,
    _: Agents,
    response: Response,
    key: IdempotencyKey = None,
) -> CaseOut:
    case = app.open_case(
        new_id("case", key),
        body.customer_id,
        body.channel,
        body.case_type,
        body.priority,
        body.subject,
        body.description,
        body.order_id,
    )
    response.headers["Location"] = f"/cases/{case.id}"
    response.headers["ETag"] = f'"{case.version}"'
    return CaseOut.of(case, views.customer(case.customer_id) if case.customer_id else None)


@routes.get("/cases/{case_id}", tags=["cases"])
def get_case(case_id: UUID, app: App, views: Views, _: Readers, response: Response) -> CaseOut:
    case = app.case(case_id)
    response.headers["ETag"] = f'"{case.version}"'
    return CaseOut.of(case, views.customer(case.customer_id) if case.customer_id else None)


@routes.get("/orders/{order_id}", tags=["orders"])
def where_is_my_order(order_id: str, views: Views, _: Readers) -> dict[str, Any]:
    """The order and its shipment as the ERP last reported them."""
    found = views.order(order_id)
    if found is None:
        raise Problem(404, "Not found", f"Support knows no order {order_id} (yet).")
    return found
