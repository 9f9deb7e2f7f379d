"""Which domain events loyalty publishes, and in which contract shape.

Every movement of the points balance goes to ``crm.loyalty.ledger.v1`` with
its monetary value (decided with the movement, so a later change of the cost
per point never rewrites what the ERP booked; points a cancelled redemption
gives back carry the value they were redeemed at); tier changes go to
``crm.loyalty.accounts.v1``. Movements of no points (a reversal wholly owed
or written off) change no balance and are not published.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import DomainEventProtocol

from contracts import IntegrationEvent
from contracts.ledger import (
    PointsExpired,
    PointsIssued,
    PointsRedeemed,
    PointsReturned,
    PointsReversed,
)
from contracts.loyalty import LoyaltyAccountOpened, TierChanged
from contracts.notifications import NotificationRequested
from loyalty.domain.account import LoyaltyAccount, Tier
from loyalty.domain.greetings import Celebrant

LEDGER: dict[type[object], type[IntegrationEvent]] = {
    LoyaltyAccount.PointsIssued: PointsIssued,
    LoyaltyAccount.PointsReversed: PointsReversed,
    LoyaltyAccount.PointsExpired: PointsExpired,
    LoyaltyAccount.PointsRedeemed: PointsRedeemed,
    LoyaltyAccount.RedeemedPointsReturned: PointsReturned,
}
"""Each points movement of an account and the ledger event it is published as."""


def to_integration_event(event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    account_id = str(event.originator_id)
    if isinstance(event, LoyaltyAccount.Opened):
        return LoyaltyAccountOpened(
            account_id=account_id,
            customer_id=event.customer_id,
            tier=Tier.STANDARD.value,
            points_balance=0,
            opened_at=event.timestamp,
        )
    movement = LEDGER.get(type(event))
    if movement is not None:
        if isinstance(event, LoyaltyAccount.PointsReversed) and event.points <= 0:
            return None  # an unpaid order's pending points: nothing left the ledger
        # the ledger events share their fields' names with the contract's
        return movement.model_validate({**vars(event), "account_id": account_id})
    if isinstance(event, LoyaltyAccount.TierChanged):
        return TierChanged(
            account_id=account_id,
            customer_id=event.customer_id,
            tier=event.tier,
            previous_tier=event.previous_tier,
            qualifying_purchases=event.qualifying_purchases,
            changed_at=event.occurred_at,
        )
    if isinstance(event, Celebrant.Greeted):
        return NotificationRequested(
            notification_id=str(
                uuid5(NAMESPACE_URL, f"/crm/loyalty/greetings/{event.customer_id}/{event.year}")
            ),
            customer_id=event.customer_id,
            purpose="loyalty",
            template="birthday_greeting",
            parameters={"bonus_points": str(event.bonus_points), "year": str(event.year)},
            requested_by="loyalty",
            requested_at=event.at,
        )
    return None
