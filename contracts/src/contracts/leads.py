"""Leads, published by acquisition for analytics (sources, conversion)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from contracts.envelope import IntegrationEvent


class LeadCaptured(IntegrationEvent):
    event_type: ClassVar[str] = "LeadCaptured"

    lead_id: str
    source: str
    campaign_id: str | None = None
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    captured_at: datetime


class LeadConverted(IntegrationEvent):
    event_type: ClassVar[str] = "LeadConverted"

    lead_id: str
    customer_id: str
    source: str
    campaign_id: str | None = None
    converted_at: datetime
