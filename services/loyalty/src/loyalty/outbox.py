"""Which domain events loyalty publishes, and in which contract shape."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from contracts import IntegrationEvent
from contracts.loyalty import LoyaltyAccountOpened
from loyalty.domain.account import LoyaltyAccount, Tier


def to_integration_event(event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    if isinstance(event, LoyaltyAccount.Opened):
        return LoyaltyAccountOpened(
            account_id=str(event.originator_id),
            customer_id=event.customer_id,
            tier=Tier.STANDARD.value,
            points_balance=0,
            opened_at=event.timestamp,
        )
    return None
