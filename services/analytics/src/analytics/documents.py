"""What analytics' read routes answer, as response models: the OpenAPI document
describes them and every answer passes through them.

The customer 360 is the shape :meth:`Customer360.view` returns. Its documents
admit members beyond those listed, so a member the projection adds reaches
clients before it is described here.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Document(BaseModel):
    model_config = ConfigDict(extra="allow")


class Profile(Document):
    customer_id: str
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    company: str | None
    birthday: date | None
    source: str | None
    lead_id: str | None
    campaign_id: str | None
    erp_customer_number: str | None
    registered_at: datetime | None


class Consent(Document):
    channel: str
    purpose: str
    granted: bool
    source: str
    given_at: datetime


class LoyaltyAccount(Document):
    customer_id: str
    account_id: str
    tier: str | None = Field(description="None until loyalty's opening or a tier change arrives")
    points_balance: int
    opened_at: datetime | None


class Purchases(Document):
    orders: int = Field(description="Orders not cancelled")
    total_spent: str = Field(description="An amount: what was kept after returns")
    average_order_value: str | None
    last_purchase_at: datetime | None
    favourite_categories: list[str] = Field(description="By amount kept, at most three")


class PaymentBehaviour(Document):
    invoices_paid: int
    invoices_overdue: int
    max_days_overdue: int


class Opportunity(Document):
    opportunity_id: str
    customer_id: str | None
    title: str | None
    stage: str | None
    probability: int | None
    amount: Decimal | None
    currency: str | None
    status: str
    opened_at: datetime | None
    closed_at: datetime | None


class Case(Document):
    case_id: str
    customer_id: str | None
    status: str
    channel: str | None
    case_type: str | None
    priority: str | None
    subject: str | None
    opened_at: datetime | None
    first_response_at: datetime | None
    sla_breached: bool | None
    satisfaction: int | None


class Satisfaction(Document):
    rated: int
    average: float | None


class Cases(Document):
    open: int
    total: int
    satisfaction: Satisfaction
    items: list[Case] = Field(description="Newest first")


class Assessment(Document):
    segment: str
    rfm_score: str
    probability_alive: float
    churn_risk: float
    expected_purchases: float
    lifetime_value: float
    assessed_at: datetime


class Customer360(Document):
    """Everything known of one customer, from every service's and the ERP's events."""

    customer_id: str
    profile: Profile | None
    consents: list[Consent]
    erased_at: datetime | None
    loyalty: LoyaltyAccount | None
    purchases: Purchases
    payment_behaviour: PaymentBehaviour
    open_opportunities: list[Opportunity]
    cases: Cases
    assessment: Assessment | None = Field(
        default=None, description="The latest assessment; in answers about now only"
    )
    as_of: datetime | None = Field(
        default=None, description="The moment asked for; in answers about the past only"
    )

    @classmethod
    def json_of(cls, view: dict[str, Any]) -> bytes:
        """The answer's body: the view through this model, its members as the view has
        them (a live answer has no ``as_of``, one about the past no ``assessment``)."""
        return cls.model_validate(view).model_dump_json(exclude_unset=True).encode()


class TimelineEntry(Document):
    id: str = Field(description="The event's id")
    type: str
    time: datetime
    source: str
    subject: str
    topic: str
    data: dict[str, Any]


class Timeline(Document):
    customer_id: str
    items: list[TimelineEntry] = Field(description="Newest first")
    next: str | None = Field(description="Pass as ?after= for the next page")


class UnresolvedOrder(Document):
    erp_customer_number: str
    event_type: str
    subject: str
    topic: str
    offset: int
    parked_at: datetime


class Segment(Document):
    segment: str
    customers: int
    lifetime_value: float


class Member(Document):
    customer_id: str
    segment: str
    rfm_score: str
    probability_alive: float
    churn_risk: float
    expected_purchases: float
    lifetime_value: float
    assessed_at: datetime


class Members(Document):
    segment: str
    items: list[Member]
    next: str | None = Field(description="Pass as ?after= for the next page")


class KeyFigures(Document):
    """The period's figures by area; each area's figures as :mod:`analytics.domain.kpis`
    reckons them."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    start: datetime | None = Field(alias="from", description="None: from the beginning")
    end: datetime = Field(alias="to")
    acquisition: dict[str, Any]
    pipeline: dict[str, Any]
    orders: dict[str, Any]
    retention_by_cohort: list[dict[str, Any]]
    loyalty: dict[str, Any]
    service: dict[str, Any]
