"""Which domain events support publishes, and in which contract shape."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from contracts import IntegrationEvent
from contracts.cases import CaseOpened
from support.domain.case import Case


def to_integration_event(event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    if isinstance(event, Case.Opened):
        return CaseOpened(
            case_id=str(event.originator_id),
            customer_id=event.customer_id,
            channel=str(event.channel),
            case_type=str(event.case_type),
            priority=str(event.priority),
            subject=event.subject,
            order_id=event.order_id,
            opened_at=event.timestamp,
        )
    return None
