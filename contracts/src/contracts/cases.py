"""Support cases, published by support."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from contracts.envelope import IntegrationEvent

Channel = Literal["phone", "email", "web", "chat", "store", "social"]
CaseType = Literal["pre_purchase", "order_status", "complaint", "return", "billing", "technical"]
Priority = Literal["low", "normal", "high", "urgent"]


class CaseOpened(IntegrationEvent):
    event_type: ClassVar[str] = "CaseOpened"

    case_id: str
    customer_id: str | None = None
    channel: Channel
    case_type: CaseType
    priority: Priority
    subject: str
    order_id: str | None = None
    opened_at: datetime
