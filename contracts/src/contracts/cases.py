"""Support cases, published by support."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

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


class CaseAssigned(IntegrationEvent):
    event_type: ClassVar[str] = "CaseAssigned"

    case_id: str
    agent: str
    team: str | None = None
    assigned_at: datetime


class CaseCustomerLinked(IntegrationEvent):
    """An unknown contact's case now belongs to a known customer."""

    event_type: ClassVar[str] = "CaseCustomerLinked"

    case_id: str
    customer_id: str
    linked_at: datetime


class CaseReplied(IntegrationEvent):
    """A public reply (its text stays in support); the first agent reply is the first response."""

    event_type: ClassVar[str] = "CaseReplied"

    case_id: str
    by_customer: bool
    first_response: bool
    author: str
    replied_at: datetime


CaseStatus = Literal["new", "open", "pending", "resolved", "closed"]


class CaseStatusChanged(IntegrationEvent):
    event_type: ClassVar[str] = "CaseStatusChanged"

    case_id: str
    status: CaseStatus
    reason: str | None = None
    changed_at: datetime


class CasePriorityRaised(IntegrationEvent):
    event_type: ClassVar[str] = "CasePriorityRaised"

    case_id: str
    priority: Priority
    reason: str
    raised_at: datetime


SlaClock = Literal["first_response", "resolution"]


class CaseSlaWarning(IntegrationEvent):
    event_type: ClassVar[str] = "CaseSlaWarning"

    case_id: str
    clock: SlaClock
    due_at: datetime | None = None
    warned_at: datetime


class CaseSlaBreached(IntegrationEvent):
    event_type: ClassVar[str] = "CaseSlaBreached"

    case_id: str
    clock: SlaClock
    breached_at: datetime


class SatisfactionRecorded(IntegrationEvent):
    """The customer's score after resolution; ``save_offer_requested`` when a complaint
    scored low: loyalty makes a save offer, analytics counts it."""

    event_type: ClassVar[str] = "SatisfactionRecorded"

    case_id: str
    customer_id: str | None = None
    case_type: CaseType
    score: int = Field(ge=1, le=5)
    comment: str | None = None
    save_offer_requested: bool
    recorded_at: datetime
