"""Customer routes: the master record, registered directly or by conversion; search."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from acquisition.api.common import App, Readers, Sales, Views, located, tagged
from acquisition.domain.customer import Customer
from servicekit.idempotency import IdempotencyKey, new_id

routes = APIRouter(tags=["customers"])


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    company: str | None = Field(default=None, max_length=200)
    birthday: date | None = None
    source: str = Field(default="direct", max_length=40)
    erp_customer_number: str | None = None


class CustomerOut(BaseModel):
    customer_id: UUID
    version: int
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    company: str | None
    birthday: date | None
    source: str
    lead_id: UUID | None
    campaign_id: str | None
    erp_customer_number: str | None
    registered_at: datetime

    @classmethod
    def of(cls, customer: Customer) -> CustomerOut:
        return cls(
            customer_id=customer.id,
            version=customer.version,
            first_name=customer.first_name,
            last_name=customer.last_name,
            email=customer.email,
            phone=customer.phone,
            company=customer.company,
            birthday=customer.birthday,
            source=customer.source,
            lead_id=customer.lead_id,
            campaign_id=customer.campaign_id,
            erp_customer_number=customer.erp_customer_number,
            registered_at=customer.created_on,
        )


class CustomerHit(BaseModel):
    customer_id: str
    first_name: str
    last_name: str
    company: str | None
    email: str | None
    phone: str | None


@routes.post("/customers", status_code=status.HTTP_201_CREATED)
def register_customer(
    body: CustomerIn, app: App, _: Sales, response: Response, key: IdempotencyKey = None
) -> CustomerOut:
    customer = app.register_customer(new_id("customer", key), **body.model_dump())
    located(response, f"/customers/{customer.id}", customer.version)
    return CustomerOut.of(customer)


@routes.get("/customers")
def search_customers(
    views: Views,
    _: Readers,
    q: Annotated[str, Query(min_length=2, max_length=320)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[CustomerHit]:
    """By e-mail, phone (E.164) or a part of the name, from the read model."""
    rows: list[dict[str, Any]] = views.customers(q, limit)
    return [CustomerHit(**row) for row in rows]


@routes.get("/customers/{customer_id}")
def get_customer(customer_id: UUID, app: App, _: Readers, response: Response) -> CustomerOut:
    customer = app.customer(customer_id)
    tagged(response, customer.version)
    return CustomerOut.of(customer)
