"""What support's read routes answer, as response models: the OpenAPI document
describes them and every answer passes through them.

They are the shapes the read models and aggregates return; members beyond those
listed are allowed, so a column a read model gains reaches clients before it is
described here.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Document(BaseModel):
    model_config = ConfigDict(extra="allow")


class CaseRow(Document):
    case_id: str
    customer_id: str | None
    status: str
    priority: str
    channel: str
    case_type: str
    subject: str
    team: str | None
    agent: str | None
    opened_at: datetime
    first_response_at: datetime | None
    first_response_seconds: float | None
    resolved_at: datetime | None
    resolution_seconds: float | None
    first_response_breached: bool
    resolution_breached: bool
    satisfaction: int | None


class CasePage(Document):
    items: list[CaseRow] = Field(description="Newest first")
    next: str | None = Field(description="Pass as ?cursor= for the next page")


class Customer(Document):
    customer_id: str
    name: str | None = Field(description="None while only a profile change without names is known")
    email: str | None
    phone: str | None
    erp_customer_number: str | None


class CustomerCases(Document):
    customer_id: str
    customer: Customer | None
    tier: str | None
    cases: list[CaseRow]


class Order(Document):
    order_id: str
    customer_id: str | None
    erp_customer_number: str | None
    placed_at: datetime
    channel: str
    currency: str
    total: Decimal
    lines: list[dict[str, Any]]
    status: str
    shipment_status: str | None
    shipment_id: str | None
    carrier: str | None
    tracking_number: str | None
    eta: date | None
    delay_reason: str | None
    delivered_at: datetime | None


class SlaClock(Document):
    clock: str = Field(description="first_response or resolution")
    target_minutes: float
    elapsed_minutes: float
    due_at: datetime | None = Field(description="None while the clock is paused")
    met: bool | None = Field(description="None while the clock runs")
    breached: bool


class ConversationEntry(Document):
    kind: str = Field(description="reply or note")
    author: str
    body: str
    at: datetime


class ClockCounts(Document):
    met: int
    breached: int
    in_progress: int


class SlaDashboard(Document):
    first_response: ClockCounts
    resolution: ClockCounts


class Performance(Document):
    """One agent's, team's or channel's figures (the member named as asked by ``by``)."""

    cases: int
    csat: float | None
    first_response_seconds: float | None
    resolution_seconds: float | None


class Policy(Document):
    name: str
    priority: str
    tier: str | None
    first_response_minutes: float
    resolution_minutes: float
    around_the_clock: bool
    days: list[int]
    opens: str
    closes: str
    timezone: str


class Team(Document):
    name: str
    channels: list[str]
    agents: list[str]
    lead: str
    strategy: str
    version: int
