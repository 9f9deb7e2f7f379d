"""Acquisition's HTTP routes: translate requests to commands and aggregates to JSON."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from acquisition.app import Acquisition
from acquisition.domain.customer import Customer
from acquisition.domain.errors import IllegalTransition
from acquisition.domain.lead import Lead, LeadSource, LeadStatus
from servicekit.auth import Principal, require
from servicekit.idempotency import IdempotencyKey, new_id
from servicekit.preconditions import IfMatch, expected_version
from servicekit.problems import Problem
from servicekit.service import application

routes = APIRouter()

Sales = Annotated[Principal, Depends(require("sales", "marketing"))]
Readers = Annotated[Principal, Depends(require("sales", "marketing", "support", "analyst"))]


App = Annotated[Acquisition, Depends(application(Acquisition))]


class LeadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    company: str | None = Field(default=None, max_length=200)
    source: LeadSource
    campaign_id: str | None = None


class LeadOut(BaseModel):
    lead_id: UUID
    version: int
    status: LeadStatus
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    company: str | None
    source: LeadSource
    campaign_id: str | None
    customer_id: UUID | None
    created_at: datetime
    modified_at: datetime

    @classmethod
    def of(cls, lead: Lead) -> LeadOut:
        return cls(
            lead_id=lead.id,
            version=lead.version,
            status=lead.status,
            first_name=lead.first_name,
            last_name=lead.last_name,
            email=lead.email,
            phone=lead.phone,
            company=lead.company,
            source=lead.source,
            campaign_id=lead.campaign_id,
            customer_id=lead.customer_id,
            created_at=lead.created_on,
            modified_at=lead.modified_on,
        )


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


def _located(response: Response, path: str, version: int) -> None:
    response.headers["Location"] = path
    response.headers["ETag"] = f'"{version}"'


@routes.post("/leads", status_code=status.HTTP_201_CREATED, tags=["leads"])
def capture_lead(
    body: LeadIn, app: App, _: Sales, response: Response, key: IdempotencyKey = None
) -> LeadOut:
    lead = app.capture_lead(
        new_id("lead", key),
        body.first_name,
        body.last_name,
        body.email,
        body.phone,
        body.company,
        body.source,
        body.campaign_id,
    )
    _located(response, f"/leads/{lead.id}", lead.version)
    return LeadOut.of(lead)


@routes.get("/leads/{lead_id}", tags=["leads"])
def get_lead(lead_id: UUID, app: App, _: Readers, response: Response) -> LeadOut:
    lead = app.lead(lead_id)
    response.headers["ETag"] = f'"{lead.version}"'
    return LeadOut.of(lead)


@routes.post("/leads/{lead_id}/convert", status_code=status.HTTP_201_CREATED, tags=["leads"])
def convert_lead(
    lead_id: UUID,
    app: App,
    _: Sales,
    response: Response,
    key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> CustomerOut:
    try:
        customer = app.convert_lead(lead_id, key, expected_version(if_match))
    except IllegalTransition as refusal:
        raise Problem(409, "Lead cannot be converted", str(refusal)) from None
    _located(response, f"/customers/{customer.id}", customer.version)
    return CustomerOut.of(customer)


@routes.post("/customers", status_code=status.HTTP_201_CREATED, tags=["customers"])
def register_customer(
    body: CustomerIn, app: App, _: Sales, response: Response, key: IdempotencyKey = None
) -> CustomerOut:
    customer = app.register_customer(
        new_id("customer", key),
        body.first_name,
        body.last_name,
        body.email,
        body.phone,
        body.company,
        body.birthday,
        body.source,
        body.erp_customer_number,
    )
    _located(response, f"/customers/{customer.id}", customer.version)
    return CustomerOut.of(customer)


@routes.get("/customers/{customer_id}", tags=["customers"])
def get_customer(customer_id: UUID, app: App, _: Readers, response: Response) -> CustomerOut:
    customer = app.customer(customer_id)
    response.headers["ETag"] = f'"{customer.version}"'
    return CustomerOut.of(customer)
