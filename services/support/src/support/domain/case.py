"""A support case (ticket): a customer's question or problem, from any channel."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WEB = "web"
    CHAT = "chat"
    STORE = "store"
    SOCIAL = "social"


class CaseType(StrEnum):
    PRE_PURCHASE = "pre_purchase"
    ORDER_STATUS = "order_status"
    COMPLAINT = "complaint"
    RETURN = "return"
    BILLING = "billing"
    TECHNICAL = "technical"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class CaseStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Case(Aggregate):
    TOPIC = "support:Case"  # pinned, like every event below: stored events survive renames

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "support:Case.Created"

    class Opened(Aggregate.Created):
        TOPIC = "support:Case.Opened"
        customer_id: str | None
        channel: str
        case_type: str
        priority: str
        subject: str
        description: str
        order_id: str | None

    @event(Opened)
    def __init__(
        self,
        id: UUID,
        customer_id: str | None,
        channel: str,
        case_type: str,
        priority: str,
        subject: str,
        description: str,
        order_id: str | None,
    ) -> None:
        self.customer_id = customer_id
        self.channel = Channel(channel)
        self.case_type = CaseType(case_type)
        self.priority = Priority(priority)
        self.subject = subject
        self.description = description
        self.order_id = order_id
        self.status = CaseStatus.NEW
