"""Customer master data, published by acquisition for the ERP and the other services."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from contracts.emails import Email
from contracts.envelope import IntegrationEvent


class CustomerRegistered(IntegrationEvent):
    event_type: ClassVar[str] = "CustomerRegistered"

    customer_id: str
    first_name: str
    last_name: str
    email: Email | None = None
    phone: str | None = None
    company: str | None = None
    birthday: date | None = None
    source: str
    lead_id: str | None = None
    campaign_id: str | None = None
    erp_customer_number: str | None = None
    registered_at: datetime


class PostalAddress(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: str = Field(description="home, billing, shipping, work")
    line1: str
    line2: str | None = None
    postal_code: str
    city: str
    region: str | None = None
    country: str = Field(description="ISO 3166-1 alpha-2")


class CustomerProfileChanged(IntegrationEvent):
    """Only the fields that changed are set; ``email`` and ``phone`` are the primary ones."""

    event_type: ClassVar[str] = "CustomerProfileChanged"

    customer_id: str
    first_name: str | None = None
    last_name: str | None = None
    email: Email | None = None
    phone: str | None = None
    company: str | None = None
    birthday: date | None = None
    erp_customer_number: str | None = None
    emails: list[str] | None = None
    phones: list[str] | None = None
    addresses: list[PostalAddress] | None = None
    preferred_channel: str | None = None
    changed_at: datetime


class CustomerMerged(IntegrationEvent):
    """Two records were one person: the survivor keeps both histories; re-key to it."""

    event_type: ClassVar[str] = "CustomerMerged"

    customer_id: str
    merged_customer_id: str
    merged_at: datetime


class CustomerErased(IntegrationEvent):
    """The customer exercised the right to erasure: forget their personal data."""

    event_type: ClassVar[str] = "CustomerErased"

    customer_id: str
    erased_at: datetime


class Consent(BaseModel):
    """Whether the customer may be contacted over a channel for a purpose, and who said so."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    channel: str = Field(description="email, sms, phone, post, push...")
    purpose: str = Field(description="marketing, newsletter, surveys, profiling...")
    granted: bool
    source: str = Field(description="where the customer gave or withdrew it: web_form, store...")
    given_at: datetime


class ConsentsChanged(IntegrationEvent):
    """The customer's consents after the change, every channel and purpose."""

    event_type: ClassVar[str] = "ConsentsChanged"

    customer_id: str
    consents: list[Consent] = Field(default_factory=list)
    changed_at: datetime
