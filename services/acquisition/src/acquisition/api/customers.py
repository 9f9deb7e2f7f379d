"""Customer routes: the master record, registered directly or by conversion; search."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from acquisition.api.common import App, Readers, Sales, Views, located, tagged
from acquisition.domain.consent import Channel, Consent, Purpose
from acquisition.domain.customer import Customer
from acquisition.domain.errors import InvalidInput
from servicekit.bounds import Day, Moment
from servicekit.idempotency import IdempotencyKey, new_id
from servicekit.preconditions import IfMatch, expected_version

routes = APIRouter(tags=["customers"])


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    company: str | None = Field(default=None, max_length=200)
    birthday: Day | None = None
    source: str = Field(default="direct", max_length=40)
    erp_customer_number: str | None = Field(default=None, max_length=64)


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(default="home", pattern=r"^(home|billing|shipping|work)$")
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    postal_code: str = Field(min_length=1, max_length=20)
    city: str = Field(min_length=1, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    country: str = Field(pattern=r"^[A-Z]{2}$")


class ProfilePatch(BaseModel):
    """Only the fields sent change; lists replace the whole list (send [] to empty one)."""

    model_config = ConfigDict(extra="forbid")

    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    emails: list[EmailStr] | None = Field(default=None, max_length=10)
    phones: list[Annotated[str, Field(max_length=40)]] | None = Field(default=None, max_length=10)
    addresses: list[AddressIn] | None = Field(default=None, max_length=10)
    company: str | None = Field(default=None, max_length=200)
    birthday: Day | None = None
    preferred_channel: Channel | None = None

    def changes(self) -> dict[str, Any]:
        every = self.model_dump()  # exclude_unset would drop nested defaults too
        sent = {name: every[name] for name in sorted(self.model_fields_set)}
        for name, value in sent.items():
            if value is None:
                raise InvalidInput(name, "cannot be null: send a value (lists: [])")
        if "preferred_channel" in sent:
            sent["preferred_channel"] = str(sent["preferred_channel"])
        return sent


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Channel
    purpose: Purpose
    granted: bool
    source: str = Field(min_length=1, max_length=60, description="web_form, store, call...")
    given_at: Moment | None = Field(default=None, description="when said; default now")


class ConsentsIn(BaseModel):
    """The answers to record; a channel and purpose not listed keeps its last answer."""

    model_config = ConfigDict(extra="forbid")

    consents: list[ConsentIn] = Field(min_length=1, max_length=50)

    def answers(self, now: datetime) -> list[Consent]:
        return [
            Consent(
                channel=answer.channel.value,
                purpose=answer.purpose.value,
                granted=answer.granted,
                source=answer.source,
                given_at=(answer.given_at or now).astimezone(UTC).isoformat(),
            )
            for answer in self.consents
        ]


class CustomerMergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duplicate_id: UUID


class AddressOut(BaseModel):
    kind: str
    line1: str
    line2: str | None
    postal_code: str
    city: str
    region: str | None
    country: str


class ConsentOut(BaseModel):
    channel: str
    purpose: str
    granted: bool
    source: str
    given_at: datetime


class CustomerOut(BaseModel):
    customer_id: UUID
    version: int
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    emails: list[str]
    phones: list[str]
    addresses: list[AddressOut]
    company: str | None
    birthday: date | None
    preferred_channel: str | None
    consents: list[ConsentOut]
    merged_into: UUID | None
    merged_customers: list[UUID]
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
            emails=customer.emails,
            phones=customer.phones,
            addresses=[AddressOut(**address) for address in customer.addresses],
            company=customer.company,
            birthday=customer.birthday,
            preferred_channel=customer.preferred_channel,
            consents=[ConsentOut(**consent) for consent in customer.consents.values()],
            merged_into=customer.merged_into,
            merged_customers=customer.merged_customers,
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


@routes.patch("/customers/{customer_id}")
def change_profile(
    customer_id: UUID,
    body: ProfilePatch,
    app: App,
    _: Sales,
    response: Response,
    if_match: IfMatch = None,
) -> CustomerOut:
    """Published as CustomerProfileChanged with the changed fields only."""
    customer = app.change_customer_profile(customer_id, body.changes(), expected_version(if_match))
    tagged(response, customer.version)
    return CustomerOut.of(customer)


@routes.put("/customers/{customer_id}/consents")
def give_consents(
    customer_id: UUID,
    body: ConsentsIn,
    app: App,
    _: Sales,
    response: Response,
    if_match: IfMatch = None,
) -> CustomerOut:
    """Published as ConsentsChanged carrying every consent after the change."""
    answers = body.answers(datetime.now(UTC))
    customer = app.give_consents(customer_id, answers, expected_version(if_match))
    tagged(response, customer.version)
    return CustomerOut.of(customer)


@routes.post("/customers/{customer_id}/merge")
def merge_customers(
    customer_id: UUID,
    body: CustomerMergeIn,
    app: App,
    _: Sales,
    response: Response,
    key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> CustomerOut:
    """The duplicate merges into this customer; CustomerMerged tells the others to re-key."""
    customer = app.merge_customers(customer_id, body.duplicate_id, key, expected_version(if_match))
    tagged(response, customer.version)
    return CustomerOut.of(customer)
